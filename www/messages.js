// The message list of the open conversation: insertion in creation order,
// updates, removal, streamed replies growing in place, scrolling.
// The buttons inside messages act through setMessageActions (composer.js
// provides them; app.js wires the two), so this module does not import the composer.

import { h, icon, ICONS } from './dom.js'
import { shortTime } from './feedback.js'
import { notePreview } from './previews.js'
import { isRich, renderPayload } from './render.js'
import { isOwn, state, ui } from './state.js'
import { saveRendered } from './cache.js'

const actions = {
  answer: () => {},
  remove: () => {},
}

// { answer(msg, value, label), remove(messageId) }
export function setMessageActions(a) {
  Object.assign(actions, a)
}

export function nearBottom() {
  const el = ui.messages
  return el.scrollHeight - el.scrollTop - el.clientHeight < 120
}

export function scrollToBottom(smooth = false) {
  ui.messages.scrollTo({ top: ui.messages.scrollHeight, behavior: smooth ? 'smooth' : 'auto' })
  ui.jump.hidden = true
}

export function updateEmpty() {
  const empty = ui.list.childElementCount === 0 && state.conversationId && ui.loading.hidden
  ui.empty.hidden = !empty
}

const botAvatar = () => h('span', { class: 'avatar avatar-bot avatar-sm', 'aria-hidden': 'true' }, icon(ICONS.bot))

function buildMessage(m) {
  const own = isOwn(m)
  const rich = isRich(m.payload)
  const ctx = { answered: state.answered, onAnswer: (msg, value, label) => actions.answer(msg, value, label) }
  const bubble = h('div', { class: `bubble${rich ? ' rich' : ''}` }, renderPayload(m.payload, m, ctx))
  const meta = h('div', { class: 'meta' }, h('time', { datetime: m.createdAt, text: shortTime(m.createdAt) }))
  if (m.metadata && Object.keys(m.metadata).length && !m.metadata.streamId) {
    meta.append(h('span', { class: 'tag', title: JSON.stringify(m.metadata) }, 'metadata'))
  }
  if (own) {
    meta.append(h('button', {
      class: 'msg-delete', type: 'button', title: 'Delete message', 'aria-label': 'Delete message',
      onclick: () => actions.remove(m.id),
    }, icon(ICONS.trash, 'icon icon-sm')))
  }
  return h('div', {
    class: `msg ${own ? 'own' : 'bot'}`,
    'data-id': m.id,
    'data-kind': m.payload?.type ?? 'unknown',
  }, own ? null : botAvatar(),
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

/*
 * Sends on their way: a bubble per send, shown at once ("Sending…"), marked "Not sent" with a
 * Retry button when the call fails, and removed when the message itself is shown — from the
 * call's answer or from the listener, whichever comes first — so a message never shows twice.
 * They live outside state.messages: never cached, never a `since`.
 */
export function showPending(id, payload) {
  const now = new Date().toISOString()
  const el = buildMessage({ id, payload, createdAt: now, isBot: false })
  el.classList.add('pending')
  el.querySelector('.meta').replaceChildren(h('span', { class: 'send-state' }, 'Sending…'))
  const old = state.pending.get(id)?.el
  if (old?.isConnected) old.replaceWith(el)
  else ui.list.append(el)
  state.pending.set(id, { payload: JSON.stringify(payload), el })
  updateEmpty()
  scrollToBottom()
}

/** A send that failed: "Not sent" and Retry (unless its message showed up meanwhile). */
export function failPending(id, retry) {
  const p = state.pending.get(id)
  if (!p?.el.isConnected) return
  p.el.classList.replace('pending', 'failed')
  p.el.querySelector('.meta').replaceChildren(
    h('span', { class: 'send-state' }, 'Not sent'),
    h('button', { class: 'msg-retry', type: 'button', onclick: retry }, 'Retry'),
  )
}

export function dropPending(id) {
  state.pending.get(id)?.el.remove()
  state.pending.delete(id)
  updateEmpty()
}

/** An own message is shown: the oldest send bubble with the same payload goes. */
function dropPendingLike(payload) {
  const text = JSON.stringify(payload)
  for (const [id, p] of state.pending) {
    if (p.payload === text) return dropPending(id)
  }
}

// Adds or re-renders a message (a message of another conversation is ignored).
export function upsertMessage(m, { replace } = {}) {
  if (!m || !m.id || (m.conversationId && state.conversationId && m.conversationId !== state.conversationId)) return
  const stick = nearBottom()
  const prev = state.messages.get(m.id)
  if (!prev && isOwn(m)) dropPendingLike(m.payload)
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
  saveRendered()
  updateEmpty()
  notePreview(merged)
  if (stick || isOwn(merged)) scrollToBottom()
  else ui.jump.hidden = false
}

export function removeMessage(id) {
  state.messages.delete(id)
  saveRendered()
  const el = state.elements.get(id)
  state.elements.delete(id)
  if (el) {
    el.classList.add('leaving')
    setTimeout(() => { el.remove(); updateEmpty() }, 180)
  }
}

export function clearMessages() {
  state.pending.clear()
  state.messages.clear()
  state.elements.clear()
  state.streams.clear()
  ui.list.replaceChildren()
}

// Streaming: deltas are ordered by sequence (arrival order may differ).
export function onStreamDelta(d) {
  if (d.conversationId && d.conversationId !== state.conversationId) return
  let s = state.streams.get(d.streamId)
  if (!s) {
    const body = h('div', { class: 'p-text' })
    const el = h('div', { class: 'msg bot streaming', 'data-stream-id': d.streamId, 'data-kind': 'text' },
      botAvatar(),
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

export function onStreamComplete(d) {
  const s = state.streams.get(d.streamId)
  if (d.message) upsertMessage({ ...d.message, isBot: true }, { replace: s?.el })
  state.streams.delete(d.streamId)
}

export function onStreamAbort(d) {
  const s = state.streams.get(d.streamId)
  if (!s) return
  s.el.classList.remove('streaming')
  s.el.classList.add('aborted')
  const label = s.el.querySelector('.typing-label')
  if (label) label.textContent = 'interrupted'
  state.streams.delete(d.streamId)
}
