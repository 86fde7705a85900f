// Botpress Chat demo page: plain ES module, no build step.
// Loads the WebAssembly client (wasm-pack --target web output) served beside this page.

const PACKAGE_CANDIDATES = ['./botpress_chat_wasm.js', './pkg/botpress_chat_wasm.js', '../pkg/botpress_chat_wasm.js']
const STORE = 'bpchat:'
const HISTORY_LIMIT = 2000

// ---------------------------------------------------------------------------
// Small DOM helpers
// ---------------------------------------------------------------------------

const $ = (sel, root = document) => root.querySelector(sel)

function h(tag, attrs, ...children) {
  const el = document.createElement(tag)
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue
      if (k === 'class') el.className = v
      else if (k === 'text') el.textContent = v
      else if (k === 'dataset') Object.assign(el.dataset, v)
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v)
      else el.setAttribute(k, v === true ? '' : String(v))
    }
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue
    el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  }
  return el
}

const SVG_NS = 'http://www.w3.org/2000/svg'
function icon(paths, cls = 'icon') {
  const svg = document.createElementNS(SVG_NS, 'svg')
  svg.setAttribute('viewBox', '0 0 24 24')
  svg.setAttribute('aria-hidden', 'true')
  svg.setAttribute('class', cls)
  for (const d of paths) {
    const p = document.createElementNS(SVG_NS, 'path')
    p.setAttribute('d', d)
    svg.append(p)
  }
  return svg
}
const ICONS = {
  trash: ['M3 6h18', 'M8 6V4h8v2', 'M19 6l-1 14H6L5 6', 'M10 11v6M14 11v6'],
  file: ['M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z', 'M14 2v6h6', 'M12 18v-6M9 15l3 3 3-3'],
  pin: ['M21 10c0 7-9 13-9 13S3 17 3 10a9 9 0 0 1 18 0z', 'M12 13a3 3 0 1 0 0-6 3 3 0 0 0 0 6z'],
  external: ['M18 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h6', 'M15 3h6v6', 'M10 14L21 3'],
  text: ['M4 7V4h16v3', 'M9 20h6', 'M12 4v16'],
  markdown: ['M3 5h18v14H3z', 'M7 15V9l2 3 2-3v6', 'M15 9v6M13 13l2 2 2-2'],
  image: ['M3 5h18v14H3z', 'M3 16l5-5 4 4 3-3 6 6', 'M15.5 9.5h.01'],
  audio: ['M9 18V5l12-2v13', 'M6 21a3 3 0 1 0 0-6 3 3 0 0 0 0 6z', 'M18 19a3 3 0 1 0 0-6 3 3 0 0 0 0 6z'],
  video: ['M23 7l-7 5 7 5V7z', 'M1 5h15v14H1z'],
  location: ['M21 10c0 7-9 13-9 13S3 17 3 10a9 9 0 0 1 18 0z', 'M12 13a3 3 0 1 0 0-6 3 3 0 0 0 0 6z'],
  card: ['M3 4h18v16H3z', 'M3 12h18', 'M7 16h5'],
  carousel: ['M7 4h10v16H7z', 'M3 7v10', 'M21 7v10'],
  choice: ['M9 11l3 3L22 4', 'M21 12v7a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h11'],
  dropdown: ['M3 5h18v6H3z', 'M15 8l1.5 1.5L18 8', 'M3 15h18M3 19h12'],
  bloc: ['M3 3h8v8H3z', 'M13 3h8v8h-8z', 'M3 13h8v8H3z', 'M13 13h8v8h-8z'],
}

// ---------------------------------------------------------------------------
// Settings and stored identity
// ---------------------------------------------------------------------------

function readJSON(key, fallback) {
  try {
    const v = localStorage.getItem(STORE + key)
    return v === null ? fallback : JSON.parse(v)
  } catch {
    return fallback
  }
}
function writeJSON(key, value) {
  try {
    if (value === undefined) localStorage.removeItem(STORE + key)
    else localStorage.setItem(STORE + key, JSON.stringify(value))
  } catch { /* storage full or disabled: the session just won't persist */ }
}

function defaultSettings() {
  return {
    mode: 'local',
    apiUrl: `${location.origin}/local`,
    webhookId: '',
    baseApiUrl: 'https://chat.botpress.cloud',
    protocol: 'sse',
    sessionUrl: '',
  }
}

function loadSettings() {
  const s = { ...defaultSettings(), ...readJSON('settings', {}) }
  // Query parameters win, so a link can point the page at any server.
  const q = new URLSearchParams(location.search)
  if (q.get('apiUrl')) Object.assign(s, { mode: 'local', apiUrl: q.get('apiUrl') })
  if (q.get('webhookId')) Object.assign(s, { mode: 'cloud', webhookId: q.get('webhookId') })
  if (q.get('baseApiUrl')) s.baseApiUrl = q.get('baseApiUrl')
  if (q.get('protocol')) s.protocol = q.get('protocol')
  if (q.get('sessionUrl')) s.sessionUrl = q.get('sessionUrl')
  return s
}

function connectProps(s) {
  return s.mode === 'cloud'
    ? { webhookId: s.webhookId.trim(), baseApiUrl: (s.baseApiUrl || 'https://chat.botpress.cloud').trim() }
    : { apiUrl: s.apiUrl.trim() }
}

function endpointId(s) {
  const p = connectProps(s)
  return p.apiUrl ?? `${p.baseApiUrl.replace(/\/+$/, '')}/${p.webhookId}`
}

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

const state = {
  pkg: null,
  settings: loadSettings(),
  client: null,
  user: null,
  conversations: [],
  conversationId: null,
  listener: null,
  openSeq: 0,
  messages: new Map(), // id -> message (with isBot)
  elements: new Map(), // id -> element
  streams: new Map(), // streamId -> { parts: Map(sequence -> delta), el, body }
  answered: new Map(), // message id -> chosen value (choice / dropdown)
  status: 'connecting',
}

const ui = {
  app: $('#app'),
  sidebar: $('#sidebar'),
  scrim: $('#scrim'),
  conversations: $('#conversations'),
  newConversation: $('#new-conversation'),
  meId: $('#me-id'),
  meAvatar: $('#me-avatar'),
  title: $('#chat-title'),
  subtitle: $('#chat-subtitle'),
  status: $('#status'),
  banner: $('#conn-banner'),
  bannerText: $('#conn-banner-text'),
  retry: $('#conn-retry'),
  messages: $('#messages'),
  list: $('#message-list'),
  empty: $('#empty'),
  loading: $('#loading'),
  jump: $('#jump'),
  composer: $('#composer'),
  input: $('#input'),
  send: $('#send'),
  attach: $('#attach'),
  attachMenu: $('#attach-menu'),
  samples: $('#samples'),
  toasts: $('#toasts'),
  settings: $('#settings'),
  settingsForm: $('#settings-form'),
  settingsUser: $('#settings-user'),
}

// ---------------------------------------------------------------------------
// Feedback: status badge and toasts
// ---------------------------------------------------------------------------

const STATUS_TEXT = {
  connecting: 'Connecting',
  connected: 'Connected',
  reconnecting: 'Reconnecting',
  disconnected: 'Disconnected',
  offline: 'Offline',
}

const BANNER_TEXT = {
  reconnecting: 'Connection lost. Reconnecting… messages sent meanwhile will appear when it is back.',
  disconnected: 'Live updates are off.',
  offline: 'You are offline. Messages will catch up when the network is back.',
}

function setStatus(status, detail) {
  state.status = status
  ui.status.dataset.status = status
  ui.status.querySelector('.status-text').textContent = STATUS_TEXT[status] ?? status
  ui.status.title = detail || STATUS_TEXT[status] || status
  const banner = state.conversationId ? BANNER_TEXT[status] : undefined
  ui.banner.hidden = !banner
  ui.banner.dataset.status = status
  if (banner) ui.bannerText.textContent = banner
  ui.retry.hidden = status !== 'disconnected'
}

function errorText(e) {
  if (!e) return 'Unknown error'
  if (typeof e === 'string') return e
  const msg = e.message || String(e)
  return e.type && e.type !== 'Error' ? `${e.type}: ${msg}` : msg
}

function toast(message, kind = 'info', ms = 4500) {
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message)
  ui.toasts.append(el)
  requestAnimationFrame(() => el.classList.add('in'))
  setTimeout(() => {
    el.classList.remove('in')
    setTimeout(() => el.remove(), 300)
  }, ms)
}

// ---------------------------------------------------------------------------
// Time formatting
// ---------------------------------------------------------------------------

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' })

function shortTime(iso) {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? '' : timeFmt.format(d)
}

function relativeDay(iso) {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const now = new Date()
  if (d.toDateString() === now.toDateString()) return timeFmt.format(d)
  const y = new Date(now)
  y.setDate(now.getDate() - 1)
  if (d.toDateString() === y.toDateString()) return 'Yesterday'
  return dayFmt.format(d)
}

// ---------------------------------------------------------------------------
// Markdown: escape everything, then allow a tiny safe subset
// ---------------------------------------------------------------------------

function escapeHtml(s) {
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

function safeUrl(url) {
  try {
    const u = new URL(url, location.href)
    return ['http:', 'https:', 'mailto:'].includes(u.protocol) ? u.href : null
  } catch {
    return null
  }
}

export function renderMarkdown(src) {
  const held = []
  const hold = (html) => `\u0000${held.push(html) - 1}\u0000`
  let s = escapeHtml(src)
  // fenced code, then inline code: their content is never formatted further
  s = s.replace(/```[^\n]*\n?([\s\S]*?)```/g, (_, code) => hold(`<pre><code>${code.replace(/\n$/, '')}</code></pre>`))
  s = s.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${code}</code>`))
  // links: [text](http(s)/mailto url); anything else stays literal text
  s = s.replace(/\[([^\]\n]+)\]\(([^()\s]+)\)/g, (whole, text, url) => {
    const href = safeUrl(unescapeHtml(url))
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

// ---------------------------------------------------------------------------
// Payload rendering
// ---------------------------------------------------------------------------

function urlLabel(url) {
  try {
    const u = new URL(url, location.href)
    const name = decodeURIComponent(u.pathname.split('/').filter(Boolean).pop() || u.hostname)
    return { name, host: u.protocol === 'data:' ? 'inline file' : u.host }
  } catch {
    return { name: url, host: '' }
  }
}

function mapUrl(lat, lon) {
  return `https://www.openstreetmap.org/?mlat=${encodeURIComponent(lat)}&mlon=${encodeURIComponent(lon)}#map=15/${lat}/${lon}`
}

function isRich(payload) {
  return ['image', 'audio', 'video', 'card', 'carousel', 'location', 'file', 'bloc'].includes(payload?.type)
}

function renderCard(card, msg) {
  const img = card.imageUrl ? h('img', { class: 'card-image', src: card.imageUrl, alt: '', loading: 'lazy' }) : null
  const actions = (card.actions ?? []).map((a) => {
    if (a.action === 'url') {
      const href = safeUrl(a.value)
      return h('a', { class: 'card-action', href: href ?? '#', target: '_blank', rel: 'noopener noreferrer' }, a.label, icon(ICONS.external, 'icon icon-sm'))
    }
    return h('button', { class: 'card-action', type: 'button', onclick: () => answer(msg, a.value, a.label) }, a.label)
  })
  return h('div', { class: 'card' },
    img,
    h('div', { class: 'card-body' },
      h('div', { class: 'card-title', text: card.title }),
      card.subtitle ? h('div', { class: 'card-subtitle', text: card.subtitle }) : null),
    actions.length ? h('div', { class: 'card-actions' }, actions) : null)
}

function renderPayload(p, msg) {
  switch (p?.type) {
    case 'text':
      return h('div', { class: 'p-text', text: p.text })
    case 'markdown': {
      const el = h('div', { class: 'p-markdown' })
      el.innerHTML = renderMarkdown(p.markdown ?? '')
      return el
    }
    case 'image':
      return h('a', { class: 'p-image', href: safeUrl(p.imageUrl) ?? '#', target: '_blank', rel: 'noopener noreferrer' },
        h('img', { src: p.imageUrl, alt: p.title || 'Image', loading: 'lazy' }))
    case 'audio':
      return h('div', { class: 'p-audio' }, h('span', { class: 'file-icon' }, icon(ICONS.audio)), h('audio', { controls: true, preload: 'metadata', src: p.audioUrl }))
    case 'video':
      return h('div', { class: 'p-video' }, h('video', { controls: true, preload: 'metadata', playsinline: true, src: p.videoUrl, poster: p.thumbnailUrl }))
    case 'file': {
      const { name, host } = urlLabel(p.fileUrl)
      return h('a', { class: 'p-file', href: safeUrl(p.fileUrl) ?? '#', target: '_blank', rel: 'noopener noreferrer', download: '' },
        h('span', { class: 'file-icon' }, icon(ICONS.file)),
        h('span', { class: 'file-text' }, h('strong', { text: p.title || name }), h('small', { text: host || 'Download' })))
    }
    case 'location': {
      const lat = Number(p.latitude)
      const lon = Number(p.longitude)
      const coords = `${lat.toFixed(4)}, ${lon.toFixed(4)}`
      return h('a', { class: 'p-location', href: mapUrl(lat, lon), target: '_blank', rel: 'noopener noreferrer' },
        h('span', { class: 'map' }, h('span', { class: 'map-pin' }, icon(ICONS.pin))),
        h('span', { class: 'location-text' },
          h('strong', { text: p.title || p.address || 'Location' }),
          p.title && p.address ? h('small', { text: p.address }) : null,
          h('small', { class: 'coords', text: coords }),
          h('span', { class: 'location-link' }, 'Open map', icon(ICONS.external, 'icon icon-sm'))))
    }
    case 'card':
      return renderCard(p, msg)
    case 'carousel':
      return h('div', { class: 'p-carousel' }, (p.items ?? []).map((c) => renderCard(c, msg)))
    case 'choice': {
      const chosen = state.answered.get(msg.id)
      return h('div', { class: 'p-choice' },
        h('div', { class: 'choice-text', text: p.text }),
        h('div', { class: 'options' }, (p.options ?? []).map((o) =>
          h('button', {
            class: `option${chosen === o.value ? ' chosen' : ''}`,
            type: 'button',
            disabled: chosen !== undefined,
            'data-value': o.value,
            onclick: () => answer(msg, o.value, o.label),
          }, o.label))))
    }
    case 'dropdown': {
      const chosen = state.answered.get(msg.id)
      const select = h('select', { 'aria-label': p.text, disabled: chosen !== undefined },
        h('option', { value: '', text: 'Choose…', disabled: true, selected: chosen === undefined }),
        (p.options ?? []).map((o) => h('option', { value: o.value, text: o.label, selected: chosen === o.value })))
      const go = h('button', { class: 'btn btn-primary btn-sm', type: 'button', disabled: true, text: 'Send' })
      select.addEventListener('change', () => { go.disabled = !select.value || chosen !== undefined })
      go.addEventListener('click', () => {
        const opt = (p.options ?? []).find((o) => o.value === select.value)
        if (opt) answer(msg, opt.value, opt.label)
      })
      return h('div', { class: 'p-dropdown' }, h('div', { class: 'choice-text', text: p.text }), h('div', { class: 'dropdown-row' }, select, go))
    }
    case 'bloc':
      return h('div', { class: 'p-bloc' }, (p.items ?? []).map((item) =>
        h('div', { class: `bloc-item${isRich(item) ? ' rich' : ''}` }, renderPayload(item, msg))))
    default:
      return h('div', { class: 'p-unknown' }, `Unsupported message type “${p?.type ?? 'unknown'}”`)
  }
}

function previewOf(p) {
  switch (p?.type) {
    case 'text': return p.text
    case 'markdown': return p.markdown.replace(/[*_`#>[\]()]/g, '')
    case 'choice': case 'dropdown': return p.text
    case 'card': return p.title
    case 'image': return 'Image'
    case 'audio': return 'Audio'
    case 'video': return 'Video'
    case 'file': return p.title || 'File'
    case 'location': return p.title || p.address || 'Location'
    case 'carousel': return `${p.items?.length ?? 0} cards`
    case 'bloc': return `${p.items?.length ?? 0} items`
    default: return p?.type ?? ''
  }
}

// ---------------------------------------------------------------------------
// Message list
// ---------------------------------------------------------------------------

function isOwn(m) {
  if (typeof m.isBot === 'boolean') return !m.isBot
  return state.user && m.userId === state.user.id
}

function nearBottom() {
  const el = ui.messages
  return el.scrollHeight - el.scrollTop - el.clientHeight < 120
}

function scrollToBottom(smooth = false) {
  ui.messages.scrollTo({ top: ui.messages.scrollHeight, behavior: smooth ? 'smooth' : 'auto' })
  ui.jump.hidden = true
}

function updateEmpty() {
  const empty = ui.list.childElementCount === 0 && state.conversationId && ui.loading.hidden
  ui.empty.hidden = !empty
}

function buildMessage(m) {
  const own = isOwn(m)
  const rich = isRich(m.payload)
  const bubble = h('div', { class: `bubble${rich ? ' rich' : ''}` }, renderPayload(m.payload, m))
  const meta = h('div', { class: 'meta' }, h('time', { datetime: m.createdAt, text: shortTime(m.createdAt) }))
  if (m.metadata && Object.keys(m.metadata).length && !m.metadata.streamId) {
    meta.append(h('span', { class: 'tag', title: JSON.stringify(m.metadata) }, 'metadata'))
  }
  if (own) {
    meta.append(h('button', {
      class: 'msg-delete', type: 'button', title: 'Delete message', 'aria-label': 'Delete message',
      onclick: () => deleteMessage(m.id),
    }, icon(ICONS.trash, 'icon icon-sm')))
  }
  return h('div', {
    class: `msg ${own ? 'own' : 'bot'}`,
    'data-id': m.id,
    'data-kind': m.payload?.type ?? 'unknown',
  }, own ? null : h('span', { class: 'avatar avatar-bot avatar-sm', 'aria-hidden': 'true' }, icon(['M5 8h14v11H5z', 'M12 4v4', 'M9 13h.01M15 13h.01'])),
  h('div', { class: 'msg-body' }, bubble, meta))
}

function insertSorted(el, m) {
  // Messages almost always arrive in order: walk back from the end.
  let after = ui.list.lastElementChild
  while (after) {
    const other = state.messages.get(after.dataset.id)
    const t = other?.createdAt ?? after.dataset.createdAt
    if (!t || t <= m.createdAt) break
    after = after.previousElementSibling
  }
  if (after) after.after(el)
  else ui.list.prepend(el)
}

function upsertMessage(m, { replace } = {}) {
  if (!m || !m.id || (m.conversationId && state.conversationId && m.conversationId !== state.conversationId)) return
  const stick = nearBottom()
  const prev = state.messages.get(m.id)
  const merged = prev ? { ...prev, ...m, isBot: typeof m.isBot === 'boolean' ? m.isBot : prev.isBot } : m
  state.messages.set(m.id, merged)

  // A streamed reply's final message takes the place of its live bubble.
  const streamId = merged.metadata?.streamId
  const live = replace ?? (typeof streamId === 'string' ? state.streams.get(streamId)?.el : null)
  if (typeof streamId === 'string') state.streams.delete(streamId)

  const el = buildMessage(merged)
  const old = state.elements.get(m.id)
  if (old) {
    old.replaceWith(el)
    live?.remove()
  } else if (live && live.isConnected) {
    live.replaceWith(el)
  } else {
    insertSorted(el, merged)
    if (!prev) el.classList.add('appear')
  }
  state.elements.set(m.id, el)
  updateEmpty()
  notePreview(merged)
  if (stick || isOwn(merged)) scrollToBottom()
  else ui.jump.hidden = false
}

function removeMessage(id) {
  state.messages.delete(id)
  const el = state.elements.get(id)
  state.elements.delete(id)
  if (el) {
    el.classList.add('leaving')
    setTimeout(() => { el.remove(); updateEmpty() }, 180)
  }
}

function clearMessages() {
  state.messages.clear()
  state.elements.clear()
  state.streams.clear()
  ui.list.replaceChildren()
}

// Streaming: deltas are ordered by sequence (arrival order may differ).
function onStreamDelta(d) {
  if (d.conversationId && d.conversationId !== state.conversationId) return
  let s = state.streams.get(d.streamId)
  if (!s) {
    const body = h('div', { class: 'p-text' })
    const el = h('div', { class: 'msg bot streaming', 'data-stream-id': d.streamId, 'data-kind': 'text' },
      h('span', { class: 'avatar avatar-bot avatar-sm', 'aria-hidden': 'true' }, icon(['M5 8h14v11H5z', 'M12 4v4', 'M9 13h.01M15 13h.01'])),
      h('div', { class: 'msg-body' },
        h('div', { class: 'bubble' }, body, h('span', { class: 'caret', 'aria-hidden': 'true' })),
        h('div', { class: 'meta' }, h('span', { class: 'typing-label', text: 'typing…' }))))
    el.dataset.createdAt = d.createdAt ?? new Date().toISOString()
    s = { parts: new Map(), el, body }
    state.streams.set(d.streamId, s)
    const stick = nearBottom()
    ui.list.append(el)
    el.classList.add('appear')
    updateEmpty()
    if (stick) scrollToBottom()
  }
  s.parts.set(Number(d.sequence), d.delta ?? '')
  const text = [...s.parts.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]).join('')
  const stick = nearBottom()
  s.body.textContent = text
  if (stick) scrollToBottom()
}

function onStreamComplete(d) {
  const s = state.streams.get(d.streamId)
  if (d.message) upsertMessage({ ...d.message, isBot: true }, { replace: s?.el })
  state.streams.delete(d.streamId)
}

function onStreamAbort(d) {
  const s = state.streams.get(d.streamId)
  if (!s) return
  s.el.classList.remove('streaming')
  s.el.classList.add('aborted')
  const label = s.el.querySelector('.typing-label')
  if (label) label.textContent = 'interrupted'
  state.streams.delete(d.streamId)
}

// ---------------------------------------------------------------------------
// Conversations
// ---------------------------------------------------------------------------

function previews() {
  return readJSON(`previews:${endpointId(state.settings)}`, {})
}

function notePreview(m) {
  if (!m.conversationId) return
  const all = previews()
  const cur = all[m.conversationId]
  if (cur && cur.at > m.createdAt) return
  all[m.conversationId] = { text: previewOf(m.payload)?.slice(0, 80) ?? '', at: m.createdAt, own: isOwn(m) }
  writeJSON(`previews:${endpointId(state.settings)}`, all)
  const li = ui.conversations.querySelector(`[data-id="${CSS.escape(m.conversationId)}"]`)
  if (li) {
    li.querySelector('.conv-preview').textContent = (all[m.conversationId].own ? 'You: ' : '') + all[m.conversationId].text
    li.querySelector('.conv-time').textContent = relativeDay(m.createdAt)
    if (li.parentElement.firstElementChild !== li) li.parentElement.prepend(li)
  }
}

function conversationName(c, index) {
  return `Conversation ${index}`
}

function renderConversations() {
  const pv = previews()
  const sorted = [...state.conversations].sort((a, b) => {
    const ta = pv[a.id]?.at ?? a.updatedAt ?? a.createdAt
    const tb = pv[b.id]?.at ?? b.updatedAt ?? b.createdAt
    return ta < tb ? 1 : ta > tb ? -1 : 0
  })
  const byAge = [...state.conversations].sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))
  const number = new Map(byAge.map((c, i) => [c.id, i + 1]))
  ui.conversations.replaceChildren(...sorted.map((c) => {
    const p = pv[c.id]
    return h('li', { 'data-id': c.id, class: c.id === state.conversationId ? 'active' : '' },
      h('button', { type: 'button', class: 'conv', onclick: () => { closeSidebar(); openConversation(c.id) } },
        h('span', { class: 'conv-avatar', 'aria-hidden': 'true', text: `#${number.get(c.id)}` }),
        h('span', { class: 'conv-main' },
          h('span', { class: 'conv-top' },
            h('span', { class: 'conv-name', text: conversationName(c, number.get(c.id)) }),
            h('span', { class: 'conv-time', text: relativeDay(p?.at ?? c.updatedAt ?? c.createdAt) })),
          h('span', { class: 'conv-preview', text: p ? (p.own ? 'You: ' : '') + p.text : 'No messages yet' }))))
  }))
  if (!sorted.length) ui.conversations.append(h('li', { class: 'conv-none', text: 'No conversations yet' }))
}

async function loadConversations() {
  const all = []
  let nextToken
  do {
    const r = await state.client.listConversations(nextToken ? { nextToken } : {})
    all.push(...(r.conversations ?? []))
    nextToken = r.meta?.nextToken
  } while (nextToken && all.length < 500)
  state.conversations = all
  renderConversations()
}

async function newConversation() {
  try {
    ui.newConversation.disabled = true
    const { conversation } = await state.client.createConversation({})
    state.conversations.push(conversation)
    renderConversations()
    closeSidebar()
    await openConversation(conversation.id)
    ui.input.focus()
  } catch (e) {
    toast(`Could not create a conversation — ${errorText(e)}`, 'error')
  } finally {
    ui.newConversation.disabled = false
  }
}

async function fetchHistory(conversationId) {
  const all = []
  let nextToken
  do {
    const r = await state.client.listMessages(nextToken ? { conversationId, nextToken } : { conversationId })
    all.push(...(r.messages ?? []))
    nextToken = r.meta?.nextToken
  } while (nextToken && all.length < HISTORY_LIMIT)
  all.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))
  all.complete = !nextToken
  return all
}

// Merge the server's view: add what we missed, drop what was deleted meanwhile.
async function catchUp(reason) {
  const id = state.conversationId
  if (!id || !state.client) return
  try {
    const history = await fetchHistory(id)
    if (id !== state.conversationId) return
    if (history.complete) {
      const seen = new Set(history.map((m) => m.id))
      for (const mid of [...state.messages.keys()]) if (!seen.has(mid)) removeMessage(mid)
    }
    let added = 0
    for (const m of history) {
      if (!state.messages.has(m.id)) added++
      upsertMessage({ ...m, isBot: m.userId !== state.user?.id })
    }
    if (reason === 'reconnect' && added) toast(`Caught up on ${added} message${added === 1 ? '' : 's'}`, 'info', 2500)
  } catch (e) {
    toast(`Could not load messages — ${errorText(e)}`, 'error')
  }
}

function teardownListener() {
  const l = state.listener
  state.listener = null
  if (l) {
    try { l.disconnect() } catch { /* already closed */ }
  }
}

async function openConversation(id) {
  const seq = ++state.openSeq
  teardownListener()
  clearMessages()
  state.conversationId = id
  writeJSON(`last:${endpointId(state.settings)}`, id)
  for (const li of ui.conversations.children) li.classList.toggle('active', li.dataset.id === id)
  const index = [...state.conversations].sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1)).findIndex((c) => c.id === id) + 1
  ui.title.textContent = index ? `Conversation ${index}` : 'Conversation'
  ui.subtitle.textContent = id
  ui.empty.hidden = true
  ui.loading.hidden = false
  setStatus('connecting')
  setComposerEnabled(true)

  // Listen first, then load the history: nothing falls in between.
  let listener
  try {
    listener = await state.client.listenConversation({ id, protocol: state.settings.protocol, reconnect: true })
  } catch (e) {
    if (seq !== state.openSeq) return
    setStatus('disconnected', errorText(e))
    toast(`Realtime unavailable — ${errorText(e)}`, 'error')
  }
  if (seq !== state.openSeq) {
    try { listener?.disconnect() } catch { /* ignore */ }
    return
  }
  if (listener) {
    state.listener = listener
    wireListener(listener, seq)
    setStatus('connected')
  }
  const history = await fetchHistory(id).catch((e) => {
    toast(`Could not load messages — ${errorText(e)}`, 'error')
    return []
  })
  if (seq !== state.openSeq) return
  for (const m of history) upsertMessage({ ...m, isBot: m.userId !== state.user?.id })
  ui.loading.hidden = true
  updateEmpty()
  scrollToBottom()
}

function wireListener(l, seq) {
  const live = (fn) => (data) => { if (seq === state.openSeq) fn(data) }
  l.on('message_created', live((m) => upsertMessage(m)))
  l.on('message_deleted', live((d) => removeMessage(d.id)))
  l.on('message_stream_delta', live(onStreamDelta))
  l.on('message_stream_complete', live(onStreamComplete))
  l.on('message_stream_abort', live(onStreamAbort))
  l.on('reconnecting', live(() => setStatus('reconnecting')))
  l.on('reconnected', live(() => { setStatus('connected'); catchUp('reconnect') }))
  l.on('error', live((e) => {
    if (l.status === 'disconnected') setStatus('disconnected', errorText(e))
    else if (state.status === 'connected') setStatus('reconnecting', errorText(e))
  }))
  l.on('close', live(() => {
    setStatus('disconnected')
    toast('Live updates stopped.', 'warn')
  }))
}

async function reconnectListener() {
  if (!state.conversationId || state.status === 'connected' || state.status === 'connecting') return
  const id = state.conversationId
  const seq = ++state.openSeq
  teardownListener()
  setStatus('connecting')
  try {
    const l = await state.client.listenConversation({ id, protocol: state.settings.protocol, reconnect: true })
    if (seq !== state.openSeq) { l.disconnect(); return }
    state.listener = l
    wireListener(l, seq)
    setStatus('connected')
    await catchUp('reconnect')
  } catch (e) {
    if (seq === state.openSeq) setStatus('disconnected', errorText(e))
    toast(`Still offline — ${errorText(e)}`, 'error')
  }
}

// ---------------------------------------------------------------------------
// Sending and deleting
// ---------------------------------------------------------------------------

async function sendPayload(payload, metadata) {
  if (!state.client || !state.conversationId) return
  const req = { conversationId: state.conversationId, payload }
  if (metadata) req.metadata = metadata
  try {
    const { message } = await state.client.createMessage(req)
    upsertMessage({ ...message, isBot: false })
    return message
  } catch (e) {
    toast(`Not sent — ${errorText(e)}`, 'error')
    throw e
  }
}

async function sendText(text) {
  const t = text.trim()
  if (!t) return
  // "metadata" shows off message metadata: the echo bot returns it unchanged.
  const metadata = t === 'metadata' ? { source: 'demo-page', sentAt: new Date().toISOString() } : undefined
  await sendPayload({ type: 'text', text: t }, metadata)
}

async function answer(msg, value, label) {
  if (state.answered.has(msg.id)) return
  state.answered.set(msg.id, value)
  const m = state.messages.get(msg.id)
  if (m) upsertMessage(m)
  try {
    await sendText(String(value ?? label))
  } catch {
    state.answered.delete(msg.id)
    if (m) upsertMessage(m)
  }
}

async function deleteMessage(id) {
  const el = state.elements.get(id)
  el?.classList.add('deleting')
  try {
    await state.client.deleteMessage({ id })
    removeMessage(id)
  } catch (e) {
    el?.classList.remove('deleting')
    toast(`Could not delete — ${errorText(e)}`, 'error')
  }
}

// ---------------------------------------------------------------------------
// Sample gallery: every payload kind, sent as the user
// ---------------------------------------------------------------------------

const asset = (name) => new URL(`assets/${name}`, location.href).href

function samples() {
  const card = (title, subtitle, img, extra = []) => ({
    type: 'card', title, subtitle, imageUrl: asset(img),
    actions: [{ action: 'say', label: 'Tell me more', value: `Tell me more about ${title}` }, ...extra],
  })
  return [
    ['markdown', 'Markdown', { type: 'markdown', markdown: '**Release notes**\n- *Faster* reconnects\n- Smaller bundle: `72 KB` gzipped\n- [Chat API docs](https://botpress.com/docs)' }],
    ['image', 'Image', { type: 'image', imageUrl: asset('sample-image.svg') }],
    ['audio', 'Audio', { type: 'audio', audioUrl: asset('sample-audio.wav') }],
    ['video', 'Video', { type: 'video', videoUrl: asset('sample-video.webm') }],
    ['file', 'File', { type: 'file', fileUrl: asset('sample-file.txt'), title: 'Release notes.txt' }],
    ['location', 'Location', { type: 'location', latitude: 45.5019, longitude: -73.5674, title: 'Botpress', address: 'Montréal, Québec' }],
    ['card', 'Card', card('Starter plan', 'Everything you need to launch', 'sample-card-1.svg', [{ action: 'url', label: 'Pricing', value: 'https://botpress.com/pricing' }])],
    ['carousel', 'Carousel', { type: 'carousel', items: [
      card('Starter', 'For side projects', 'sample-card-1.svg'),
      card('Team', 'For growing teams', 'sample-card-2.svg'),
      card('Enterprise', 'Scale and support', 'sample-card-3.svg'),
    ] }],
    ['choice', 'Choice', { type: 'choice', text: 'Which plan suits you?', options: [
      { label: 'Starter', value: 'starter' }, { label: 'Team', value: 'team' }, { label: 'Enterprise', value: 'enterprise' },
    ] }],
    ['dropdown', 'Dropdown', { type: 'dropdown', text: 'Pick your timezone', options: [
      { label: 'Montréal (UTC−5)', value: 'America/Montreal' }, { label: 'London (UTC+0)', value: 'Europe/London' },
      { label: 'Paris (UTC+1)', value: 'Europe/Paris' }, { label: 'Tokyo (UTC+9)', value: 'Asia/Tokyo' },
    ] }],
    ['bloc', 'Bloc', { type: 'bloc', items: [
      { type: 'text', text: 'Here is your order summary:' },
      { type: 'image', imageUrl: asset('sample-card-2.svg') },
      { type: 'markdown', markdown: '**Total:** 42.00 $ — _paid_' },
      { type: 'location', latitude: 45.5019, longitude: -73.5674, title: 'Pick-up point' },
    ] }],
  ]
}

function buildSampleMenu() {
  ui.samples.replaceChildren(...samples().map(([kind, label, payload]) =>
    h('button', { type: 'button', role: 'menuitem', class: 'sample', 'data-kind': kind,
      onclick: () => { toggleAttach(false); sendPayload(payload).catch(() => {}) } },
    icon(ICONS[kind]), h('span', { text: label }))))
}

function toggleAttach(open = ui.attachMenu.hidden) {
  ui.attachMenu.hidden = !open
  ui.attach.setAttribute('aria-expanded', String(open))
  ui.attach.classList.toggle('open', open)
}

// ---------------------------------------------------------------------------
// Composer, sidebar, settings
// ---------------------------------------------------------------------------

function setComposerEnabled(on) {
  ui.input.disabled = !on
  ui.attach.disabled = !on
  ui.send.disabled = !on || !ui.input.value.trim()
}

function autosize() {
  ui.input.style.height = 'auto'
  ui.input.style.height = `${Math.min(ui.input.scrollHeight, 160)}px`
  ui.send.disabled = ui.input.disabled || !ui.input.value.trim()
}

function openSidebar() {
  ui.app.classList.add('sidebar-open')
  ui.scrim.hidden = false
}
function closeSidebar() {
  ui.app.classList.remove('sidebar-open')
  ui.scrim.hidden = true
}

function fillSettingsForm() {
  const f = ui.settingsForm
  const s = state.settings
  f.mode.value = s.mode
  f.apiUrl.value = s.apiUrl
  f.webhookId.value = s.webhookId
  f.baseApiUrl.value = s.baseApiUrl
  f.protocol.value = s.protocol
  f.sessionUrl.value = s.sessionUrl
  ui.settingsUser.textContent = state.user?.id ?? '—'
  syncModeFields()
}

function syncModeFields() {
  const mode = ui.settingsForm.mode.value
  for (const el of ui.settingsForm.querySelectorAll('[data-mode]')) el.hidden = el.dataset.mode !== mode
}

function readSettingsForm() {
  const f = ui.settingsForm
  return {
    mode: f.mode.value,
    apiUrl: f.apiUrl.value.trim() || defaultSettings().apiUrl,
    webhookId: f.webhookId.value.trim(),
    baseApiUrl: f.baseApiUrl.value.trim() || 'https://chat.botpress.cloud',
    protocol: f.protocol.value,
    sessionUrl: f.sessionUrl.value.trim(),
  }
}

function bindUi() {
  ui.composer.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    const text = ui.input.value
    if (!text.trim() || ui.input.disabled) return
    ui.input.value = ''
    autosize()
    ui.send.classList.add('busy')
    try {
      await sendText(text)
    } catch {
      if (!ui.input.value) { ui.input.value = text; autosize() }
    } finally {
      ui.send.classList.remove('busy')
    }
  })
  ui.input.addEventListener('input', autosize)
  ui.input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault()
      ui.composer.requestSubmit()
    }
  })
  $('#chips').addEventListener('click', (ev) => {
    const say = ev.target.closest('[data-say]')?.dataset.say
    if (say) sendText(say).catch(() => {})
  })
  ui.attach.addEventListener('click', () => toggleAttach())
  document.addEventListener('click', (ev) => {
    if (!ui.attachMenu.hidden && !ev.target.closest('.attach')) toggleAttach(false)
  })
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') { toggleAttach(false); closeSidebar() }
  })
  ui.newConversation.addEventListener('click', newConversation)
  $('#open-sidebar').addEventListener('click', openSidebar)
  $('#close-sidebar').addEventListener('click', closeSidebar)
  ui.scrim.addEventListener('click', closeSidebar)
  ui.jump.addEventListener('click', () => scrollToBottom(true))
  ui.messages.addEventListener('scroll', () => { if (nearBottom()) ui.jump.hidden = true }, { passive: true })
  ui.status.addEventListener('click', reconnectListener)
  ui.retry.addEventListener('click', reconnectListener)

  const openSettings = () => { fillSettingsForm(); ui.settings.showModal() }
  $('#open-settings').addEventListener('click', openSettings)
  $('#open-settings-side').addEventListener('click', () => { closeSidebar(); openSettings() })
  for (const r of ui.settingsForm.querySelectorAll('input[name="mode"]')) r.addEventListener('change', syncModeFields)
  $('#new-user').addEventListener('click', () => {
    writeJSON(`user:${endpointId(state.settings)}`, undefined)
    writeJSON(`last:${endpointId(state.settings)}`, undefined)
    ui.settings.close('new-user')
    toast('Starting as a new user', 'info', 2500)
    start()
  })
  ui.settings.addEventListener('close', () => {
    if (ui.settings.returnValue !== 'save') return
    const next = readSettingsForm()
    if (next.mode === 'cloud' && !next.webhookId) {
      toast('A webhook ID is needed to reach Botpress Cloud', 'error')
      return
    }
    state.settings = next
    writeJSON('settings', next)
    start()
  })

  window.addEventListener('offline', () => setStatus('offline'))
  window.addEventListener('online', () => { if (state.status === 'offline') reconnectListener() })
}

// ---------------------------------------------------------------------------
// Start-up: load the package, connect, resume the stored user
// ---------------------------------------------------------------------------

async function loadPackage() {
  let lastError
  for (const url of PACKAGE_CANDIDATES) {
    try {
      const mod = await import(url)
      await mod.default()
      return mod
    } catch (e) {
      lastError = e
    }
  }
  throw new Error(`Could not load the chat client package (${lastError?.message ?? 'not found'})`)
}

function sessionUserId() {
  let id = readJSON('sessionUserId', null)
  if (!id) {
    id = `web-${crypto.randomUUID ? crypto.randomUUID() : Math.random().toString(36).slice(2)}`
    writeJSON('sessionUserId', id)
  }
  return id
}

async function fetchSessionKey(url) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: sessionUserId() }),
  })
  if (!res.ok) throw new Error(`Session endpoint answered ${res.status}`)
  const { userKey } = await res.json()
  if (!userKey) throw new Error('Session endpoint returned no userKey')
  return userKey
}

async function connect() {
  const { ChatClient } = state.pkg
  const props = connectProps(state.settings)
  const storeKey = `user:${endpointId(state.settings)}`
  const stored = readJSON(storeKey, null)
  let client = null
  if (stored?.userKey) {
    try {
      client = await ChatClient.connect({ ...props, userKey: stored.userKey })
    } catch (e) {
      if (![400, 401, 403, 404].includes(e?.code)) throw e
      writeJSON(storeKey, undefined)
      toast('Your previous session has expired — starting a new one', 'warn')
    }
  }
  if (!client) {
    const userKey = state.settings.sessionUrl ? await fetchSessionKey(state.settings.sessionUrl) : undefined
    client = await ChatClient.connect(userKey ? { ...props, userKey } : props)
  }
  const user = client.user
  const key = user?.key ?? client.key
  writeJSON(storeKey, { userKey: key, userId: user?.id })
  return { client, user }
}

function showUser(user) {
  ui.meId.textContent = user?.id ?? '—'
  ui.meId.title = user?.id ?? ''
  const initial = (user?.name || '').trim().slice(0, 1).toUpperCase()
  if (initial) ui.meAvatar.textContent = initial
  else ui.meAvatar.replaceChildren(icon(['M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2', 'M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z']))
}

let starting = null
async function start() {
  const run = (async () => {
    state.openSeq++
    teardownListener()
    clearMessages()
    state.client = null
    state.conversationId = null
    ui.app.dataset.state = 'connecting'
    setStatus('connecting')
    setComposerEnabled(false)
    ui.newConversation.disabled = true
    try {
      state.pkg ??= await loadPackage()
      const { client, user } = await connect()
      if (run !== starting) return
      state.client = client
      state.user = user
      showUser(user)
      await loadConversations()
      const last = readJSON(`last:${endpointId(state.settings)}`, null)
      const pick = state.conversations.find((c) => c.id === last)
        ?? [...state.conversations].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))[0]
      ui.newConversation.disabled = false
      ui.app.dataset.state = 'ready'
      if (pick) await openConversation(pick.id)
      else await newConversation()
    } catch (e) {
      if (run !== starting) return
      ui.app.dataset.state = 'error'
      setStatus('disconnected', errorText(e))
      ui.loading.hidden = true
      ui.title.textContent = 'Not connected'
      ui.subtitle.textContent = endpointId(state.settings)
      ui.meId.textContent = '—'
      ui.conversations.replaceChildren(h('li', { class: 'conv-none', text: 'Not connected' }))
      toast(`Could not connect — ${errorText(e)}`, 'error', 8000)
    }
  })()
  starting = run
  return run
}

bindUi()
buildSampleMenu()
start()

// Handy from the browser console.
window.chatDemo = { state, start, sendText, sendPayload }
