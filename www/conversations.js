// Conversations: the list in the sidebar, opening one (listener first, then its
// history), catching up after a reconnect, and the listener's events.
// Lists go through the package's list helpers (client.list.conversations /
// client.list.messages: async iterables over every page, with collect()).

import { h } from './dom.js'
import { setComposerEnabled } from './composer.js'
import { errorText, relativeDay, setStatus, toast } from './feedback.js'
import {
  clearMessages, onStreamAbort, onStreamComplete, onStreamDelta, removeMessage, scrollToBottom, updateEmpty, upsertMessage,
} from './messages.js'
import { previews } from './previews.js'
import { endpointId, writeJSON } from './settings.js'
import { closeSidebar, state, ui } from './state.js'

const HISTORY_LIMIT = 2000
const CONVERSATIONS_LIMIT = 500

const byCreation = (a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0)

// Conversations are numbered by age: #1 is the oldest.
function numbering() {
  return new Map([...state.conversations].sort(byCreation).map((c, i) => [c.id, i + 1]))
}

export function renderConversations() {
  const pv = previews()
  const sorted = [...state.conversations].sort((a, b) => {
    const ta = pv[a.id]?.at ?? a.updatedAt ?? a.createdAt
    const tb = pv[b.id]?.at ?? b.updatedAt ?? b.createdAt
    return ta < tb ? 1 : ta > tb ? -1 : 0
  })
  const number = numbering()
  ui.conversations.replaceChildren(...sorted.map((c) => {
    const p = pv[c.id]
    return h('li', { 'data-id': c.id, class: c.id === state.conversationId ? 'active' : '' },
      h('button', { type: 'button', class: 'conv', onclick: () => { closeSidebar(); openConversation(c.id) } },
        h('span', { class: 'conv-avatar', 'aria-hidden': 'true', text: `#${number.get(c.id)}` }),
        h('span', { class: 'conv-main' },
          h('span', { class: 'conv-top' },
            h('span', { class: 'conv-name', text: `Conversation ${number.get(c.id)}` }),
            h('span', { class: 'conv-time', text: relativeDay(p?.at ?? c.updatedAt ?? c.createdAt) })),
          h('span', { class: 'conv-preview', text: p ? (p.own ? 'You: ' : '') + p.text : 'No messages yet' }))))
  }))
  if (!sorted.length) ui.conversations.append(h('li', { class: 'conv-none', text: 'No conversations yet' }))
}

export async function loadConversations() {
  state.conversations = await state.client.list.conversations({}).collect({ limit: CONVERSATIONS_LIMIT })
  renderConversations()
}

export async function newConversation() {
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

// The conversation's messages in creation order, at most HISTORY_LIMIT of them;
// `complete` is false when there were more.
async function fetchHistory(conversationId) {
  const all = await state.client.list.messages({ conversationId }).collect({ limit: HISTORY_LIMIT + 1 })
  const complete = all.length <= HISTORY_LIMIT
  const messages = all.slice(0, HISTORY_LIMIT).sort(byCreation)
  return { messages, complete }
}

const fromHistory = (m) => ({ ...m, isBot: m.userId !== state.user?.id })

// Merge the server's view: add what we missed, drop what was deleted meanwhile.
async function catchUp(reason) {
  const id = state.conversationId
  if (!id || !state.client) return
  try {
    const { messages, complete } = await fetchHistory(id)
    if (id !== state.conversationId) return
    if (complete) {
      const seen = new Set(messages.map((m) => m.id))
      for (const mid of [...state.messages.keys()]) if (!seen.has(mid)) removeMessage(mid)
    }
    let added = 0
    for (const m of messages) {
      if (!state.messages.has(m.id)) added++
      upsertMessage(fromHistory(m))
    }
    if (reason === 'reconnect' && added) toast(`Caught up on ${added} message${added === 1 ? '' : 's'}`, 'info', 2500)
  } catch (e) {
    toast(`Could not load messages — ${errorText(e)}`, 'error')
  }
}

export function teardownListener() {
  const l = state.listener
  state.listener = null
  if (l) {
    try { l.disconnect() } catch { /* already closed */ }
  }
}

export async function openConversation(id) {
  const seq = ++state.openSeq
  teardownListener()
  clearMessages()
  state.conversationId = id
  writeJSON(`last:${endpointId(state.settings)}`, id)
  for (const li of ui.conversations.children) li.classList.toggle('active', li.dataset.id === id)
  const index = numbering().get(id)
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
  const { messages } = await fetchHistory(id).catch((e) => {
    toast(`Could not load messages — ${errorText(e)}`, 'error')
    return { messages: [] }
  })
  if (seq !== state.openSeq) return
  for (const m of messages) upsertMessage(fromHistory(m))
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

// The badge / retry button: a new listener when the last one gave up.
export async function reconnectListener() {
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
