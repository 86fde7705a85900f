// The connection: loading the package, connecting as the stored user (or a new
// one, or one whose key comes from a session endpoint), and (re)starting the page.

import { h, icon, ICONS } from './dom.js'
import { setComposerEnabled } from './composer.js'
import { loadConversations, newConversation, openConversation, teardownListener } from './conversations.js'
import { errorText, setStatus, toast } from './feedback.js'
import { clearMessages } from './messages.js'
import { connectProps, endpointId, readJSON, writeJSON } from './settings.js'
import { state, ui } from './state.js'

// The package's browser entry (it instantiates the wasm as it loads), beside the page
// (chat-server --static pkg) or in ../pkg.
const PACKAGE_CANDIDATES = ['./web.js', './pkg/web.js', '../pkg/web.js']

async function loadPackage() {
  let lastError
  for (const url of PACKAGE_CANDIDATES) {
    try {
      return await import(url)
    } catch (e) {
      lastError = e
    }
  }
  throw new Error(`Could not load the chat client package (${lastError?.message ?? 'not found'})`)
}

// The user id this browser asks a session endpoint to sign a key for.
function sessionUserId() {
  let id = readJSON('sessionUserId', null)
  if (!id) {
    id = `web-${crypto.randomUUID ? crypto.randomUUID() : Math.random().toString(36).slice(2)}`
    writeJSON('sessionUserId', id)
  }
  return id
}

// Manual authentication: the key is signed by a server that holds the encryption key.
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
  else ui.meAvatar.replaceChildren(icon(ICONS.user))
}

// Forgets the stored user of the current endpoint; the next start() creates one.
export function forgetUser() {
  writeJSON(`user:${endpointId(state.settings)}`, undefined)
  writeJSON(`last:${endpointId(state.settings)}`, undefined)
}

let starting = null

// (Re)connects with the current settings and opens the last conversation (or a new one).
export async function start() {
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
