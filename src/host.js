// Host functions the crate keeps in JS because one call of them replaces many
// wasm <-> JS crossings per request (bound in src/host.rs; see
// docs/ARCHITECTURE.md, "Per call").

// One HTTP exchange for src/transport/fetch.rs. Resolves to
// [status, retryAfter (429/5xx only) or undefined, body text]; rejects with
// [reason, text] where reason is 'aborted' (the caller's signal), 'timeout',
// 'large' (the body passes maxBytes) or 'network' (text: the host's message
// and its cause). The returned promise has `cancel()`, which aborts the request
// (a Rust future dropped before the answer).
export function request(url, method, headers, key, body, timeoutMs, signal, maxBytes) {
  const controller = new AbortController()
  const p = send(url, method, headers, key, body, timeoutMs, signal, maxBytes, controller)
  p.cancel = () => controller.abort()
  return p
}

const abortOn = (controller) => controller.abort()

// The exchange itself, for callers that never cancel it (src/js/calls.js).
export async function send(url, method, headers, key, body, timeoutMs, signal, maxBytes, controller = new AbortController()) {
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
    const retryAfter = status === 429 || status >= 500 ? r.headers.get('retry-after') ?? undefined : undefined
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

// Lists of field names, defined once each by the wasm side (`Names` in
// src/host.rs) and then named by a number, so that a check passes no strings.
const names = new Map()

export function defineNames(id, list) {
  names.set(id, list)
}

// The type of each field of `v` named by list `id`, 4 bits per field, the
// first name in the lowest bits (`FieldTypes` in src/host.rs); -1 when `v` is
// not a plain object, -2 when the list is not defined yet. At most 13 names
// (52 bits: exact in a double).
export function fieldTypes(v, id) {
  const list = names.get(id)
  if (list === undefined) return -2
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return -1
  let t = 0
  for (let i = list.length - 1; i >= 0; i--) t = t * 16 + typeCode(v[list[i]])
  return t
}

function typeCode(x) {
  switch (typeof x) {
    case 'undefined': return 0
    case 'string': return x === '' ? 3 : 2
    case 'number': return 4
    case 'boolean': return 5
    case 'object': return x === null ? 1 : Array.isArray(x) ? 6 : 7
    default: return 8
  }
}

// The JSON text of an object holding the fields of `args` named by list `id`
// that are neither undefined nor null; undefined when the list is not defined.
export function bodyText(args, id) {
  const list = names.get(id)
  return list === undefined ? undefined : jsonOf(args, list)
}

// The JSON text of an object holding the fields of `args` named in `list` that
// are neither undefined nor null: a request body (also src/js/calls.js's).
export function jsonOf(args, list) {
  const o = {}
  for (const n of list) {
    const v = args[n]
    if (v !== undefined && v !== null) o[n] = v
  }
  return JSON.stringify(o)
}
