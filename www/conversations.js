// Conversations: the list in the sidebar, opening one and the listener's events.
// Opening a conversation shows what the page rendered of it before (cache.js) and
// listens with `since` = the last of those messages: the listener delivers what came
// after, then the live messages, each once. A conversation opened for the first time
// listens first, then loads its history. After a lost connection the listener catches
// up by itself; a new listener (the badge, the retry button) resumes with `since` too.
// Lists go through the package's list helpers (client.list.conversations /
// client.list.messages: async iterables over every page, with collect()).

import { cachedMessages, flushRendered, forgetMessages, lastRendered } from './cache.js'
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

export function teardownListener() {
  const l = state.listener
  state.listener = null
  if (l) {
    try { l.disconnect() } catch { /* already closed */ }
  }
}

const listen = (id, since) =>
  state.client.listenConversation({ id, protocol: state.settings.protocol, reconnect: true, since })

export async function openConversation(id) {
  const seq = ++state.openSeq
  flushRendered()
  teardownListener()
  clearMessages()
  state.conversationId = id
  writeJSON(`last:${endpointId(state.settings)}`, id)
  for (const li of ui.conversations.children) li.classList.toggle('active', li.dataset.id === id)
  const index = numbering().get(id)
  ui.title.textContent = index ? `Conversation ${index}` : 'Conversation'
  ui.subtitle.textContent = id
  ui.empty.hidden = true
  setStatus('connecting')
  setComposerEnabled(true)

  // What was shown before, at once; the listener resumes after its last message.
  const cached = cachedMessages(id)
  for (const m of cached) upsertMessage(m)
  const since = cached.at(-1)?.id
  ui.loading.hidden = Boolean(since)

  let listener
  try {
    listener = await listen(id, since)
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
    wireListener(listener, seq, since)
    setStatus('connected')
  }
  if (!since) {
    // First visit: listen first, then load the history: nothing falls in between.
    const { messages } = await fetchHistory(id).catch((e) => {
      toast(`Could not load messages — ${errorText(e)}`, 'error')
      return { messages: [] }
    })
    if (seq !== state.openSeq) return
    for (const m of messages) upsertMessage(fromHistory(m))
  }
  ui.loading.hidden = true
  updateEmpty()
  scrollToBottom()
}

// The badge for a listener's connection state (closed and failed: live updates are off).
const BADGE = { closed: 'disconnected', failed: 'disconnected' }
const showState = (s) => setStatus(BADGE[s] ?? s)

/** Shows the current listener's connection state on the badge. */
export function syncStatus() {
  if (state.listener) showState(state.listener.state)
}

function wireListener(l, seq, since) {
  const live = (fn) => (data) => { if (seq === state.openSeq) fn(data) }
  l.on('message_created', live((m) => upsertMessage(m)))
  l.on('message_deleted', live((d) => removeMessage(d.id)))
  l.on('message_stream_delta', live(onStreamDelta))
  l.on('message_stream_complete', live(onStreamComplete))
  l.on('message_stream_abort', live(onStreamAbort))
  // The badge follows the listener's connection state.
  l.on('state', live(({ state: s }) => showState(s)))
  l.on('reconnected', live(({ missed }) => {
    if (missed) toast(`Caught up on ${missed} message${missed === 1 ? '' : 's'}`, 'info', 2500)
  }))
  l.on('error', live((e) => {
    if (since && e.type === 'ResourceNotFound' && l.status === 'disconnected') {
      // The message the page resumed from is gone: start over from the server's history.
      forgetMessages(state.conversationId)
      openConversation(state.conversationId)
      return
    }
    if (l.status === 'disconnected') setStatus('disconnected', errorText(e))
    else if (state.status === 'connected') setStatus('reconnecting', errorText(e))
  }))
  l.on('close', live(() => {
    setStatus('disconnected')
    toast('Live updates stopped.', 'warn')
  }))
}

// The badge / retry button: a new listener when the last one gave up, resuming after
// the last message shown.
export async function reconnectListener() {
  if (!state.conversationId || state.status === 'connected' || state.status === 'connecting') return
  const id = state.conversationId
  const seq = ++state.openSeq
  teardownListener()
  setStatus('connecting')
  try {
    // Nothing shown yet: everything since the conversation began.
    const since = lastRendered() ?? state.conversations.find((c) => c.id === id)?.createdAt
    const l = await listen(id, since)
    if (seq !== state.openSeq) { l.disconnect(); return }
    state.listener = l
    wireListener(l, seq, since)
    setStatus('connected')
  } catch (e) {
    if (seq === state.openSeq) setStatus('disconnected', errorText(e))
    toast(`Still offline — ${errorText(e)}`, 'error')
  }
}
