// What the page tells the user besides messages: the connection badge and
// banner, toasts, error texts and time formatting.

import { h } from './dom.js'
import { state, ui } from './state.js'

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

export function setStatus(status, detail) {
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

export function errorText(e) {
  if (!e) return 'Unknown error'
  if (typeof e === 'string') return e
  const msg = e.message || String(e)
  return e.type && e.type !== 'Error' ? `${e.type}: ${msg}` : msg
}

export function toast(message, kind = 'info', ms = 4500) {
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message)
  ui.toasts.append(el)
  requestAnimationFrame(() => el.classList.add('in'))
  setTimeout(() => {
    el.classList.remove('in')
    setTimeout(() => el.remove(), 300)
  }, ms)
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const dayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' })

export function shortTime(iso) {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? '' : timeFmt.format(d)
}

export function relativeDay(iso) {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const now = new Date()
  if (d.toDateString() === now.toDateString()) return timeFmt.format(d)
  const y = new Date(now)
  y.setDate(now.getDate() - 1)
  if (d.toDateString() === y.toDateString()) return 'Yesterday'
  return dayFmt.format(d)
}
