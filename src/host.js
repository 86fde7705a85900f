// Host functions the package keeps in JS because one call of them replaces many
// wasm <-> JS crossings (bound in src/host.rs). I/O and value carrying only:
// every rule of the protocol is in the Rust core.

// One HTTP exchange for WebHost (src/host.rs). Resolves to
// [status, the Retry-After header or undefined, body text]; rejects with
// [reason, text] where reason is 'aborted' (the caller's signal), 'timeout'
// (no whole answer within timeoutMs), 'large' (the body passes maxBytes) or
// 'network' (text: the host's message and its cause). The returned promise
// has `cancel()`, which aborts the request (the Rust future dropped before the
// answer: a caller that gave up).
export function request(url, method, headers, key, body, signal, timeoutMs, maxBytes) {
  const controller = new AbortController()
  return cancellable(send(url, method, headers, key, body, signal, timeoutMs, maxBytes, controller), controller)
}

const abortOn = (controller) => controller.abort()

/**
 * `promise` with `cancel()`, which aborts `controller`.
 * @template T
 * @param {Promise<T>} promise
 * @param {AbortController} controller
 * @returns {Promise<T> & { cancel(): void }}
 */
function cancellable(promise, controller) {
  return Object.assign(promise, { cancel: () => controller.abort() })
}

async function send(url, method, headers, key, body, signal, timeoutMs, maxBytes, controller) {
  if (signal && signal.aborted) throw ['aborted', '']
  const h = headers ? Object.assign({}, headers) : {}
  if (key !== undefined) h['x-user-key'] = key
  if (body !== undefined) h['content-type'] = 'application/json'
  const timer = setTimeout(abortOn, timeoutMs, controller)
  const onAbort = signal && (() => controller.abort())
  if (signal) signal.addEventListener('abort', onAbort)
  try {
    const r = await fetch(url, { method, headers: h, body, signal: controller.signal })
    const status = r.status
    const retryAfter = r.headers.get('retry-after') ?? undefined
    const declared = r.headers.get('content-length')
    let text
    if (declared !== null && /^\s*\d+\s*$/.test(declared)) {
      if (Number(declared) > maxBytes) throw ['large', '']
      // A compressed body can decode to more than it declared: the text is
      // measured too (in UTF-16 units, which never exceed its UTF-8 bytes).
      text = await r.text()
      if (text.length > maxBytes) throw ['large', '']
    } else {
      text = await readCounted(r, maxBytes)
    }
    return [status, retryAfter, text]
  } catch (e) {
    if (Array.isArray(e)) {
      controller.abort() // a body over the limit is not read further
      throw e
    }
    if (signal && signal.aborted) throw ['aborted', '']
    if (controller.signal.aborted) throw ['timeout', '']
    throw ['network', errorText(e)]
  } finally {
    clearTimeout(timer)
    if (signal) signal.removeEventListener('abort', onAbort)
  }
}

// A streamed GET for the 'sse' transport, with the user key: resolves to
// [status, reader] for a 2xx answer with a body, or [status, text] (the body
// cut to maxChars) for any other; rejects with the text of a network failure.
// The promise has `cancel()`, which aborts the request at any point, also
// while its body is being read.
export function openStream(url, key, maxChars) {
  const controller = new AbortController()
  return cancellable(stream(url, key, maxChars, controller), controller)
}

// `cache: 'no-store'` where the host takes it: Firefox's HTTP cache holds a
// second GET of a URL (another listener of the conversation, a reconnection)
// for about 20 s while a response to it is still streaming. workerd refuses
// the field before compatibility date 2024-11-11 (flag `cache_option_enabled`),
// so whether the host takes it is tried once.
let noStore
function streamInit() {
  if (noStore === undefined) {
    try {
      new Request('http://127.0.0.1/', { cache: 'no-store' })
      noStore = { cache: 'no-store' }
    } catch {
      noStore = {}
    }
  }
  return noStore
}

async function stream(url, key, maxChars, controller) {
  let r
  try {
    r = await fetch(url, { headers: { 'x-user-key': key, accept: 'text/event-stream' }, signal: controller.signal, ...streamInit() })
  } catch (e) {
    throw errorText(e)
  }
  if (r.ok && r.body) return [r.status, r.body.getReader()]
  const text = await r.text().catch(() => '')
  controller.abort()
  return [r.status, text.slice(0, maxChars)]
}

// HMAC-SHA256 of `data` with `key` with WebCrypto (browsers' secure contexts,
// Node 19+, Deno, Bun, workers): the signature's bytes. Both arrive as views of
// wasm memory, valid only during this call: `data` is copied before the first await.
export async function hmacSha256(key, data) {
  const message = data.slice()
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, message))
}

// A body of unknown length, read chunk by chunk and given up as soon as it
// passes maxBytes; invalid UTF-8 becomes U+FFFD.
async function readCounted(r, maxBytes) {
  if (!r.body) return ''
  const reader = r.body.getReader()
  const decoder = new TextDecoder()
  let n = 0
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return text + decoder.decode()
    n += value.byteLength
    if (n > maxBytes) {
      reader.cancel().catch(() => {})
      throw ['large', '']
    }
    text += decoder.decode(value, { stream: true })
  }
}

// Whether the platform believes it is online (`navigator.onLine`; true where
// it cannot tell).
export const online = () => globalThis.navigator?.onLine !== false

// Resolves at the platform's next `online` event (never where there is none).
// One promise per offline spell, however many waiters.
let nextOnline
export function untilOnline() {
  return (nextOnline ??= new Promise((resolve) => {
    if (typeof globalThis.addEventListener === 'function' && globalThis.navigator?.onLine !== undefined) {
      globalThis.addEventListener('online', () => resolve((nextOnline = undefined)), { once: true })
    }
  }))
}

// The message of an exception, with the `cause` Node's fetch puts its reason in
// ("fetch failed" alone says little).
function errorText(e) {
  if (e instanceof Error) {
    const c = e.cause
    if (c instanceof Error) return `${e.message}: ${c.message}`
    if (typeof c === 'string') return `${e.message}: ${c}`
    return e.message
  }
  return typeof e === 'string' ? e : 'unknown error'
}

// A value's JSON text (undefined for undefined or null): a call's arguments,
// a webhook body, a list answer's meta. A value JSON cannot carry throws
// instead of being dropped or mangled: a function or symbol (JSON.stringify
// would leave it out without a word), a BigInt, a cycle, a getter that throws.
export function jsonText(value) {
  return value === undefined || value === null ? undefined : JSON.stringify(value, carried)
}

function carried(name, value) {
  const t = typeof value
  if (t === 'function' || t === 'symbol') throw new TypeError(`${name || 'the argument'}: a ${t} cannot be sent as JSON`)
  return value
}

