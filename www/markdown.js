// The markdown subset of `markdown` payloads, rendered to HTML that is assigned
// to innerHTML. Everything is escaped first; only a small set of tags that this
// module writes itself comes back: <strong>, <em>, <del>, <code>, <pre>, <br>,
// <span class="md-li">, <strong class="md-h"> and <a> whose href is an http(s) or
// mailto URL. No DOM: tests/www/sanitize.test.mjs runs it under Node.

export function escapeHtml(s) {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

function unescapeHtml(s) {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}

const pageUrl = () => globalThis.location?.href ?? 'http://localhost/'

// The absolute URL if it is http:, https: or mailto:, else null (javascript:,
// data:, vbscript:, unparsable...). Relative URLs resolve against the page.
export function safeUrl(url, base = pageUrl()) {
  try {
    const u = new URL(url, base)
    return ['http:', 'https:', 'mailto:'].includes(u.protocol) ? u.href : null
  } catch {
    return null
  }
}

export function renderMarkdown(src, base = pageUrl()) {
  const held = []
  const hold = (html) => `\u0000${held.push(html) - 1}\u0000`
  // NUL and \u0001 are this function's own markers: none may come from the source.
  let s = escapeHtml(String(src).replace(/[\u0000\u0001]/g, ''))
  // fenced code, then inline code: their content is never formatted further
  s = s.replace(/```[^\n]*\n?([\s\S]*?)```/g, (_, code) => hold(`<pre><code>${code.replace(/\n$/, '')}</code></pre>`))
  s = s.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${code}</code>`))
  // links: [text](http(s)/mailto url); anything else stays literal text
  s = s.replace(/\[([^\]\n]+)\]\(([^()\s]+)\)/g, (whole, text, url) => {
    const href = safeUrl(unescapeHtml(url), base)
    return href ? hold(`<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${text}</a>`) : whole
  })
  s = s.replace(/\*\*([^*\n]+?)\*\*/g, '<strong>$1</strong>')
  s = s.replace(/(^|[^\w])__([^_\n]+?)__(?=[^\w]|$)/g, '$1<strong>$2</strong>')
  s = s.replace(/(^|[^*\w])\*(?!\s)([^*\n]+?)(?<!\s)\*(?=[^*\w]|$)/g, '$1<em>$2</em>')
  s = s.replace(/(^|[^\w])_(?!\s)([^_\n]+?)(?<!\s)_(?=[^\w]|$)/g, '$1<em>$2</em>')
  s = s.replace(/~~([^~\n]+?)~~/g, '<del>$1</del>')
  // headings and bullets, line by line
  s = s
    .split('\n')
    .map((line) => {
      const hm = /^(#{1,6})\s+(.*)$/.exec(line)
      if (hm) return `<strong class="md-h">${hm[2]}</strong>\u0001`
      const li = /^\s*(?:[-*+]|\d+\.)\s+(.*)$/.exec(line)
      if (li) return `<span class="md-li">${li[1]}</span>`
      return line
    })
    .join('<br>')
    .replace(/(<\/span>)<br>/g, '$1')
    .replace(/\u0001(<br>)?/g, '')
  return s.replace(/\u0000(\d+)\u0000/g, (_, i) => held[Number(i)]).replace(/(<\/pre>)<br>/g, '$1')
}
