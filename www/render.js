// One message payload → its DOM, for every payload kind of the Chat API. Text
// goes in as text nodes; only `markdown` payloads go through innerHTML, after
// markdown.js has escaped them. Buttons of cards, choices and dropdowns call
// `ctx.onAnswer(msg, value, label)`; `ctx.answered` maps a message id to the
// value already chosen.

import { h, icon, ICONS } from './dom.js'
import { renderMarkdown, safeUrl } from './markdown.js'

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

export function isRich(payload) {
  return ['image', 'audio', 'video', 'card', 'carousel', 'location', 'file', 'bloc'].includes(payload?.type)
}

function renderCard(card, msg, ctx) {
  const img = card.imageUrl ? h('img', { class: 'card-image', src: card.imageUrl, alt: '', loading: 'lazy' }) : null
  const actions = (card.actions ?? []).map((a) => {
    if (a.action === 'url') {
      const href = safeUrl(a.value)
      return h('a', { class: 'card-action', href: href ?? '#', target: '_blank', rel: 'noopener noreferrer' }, a.label, icon(ICONS.external, 'icon icon-sm'))
    }
    return h('button', { class: 'card-action', type: 'button', onclick: () => ctx.onAnswer(msg, a.value, a.label) }, a.label)
  })
  return h('div', { class: 'card' },
    img,
    h('div', { class: 'card-body' },
      h('div', { class: 'card-title', text: card.title }),
      card.subtitle ? h('div', { class: 'card-subtitle', text: card.subtitle }) : null),
    actions.length ? h('div', { class: 'card-actions' }, actions) : null)
}

export function renderPayload(p, msg, ctx) {
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
      return renderCard(p, msg, ctx)
    case 'carousel':
      return h('div', { class: 'p-carousel' }, (p.items ?? []).map((c) => renderCard(c, msg, ctx)))
    case 'choice': {
      const chosen = ctx.answered.get(msg.id)
      return h('div', { class: 'p-choice' },
        h('div', { class: 'choice-text', text: p.text }),
        h('div', { class: 'options' }, (p.options ?? []).map((o) =>
          h('button', {
            class: `option${chosen === o.value ? ' chosen' : ''}`,
            type: 'button',
            disabled: chosen !== undefined,
            'data-value': o.value,
            onclick: () => ctx.onAnswer(msg, o.value, o.label),
          }, o.label))))
    }
    case 'dropdown': {
      const chosen = ctx.answered.get(msg.id)
      const select = h('select', { 'aria-label': p.text, disabled: chosen !== undefined },
        h('option', { value: '', text: 'Choose…', disabled: true, selected: chosen === undefined }),
        (p.options ?? []).map((o) => h('option', { value: o.value, text: o.label, selected: chosen === o.value })))
      const go = h('button', { class: 'btn btn-primary btn-sm', type: 'button', disabled: true, text: 'Send' })
      select.addEventListener('change', () => { go.disabled = !select.value || chosen !== undefined })
      go.addEventListener('click', () => {
        const opt = (p.options ?? []).find((o) => o.value === select.value)
        if (opt) ctx.onAnswer(msg, opt.value, opt.label)
      })
      return h('div', { class: 'p-dropdown' }, h('div', { class: 'choice-text', text: p.text }), h('div', { class: 'dropdown-row' }, select, go))
    }
    case 'bloc':
      return h('div', { class: 'p-bloc' }, (p.items ?? []).map((item) =>
        h('div', { class: `bloc-item${isRich(item) ? ' rich' : ''}` }, renderPayload(item, msg, ctx))))
    default:
      return h('div', { class: 'p-unknown' }, `Unsupported message type “${p?.type ?? 'unknown'}”`)
  }
}

// A one-line summary for the conversation list.
export function previewOf(p) {
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
