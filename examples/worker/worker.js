// An edge worker (workerd / Cloudflare Workers) built on the package's workerd entry, which
// instantiates the wasm (imported as a module) when it loads: nothing to initialise here.
//
//   POST /session        {"userId"} -> {"userKey"}: signs the user key with the encryption
//                        key that only this worker holds (manual authentication), so the
//                        browser never sees it.
//   POST /webhook        receives Chat API webhook calls: checks x-secret-key (401 when it
//                        is wrong) and decodes the body with the package's signal decoder.
//   GET  /webhook/last   what the webhook received so far (this isolate's memory).
//   GET  /ask?text=…     creates a conversation, sends the text and waits for the bot's
//                        reply through the realtime listener; returns the reply.
//
// Bindings (see config.capnp): CHAT_API_URL, ENCRYPTION_KEY, WEBHOOK_SECRET.
import { ChatClient, decodeSignal } from './pkg/workerd.js'

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type',
}

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...CORS } })

const failure = (e, status = 502) =>
  json({ error: { type: e?.type ?? 'Error', code: e?.code, message: e?.message ?? String(e) } }, status)

// Signals received by the webhook, newest last (bounded).
const received = []

// Constant-time comparison of the shared webhook secret.
function sameSecret(a, b) {
  if (typeof a !== 'string' || typeof b !== 'string' || a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

// A client for a user of this worker. With encryptionKey + userId, connect signs the
// key (HS256 JWT) and makes sure the user exists (getOrCreateUser).
const connectAs = (env, userId) =>
  ChatClient.connect({ apiUrl: env.CHAT_API_URL, encryptionKey: env.ENCRYPTION_KEY, userId })

async function session(request, env) {
  let body
  try {
    body = await request.json()
  } catch {
    return json({ error: { message: 'expected a JSON body {"userId": "…"}' } }, 400)
  }
  const userId = body?.userId
  if (typeof userId !== 'string' || !/^[\w.@:-]{1,100}$/.test(userId)) {
    return json({ error: { message: 'userId: 1–100 characters of letters, digits, . _ - @ :' } }, 400)
  }
  try {
    const client = await connectAs(env, userId)
    return json({ userKey: client.user.key, userId: client.user.id })
  } catch (e) {
    return failure(e)
  }
}

async function webhook(request, env) {
  if (!sameSecret(request.headers.get('x-secret-key'), env.WEBHOOK_SECRET)) {
    return json({ error: { message: 'invalid x-secret-key' } }, 401)
  }
  let signal
  try {
    signal = decodeSignal(await request.text())
  } catch (e) {
    return json({ error: { message: `undecodable signal: ${e?.message ?? e}` } }, 400)
  }
  received.push({ at: new Date().toISOString(), signal })
  if (received.length > 100) received.shift()
  return json({ ok: true, type: signal.type })
}

async function ask(url, env) {
  const text = url.searchParams.get('text')
  if (!text) return json({ error: { message: 'text: required query parameter' } }, 400)
  const timeoutMs = Math.min(Number(url.searchParams.get('timeoutMs')) || 15_000, 60_000)
  let listener
  try {
    const client = await connectAs(env, url.searchParams.get('userId') || 'edge-worker')
    const { conversation } = await client.createConversation({})
    // Listen before sending, so the reply cannot slip past.
    listener = await client.listenConversation({ id: conversation.id, protocol: 'sse' })
    const reply = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs)
      listener.on('message_created', (m) => {
        if (m.isBot) {
          clearTimeout(timer)
          resolve(m)
        }
      })
      listener.on('error', (e) => {
        clearTimeout(timer)
        reject(e)
      })
    })
    const { message } = await client.createMessage({ conversationId: conversation.id, payload: { type: 'text', text } })
    const m = await reply
    return json({
      conversationId: conversation.id,
      sent: message.id,
      reply: { id: m.id, payload: m.payload, metadata: m.metadata },
      text: m.payload?.text ?? null,
    })
  } catch (e) {
    return failure(e)
  } finally {
    listener?.disconnect()
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    const path = url.pathname.replace(/\/+$/, '') || '/'
    const route = `${request.method} ${path}`
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS })
    switch (route) {
      case 'POST /session': return session(request, env)
      case 'POST /webhook': return webhook(request, env)
      case 'GET /webhook/last':
        return json({ count: received.length, types: received.map((r) => r.signal.type), last: received.at(-1)?.signal ?? null })
      case 'GET /ask': return ask(url, env)
      case 'GET /': return json({ routes: ['POST /session', 'POST /webhook', 'GET /webhook/last', 'GET /ask?text=…'] })
      default: return json({ error: { message: `no route ${route}` } }, 404)
    }
  },
}
