// What the page rendered, per conversation: the newest messages in the order they
// arrived (history, then live, as the listener delivers them: creation order), kept
// in localStorage. Opening a conversation again (after a reload or a switch) shows
// them at once and listens with `since` = the last of them, so the listener
// delivers exactly what came after, each message once.

import { endpointId, readJSON, writeJSON } from './settings.js'
import { state } from './state.js'

const CACHE_LIMIT = 300
const key = (conversationId) => `messages:${endpointId(state.settings)}:${conversationId}`

/** The cached messages of a conversation, oldest first. */
export function cachedMessages(conversationId) {
  const list = readJSON(key(conversationId), [])
  return Array.isArray(list) ? list.filter((m) => m && typeof m.id === 'string') : []
}

export function forgetMessages(conversationId) {
  writeJSON(key(conversationId), undefined)
}

/** The id of the last message rendered in the open conversation (what `since` resumes from). */
export function lastRendered() {
  let last
  for (const id of state.messages.keys()) last = id
  return last
}

let timer = null
let timerFor = null

/** Writes the open conversation's messages now (before it is closed). */
export function flushRendered() {
  if (!timer) return
  clearTimeout(timer)
  timer = null
  if (timerFor === state.conversationId) write(timerFor)
}

function write(conversationId) {
  // state.messages keeps the order in which the messages were first rendered.
  writeJSON(key(conversationId), [...state.messages.values()].slice(-CACHE_LIMIT))
}

/** Schedules a write of the open conversation's messages (bursts write once). */
export function saveRendered() {
  if (timer) return
  timerFor = state.conversationId
  timer = setTimeout(() => {
    timer = null
    if (timerFor && timerFor === state.conversationId) write(timerFor)
  }, 200)
}
