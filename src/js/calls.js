// The per-call path of the JS facade's operations (docs/ARCHITECTURE.md, "Per call").
//
// `installCalls` puts a method in front of each operation method of both client
// classes. When the call is the common case — the client is ready (its `/hello`
// check passed, no `debug`), no call options, and the arguments pass the checks
// below — it runs here: the request through `send` of src/host.js, the
// answer parsed and its shape checked against the tables generated from the
// Rust types (src/js/fields.js). Anything else goes to the method compiled
// from Rust, unchanged: the checks here only ever accept what the Rust checks
// (src/js/check.rs) accept, so a refusal, and the typed error that says why,
// always comes from Rust. So do the decisions on answers that are not a
// well-formed success (`__settle`: the error an answer stands for, or a retry).
//
// Why: a well-formed success then costs no wasm<->JS crossing and no Rust
// future, instead of a future, its closures and dozens of crossings.
import { CONVERSATION, EVENT, MESSAGE, META, OPS, PAYLOADS, USER } from './fields.js'

const ENTITIES = { User: USER, Conversation: CONVERSATION, Message: MESSAGE, Event: EVENT, Meta: META }
const LISTS = { Users: USER, Conversations: CONVERSATION, Messages: MESSAGE }

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)
const absent = (v) => v === undefined || v === null
const nonEmpty = (v) => typeof v === 'string' && v !== ''
// What src/protocol/http.rs header_value_ok accepts, restricted to printable ASCII.
const headerValue = (v) => /^[\x20-\x7e]*$/.test(v)

// Payload fields (src/js/check.rs, check_fields). Payloads with lists (cards,
// choices, carousels, blocs) go to the compiled path: they are rarely what a user
// sends, and their rules would double this file.
function fieldsOk(obj, fields) {
  for (const [name, rule] of fields) {
    const v = obj[name]
    if (rule === 'Str' ? !nonEmpty(v) : rule === 'OptStr' ? !absent(v) && !nonEmpty(v) : rule !== 'Num' || typeof v !== 'number') {
      return false
    }
  }
  return true
}

// A message payload (check_payload).
function payloadOk(v) {
  if (!isObject(v) || typeof v.type !== 'string' || !Object.hasOwn(PAYLOADS, v.type)) return false
  return fieldsOk(v, PAYLOADS[v.type]) && !('metadata' in v)
}

// The arguments (OpSpec::prepare).
function argsOk(fields, args) {
  for (const [name, kind] of fields) {
    const v = args[name]
    switch (kind) {
      case 'Required':
        if (!nonEmpty(v)) return false
        break
      case 'Payload':
        if (!payloadOk(v)) return false
        break
      case 'Object':
        if (!isObject(v)) return false
        break
      case 'OptionalObject':
        if (!absent(v) && !isObject(v)) return false
        break
      case 'Profile':
        // At most 1000 characters: a string of at most 1000 UTF-16 units has no more.
        if (!absent(v) && (typeof v !== 'string' || v.length > 1000)) return false
        break
      default: // Optional, Query
        if (!absent(v) && typeof v !== 'string') return false
    }
  }
  return true
}

// An entity of an answer (check_record), for the kinds entities have; any other
// kind sends the answer to the compiled path.
function recordOk(v, fields) {
  if (!isObject(v)) return false
  for (const [name, kind] of fields) {
    const f = v[name]
    switch (kind) {
      case 'Str':
        if (typeof f !== 'string') return false
        break
      case 'OptStr':
        if (!absent(f) && typeof f !== 'string') return false
        break
      case 'Obj':
        if (!isObject(f)) return false
        break
      case 'OptObj':
        if (!absent(f) && !isObject(f)) return false
        break
      case 'Payload':
        if (!isObject(f) || typeof f.type !== 'string') return false
        break
      default:
        return false
    }
  }
  return true
}

// A success answer (check::classify, then OpSpec::check).
function answerOk(shape, v) {
  if (!isObject(v) || v.code !== undefined) return false
  for (const [name, s] of shape) {
    const f = v[name]
    if (s === 'Str') {
      if (typeof f !== 'string') return false
    } else if (LISTS[s]) {
      if (!Array.isArray(f) || !f.every((x) => recordOk(x, LISTS[s]))) return false
    } else if (ENTITIES[s] && !recordOk(f, ENTITIES[s])) {
      return false
    }
  }
  return true
}

// src/host.js, as the package's glue has it (given to installCalls), and each
// operation's body fields: its arguments but the query's.
let host
const bodyNames = new Map()

// The request of a call here, or undefined when the call is not one for this path.
function prepare(conf, op, args) {
  const [method, segments, keyed, fields] = op
  if (!isObject(args)) return undefined
  let key = conf.key
  if (key === undefined) {
    // `Client`: the key is an argument (src/js/client.rs, take_key).
    const k = args['x-user-key']
    if (!absent(k)) {
      if (!nonEmpty(k) || !headerValue(k)) return undefined
      key = k
    } else if (keyed) {
      return undefined
    }
  }
  if (!argsOk(fields, args)) return undefined
  let url = conf.apiUrl
  try {
    for (const seg of segments) {
      if (seg[0] !== '{') {
        url += '/' + seg
        continue
      }
      const v = args[seg.slice(1, -1)]
      if (!nonEmpty(v)) return undefined
      url += '/' + encodeURIComponent(v)
    }
    let sep = '?'
    for (const [name, kind] of fields) {
      if (kind === 'Query' && typeof args[name] === 'string') {
        url += sep + name + '=' + encodeURIComponent(args[name])
        sep = '&'
      }
    }
  } catch {
    return undefined // a lone surrogate: Rust says which argument
  }
  let body
  if (method === 'POST' || method === 'PUT') {
    try {
      body = host.jsonOf(args, bodyNames.get(op))
    } catch {
      return undefined
    }
  }
  return { url, method, key: keyed ? key : undefined, body }
}

async function run(client, conf, name, op, req) {
  for (let attempt = 0; ; attempt++) {
    let answer
    try {
      answer = await host.send(req.url, req.method, conf.headers, req.key, req.body, conf.timeout, undefined, conf.maxBytes)
    } catch (e) {
      return client.__settle(name, -1, undefined, e, attempt)
    }
    const status = answer[0]
    const text = answer[2]
    if (status >= 200 && status < 300) {
      let v
      try {
        v = JSON.parse(text)
      } catch {}
      if (answerOk(op[4], v)) return v
    }
    const out = client.__settle(name, status, answer[1], text, attempt)
    if (typeof out !== 'number') return out
    await new Promise((resolve) => setTimeout(resolve, out))
  }
}

// Puts the per-call path in front of the operation methods of both classes;
// `hostFns` are `send` and `jsonOf` of src/host.js, as the package's glue has it.
export function installCalls(ChatClient, Client, hostFns) {
  host = hostFns
  for (const op of Object.values(OPS)) bodyNames.set(op, op[3].filter(([, kind]) => kind !== 'Query').map(([name]) => name))
  for (const C of [ChatClient, Client]) {
    const proto = C.prototype
    for (const name of Object.keys(OPS)) {
      const compiled = proto[name]
      if (typeof compiled !== 'function') continue
      const op = OPS[name]
      proto[name] = function (args, options) {
        if (options === undefined || options === null) {
          // The client's settings, kept once it is ready (they do not change).
          const conf = this.__callConf ?? (this.__callConf = this.__callConfig())
          let req
          try {
            req = conf && prepare(conf, op, args)
          } catch {
            // A getter of the arguments threw: the compiled path reports it.
          }
          if (req) return run(this, conf, name, op, req)
        }
        return compiled.call(this, args, options)
      }
    }
  }
}
