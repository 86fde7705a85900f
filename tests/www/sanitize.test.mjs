// The demo page's markdown renderer (www/markdown.js) feeds innerHTML: hostile
// inputs must come out as text, and the only tags and attributes in the output
// must be the ones the renderer writes itself.
//   node --test tests/www/
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { escapeHtml, renderMarkdown, safeUrl } from '../../www/markdown.js'

const BASE = 'http://127.0.0.1:8080/'
const render = (s) => renderMarkdown(s, BASE)

// The renderer's own output: these tags, these attributes, nothing else.
const ALLOWED_TAG = /^<\/?(strong|em|del|code|pre|br|span|a)(\s|>|\/>)/
const ALLOWED_ATTRS = {
  strong: ['class'], span: ['class'], a: ['href', 'target', 'rel'],
  em: [], del: [], code: [], pre: [], br: [],
}

// Every tag in `html`, with its attributes (a small tokenizer: attribute values are
// always double-quoted by the renderer, so an unquoted or single-quoted one fails).
function tags(html) {
  const out = []
  const re = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g
  let m
  while ((m = re.exec(html))) {
    const attrs = []
    const rest = m[3].replace(/\s*\/$/, '')
    const ar = /\s+([^\s=]+)(?:="([^"]*)")?/gy
    let a
    let consumed = 0
    while ((a = ar.exec(rest))) { attrs.push({ name: a[1].toLowerCase(), value: a[2] }); consumed = ar.lastIndex }
    assert.equal(consumed, rest.length, `unparsable attributes in ${m[0]}`)
    out.push({ close: m[1] === '/', name: m[2].toLowerCase(), attrs, raw: m[0] })
  }
  return out
}

function assertSafe(html, input) {
  const why = `input ${JSON.stringify(input)} → ${JSON.stringify(html)}`
  for (const t of tags(html)) {
    assert.ok(ALLOWED_ATTRS[t.name], `tag <${t.name}> is not one the renderer writes: ${why}`)
    for (const a of t.attrs) {
      assert.ok(ALLOWED_ATTRS[t.name].includes(a.name), `attribute ${a.name} on <${t.name}>: ${why}`)
      if (a.name === 'href') assert.match(a.value, /^(https?:|mailto:)/i, `href ${a.value}: ${why}`)
    }
  }
  // No '<' that does not open one of the renderer's tags.
  for (const i of [...html.matchAll(/</g)].map((m) => m.index)) {
    assert.match(html.slice(i), ALLOWED_TAG, `stray '<' at ${i}: ${why}`)
  }
  assert.doesNotMatch(html, /[\u0000\u0001]/, `a private marker leaked: ${why}`)
  assert.doesNotMatch(html, /undefined/, `a placeholder resolved to nothing: ${why}`)
}

const HOSTILE = [
  '<script>alert(1)</script>',
  '<img src=x onerror="window.__xss=1">',
  '<svg onload=alert(1)>',
  '"><img src=x onerror=alert(1)>',
  "'><svg/onload=alert(1)>",
  '<a href="javascript:alert(1)">x</a>',
  '[x](javascript:alert(1))',
  '[x](JaVaScRiPt:alert(1))',
  '[x](java&#115;cript:alert(1))',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[x](vbscript:msgbox(1))',
  '[x](http://a.example/"onmouseover="alert(1))',
  "[x](http://a.example/'onmouseover='alert(1))",
  '[x](http://a.example/?q=<script>)',
  '[<img src=x onerror=alert(1)>](https://a.example/)',
  '[**x**](https://a.example/)',
  '**<b>bold</b>**',
  '_<i onclick=alert(1)>x</i>_',
  '~~<del>x</del>~~',
  '`<script>alert(1)</script>`',
  '```\n<script>alert(1)</script>\n```',
  '```html" onload="alert(1)\n<x>\n```',
  '# <h1 onclick=alert(1)>title</h1>',
  '- <li>item</li>\n- [a](javascript:void(0))',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '&amp;lt;img src=x onerror=alert(1)&amp;gt;',
  '\u00000\u0000',
  'text \u00001\u0000 more `code`',
  '\u0001<br>\u0001',
  '<!-- comment --><style>*{}</style>',
  '<iframe src="https://evil.example/"></iframe>',
  '<<script>script>alert(1)<</script>/script>',
  '[a](https://a.example/)[b](javascript:x)[c](mailto:x@y.example)',
  '**[x](https://a.example/) <img>**',
]

test('hostile inputs render to the renderer\'s own tags only', () => {
  for (const input of HOSTILE) assertSafe(render(input), input)
})

test('markup in the source comes out as visible text', () => {
  assert.equal(render('<script>alert(1)</script>'), '&lt;script&gt;alert(1)&lt;/script&gt;')
  assert.equal(render('<img src=x onerror="go()">'), '&lt;img src=x onerror=&quot;go()&quot;&gt;')
  assert.equal(render("it's \"quoted\" & <b>"), 'it&#39;s &quot;quoted&quot; &amp; &lt;b&gt;')
  // Entities stay literal: they are escaped again, never decoded.
  assert.equal(render('&lt;b&gt;'), '&amp;lt;b&amp;gt;')
})

test('code spans and blocks are escaped and not formatted', () => {
  assert.equal(render('`<b>**x**</b>`'), '<code>&lt;b&gt;**x**&lt;/b&gt;</code>')
  assert.equal(render('```\n<script>\n**x**\n```'), '<pre><code>&lt;script&gt;\n**x**</code></pre>')
})

test('links: only http, https and mailto; quotes in the URL cannot leave the attribute', () => {
  assert.equal(render('[js](javascript:alert(1))'), '[js](javascript:alert(1))')
  assert.equal(render('[d](data:text/html,x)'), '[d](data:text/html,x)')
  assert.equal(render('[v](vbscript:x)'), '[v](vbscript:x)')
  assert.equal(render('[ok](https://botpress.com/docs)'),
    '<a href="https://botpress.com/docs" target="_blank" rel="noopener noreferrer">ok</a>')
  assert.equal(render('[m](mailto:a@b.example)'),
    '<a href="mailto:a@b.example" target="_blank" rel="noopener noreferrer">m</a>')
  const q = render('[x](http://a.example/"onmouseover="go)')
  const [a] = tags(q).filter((t) => t.name === 'a')
  assert.deepEqual(a.attrs.map((x) => x.name), ['href', 'target', 'rel'])
  assert.doesNotMatch(a.attrs[0].value, /"/)
  // Relative links resolve against the page.
  assert.match(render('[r](/docs)'), /href="http:\/\/127\.0\.0\.1:8080\/docs"/)
  // The link text is escaped too.
  assert.equal(render('[<i>x</i>](https://a.example/)'),
    '<a href="https://a.example/" target="_blank" rel="noopener noreferrer">&lt;i&gt;x&lt;/i&gt;</a>')
})

test('safeUrl keeps only http, https and mailto', () => {
  assert.equal(safeUrl('https://a.example/x', BASE), 'https://a.example/x')
  assert.equal(safeUrl('mailto:a@b.example', BASE), 'mailto:a@b.example')
  assert.equal(safeUrl('/p', BASE), 'http://127.0.0.1:8080/p')
  for (const bad of ['javascript:alert(1)', ' javascript:alert(1)', 'JAVASCRIPT:x', 'java\tscript:x', 'data:text/html,x', 'vbscript:x', 'file:///etc/passwd', 'http://[']) {
    assert.equal(safeUrl(bad, BASE), null, bad)
  }
})

test('the renderer\'s private markers cannot be forged from the source', () => {
  // NUL-number-NUL is how held fragments (code, links) are put back.
  const out = render('`a` \u00000\u0000 [b](https://a.example/)')
  assert.equal(out.match(/<code>/g).length, 1)
  assert.equal(out.match(/<a /g).length, 1)
  assertSafe(out, 'forged marker')
})

test('the allowed subset still renders', () => {
  assert.equal(render('**b** _i_ ~~d~~'), '<strong>b</strong> <em>i</em> <del>d</del>')
  assert.equal(render('# Title\ntext'), '<strong class="md-h">Title</strong>text')
  assert.equal(render('- one\n- two'), '<span class="md-li">one</span><span class="md-li">two</span>')
  assert.equal(render('a\nb'), 'a<br>b')
})

test('escapeHtml escapes the five HTML-significant characters', () => {
  assert.equal(escapeHtml(`<>&"'`), '&lt;&gt;&amp;&quot;&#39;')
})
