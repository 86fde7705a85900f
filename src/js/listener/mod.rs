//! `client.listenConversation(...)` for JS: a `SignalListener` that is both
//! an emitter with the official names (`on`, `off`, `once`, `onceOrMore`,
//! `connect`, `disconnect`, `status`) and an async iterable of `{type, data}`,
//! plus `streamedMessage(streamId)` and the webhook helper `decodeSignal`.
//!
//! Each frame is parsed once by the host's `JSON.parse`; after a cheap shape
//! check the resulting object goes to the callbacks as is.
//!
//! By job: `options` (reading `listenConversation`'s options), `codec`
//! (frames and listed messages to signals), `core` (callbacks, status and
//! the connection run), `iterator` (async iteration), `streams` (streamed
//! replies), `decode` (`decodeSignal`); here the `SignalListener` class and
//! `listenConversation`.

mod codec;
mod core;
mod decode;
mod iterator;
mod options;
mod streams;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::client::Client;
use crate::error::Error;
use crate::js::client::{ChatClient, JsClient};
use crate::js::error::to_js_error;
use crate::realtime::assembler::StreamAssembler;
use crate::realtime::driver::Progress;

use self::codec::js_target;
use self::core::{Core, IterState, Mode, State};
use self::iterator::SignalIterator;
use self::options::parse_options;

#[wasm_bindgen(module = "/src/js/keys.js")]
extern "C" {
    /// The `id` claim of a user key, read without checking the signature
    /// (only the server can); empty when the key is not a JWT: every
    /// backfilled message then counts as another user's.
    #[wasm_bindgen(js_name = claimedUserId)]
    fn claimed_user_id(key: &str) -> String;
}

pub(super) fn key(s: &str) -> JsValue {
    JsValue::from_str(s)
}

pub(super) fn get(obj: &JsValue, k: &str) -> JsValue {
    Reflect::get(obj, &key(k)).unwrap_or(JsValue::UNDEFINED)
}

pub(super) fn object(entries: &[(&str, &JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in entries {
        let _ = Reflect::set(&o, &key(k), v);
    }
    o.into()
}

/// The signals of one conversation (see the TypeScript declarations).
#[wasm_bindgen(skip_typescript)]
pub struct SignalListener {
    core: Rc<Core>,
}

#[wasm_bindgen]
impl SignalListener {
    #[wasm_bindgen(getter, skip_typescript)]
    pub fn status(&self) -> String {
        self.core.st.borrow().conn.status().to_string()
    }

    #[wasm_bindgen(getter, skip_typescript)]
    pub fn state(&self) -> String {
        self.core.st.borrow().conn.name().to_string()
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, ty: JsValue, f: JsValue) -> Result<(), JsValue> {
        self.core.add(&ty, &f, Mode::On)
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn once(&self, ty: JsValue, f: JsValue) -> Result<(), JsValue> {
        self.core.add(&ty, &f, Mode::Once)
    }

    #[wasm_bindgen(js_name = onceOrMore, skip_typescript)]
    pub fn once_or_more(&self, ty: JsValue, f: JsValue) -> Result<(), JsValue> {
        self.core.add(&ty, &f, Mode::OnceOrMore)
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn off(&self, ty: JsValue, f: JsValue) {
        let Some(name) = ty.as_string() else { return };
        let mut st = self.core.st.borrow_mut();
        if let Some((_, l)) = st.handlers.iter_mut().find(|(n, _)| *n == name) {
            if let Some(i) = l.iter().position(|h| JsValue::from(h.f.clone()) == f) {
                let mut v = l.as_ref().clone();
                v.remove(i);
                *l = Rc::new(v);
            }
        }
    }

    /// Opens the connection if it is not open; concurrent calls share one
    /// attempt.
    #[wasm_bindgen(skip_typescript)]
    pub fn connect(&self) -> Promise {
        self.core.connect()
    }

    /// Closes the connection and stops every timer; pending iterations end.
    /// Done when it returns; the promise is for `@botpress/chat`'s signature.
    #[wasm_bindgen(skip_typescript)]
    pub fn disconnect(&self) -> Promise {
        self.close();
        Promise::resolve(&JsValue::UNDEFINED)
    }

    /// `disconnect()` without the promise.
    #[wasm_bindgen(skip_typescript)]
    pub fn close(&self) {
        if self.core.st.borrow().abort.is_some() {
            self.core.stop(None);
        }
    }

    /// Calls the callbacks registered for `type` with `event`, as a signal
    /// would.
    #[wasm_bindgen(skip_typescript)]
    pub fn emit(&self, ty: JsValue, event: JsValue) {
        if let Some(name) = ty.as_string() {
            self.core.emit(&name, &event);
        }
    }

    /// Removes every callback; the connection stays as it is.
    #[wasm_bindgen(skip_typescript)]
    pub fn cleanup(&self) {
        self.core.st.borrow_mut().handlers.clear();
    }

    /// An async iterator over the signals from now on (`for await`).
    #[wasm_bindgen(skip_typescript)]
    pub fn iterator(&self) -> SignalIterator {
        let state = Rc::new(RefCell::new(IterState::default()));
        let mut st = self.core.st.borrow_mut();
        if st.abort.is_some() {
            st.iters.push(state.clone());
        } else {
            state.borrow_mut().ended = true;
        }
        SignalIterator { state, core: Rc::downgrade(&self.core) }
    }
}

/// `for await (const s of listener)` uses the prototype's `iterator` method.
fn install_async_iterator(listener: &JsValue) {
    let Ok(proto) = Reflect::get_prototype_of(listener) else {
        return;
    };
    let sym = js_sys::Symbol::async_iterator();
    if Reflect::has(&proto, &sym).unwrap_or(true) {
        return;
    }
    let f = get(&proto, "iterator");
    if f.is_function() {
        let _ = Reflect::set(&proto, &sym, &f);
    }
}

/// Starts listening as the user of `key` (`user_id`: that user's id, which
/// tells the user's own backfilled messages from the bot's).
fn listen(client: Client, key: String, user_id: String, props: JsValue) -> Promise {
    let (id, opts) = match parse_options(&props) {
        Ok(v) => v,
        Err(e) => return Promise::reject(&to_js_error(e)),
    };
    let target = Rc::new(js_target(client, key, user_id, &id));
    let core = Rc::new_cyclic(|me| Core {
        target,
        opts,
        progress: Rc::new(Progress::default()),
        st: RefCell::new(State {
            conn: crate::realtime::ConnectionState::Closed,
            generation: 0,
            abort: None,
            handlers: Vec::new(),
            open_waiters: Vec::new(),
            iters: Vec::new(),
            streams: StreamAssembler::new(),
            stream_waiters: Vec::new(),
        }),
        me: me.clone(),
    });
    let opened = core.connect();
    let listener: JsValue = SignalListener { core }.into();
    install_async_iterator(&listener);
    wasm_bindgen_futures::future_to_promise(async move {
        wasm_bindgen_futures::JsFuture::from(opened).await?;
        Ok(listener)
    })
}

#[wasm_bindgen]
impl ChatClient {
    /// Listens to a conversation's signals; resolves once connected.
    #[wasm_bindgen(js_name = listenConversation, skip_typescript)]
    pub fn listen_conversation(&self, props: JsValue) -> Promise {
        listen(self.client.clone(), self.key.clone(), self.user_id.clone(), props)
    }
}

#[wasm_bindgen(js_class = Client)]
impl JsClient {
    /// Listens to a conversation's signals as the user of `'x-user-key'`;
    /// resolves once connected.
    #[wasm_bindgen(js_name = listenConversation, skip_typescript)]
    pub fn listen_conversation(&self, props: JsValue) -> Promise {
        let key = match props.is_object().then(|| get(&props, "x-user-key").as_string()).flatten() {
            Some(k) if !k.is_empty() => k,
            _ => {
                let e = Error::missing_key("listenConversation: x-user-key is required");
                return Promise::reject(&to_js_error(e));
            }
        };
        let user_id = claimed_user_id(&key);
        listen(self.client().clone(), key, user_id, props)
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TS_LISTENER: &'static str = r#"
/* ---- Realtime listening ---- */

/**
 * How signals are carried: `'sse'` (default; a streamed `fetch`, key in the `x-user-key`
 * header: browsers, Node 18+, workers, and the cloud), `'eventsource'` (the host's native
 * `EventSource`, key in the query string: accepted by the local server only), `'websocket'`.
 */
export type ListenProtocol = 'sse' | 'eventsource' | 'websocket';
/** The protocols of `@botpress/chat` 1.1.0. */
export type ServerEventsProtocol = 'sse' | 'websocket';
export interface ListenConversationInput {
  /** The conversation id. */
  id: string;
  protocol?: ListenProtocol;
  /** Reconnect with backoff after failures and deliver missed messages (default true). */
  reconnect?: boolean;
  /** No byte (or no open) for this long counts as a dropped connection (default 60000). */
  timeoutMs?: number;
  /** Reconnect delays: a random time up to `baseMs` × 2^attempt, at most `maxMs` (500, 30000). */
  backoff?: { baseMs?: number; maxMs?: number };
  /**
   * Deliver first, oldest first, every message created after this point (a message, its id, or
   * an ISO 8601 time with seconds and `Z` or an offset, e.g. `2025-01-31T12:00:00Z`; any other
   * string is a message id), as `message_created` signals, then the live signals: each message once,
   * in creation order. An id the conversation does not hold ends the listener with an `error`
   * (a `ResourceNotFoundError`).
   */
  since?: string | Message;
}
export type ListenerStatus = 'disconnected' | 'connecting' | 'connected';
export type SignalListenerStatus = ListenerStatus;
/** The options of `@botpress/chat`'s `SignalListener.listen` (here: `listenConversation`). */
export type SignalListenerProps = { url: string; userKey: string; conversationId: string; debug?: boolean };
/** Signal data by type, `unknown` included (the name `@botpress/chat` gives it). */
export type Signals = SignalMap & { unknown: unknown };
export interface ReconnectingEvent { attempt: number; delayMs: number; error: ChatError }
export interface ReconnectedEvent { attempt: number; missed: number }
/**
 * Where the connection stands: opening the first connection, live, reopening it after it ended
 * (`offline` while the platform says it is offline: the next attempt starts when it is back),
 * stopped by `disconnect()`, or ended by a final error.
 */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed' | 'failed';
export interface StateEvent { state: ConnectionState; previous: ConnectionState }
/** A signal of a kind this version does not know (or not JSON): the raw parsed value. */
export interface UnknownSignal { type: 'unknown'; data: unknown }
export type ListenerEventMap = Signals & {
  error: ChatError;
  close: undefined;
  reconnecting: ReconnectingEvent;
  reconnected: ReconnectedEvent;
  state: StateEvent;
};
export type ListenerEvent = keyof ListenerEventMap;
export interface StreamedMessage { streamId: string; text: string; message: Message }

export class SignalIterator {
  private constructor();
  free(): void;
  next(): Promise<IteratorResult<Signal | UnknownSignal, undefined>>;
  return(): Promise<IteratorResult<Signal | UnknownSignal, undefined>>;
}

export class SignalListener {
  private constructor();
  free(): void;
  readonly status: ListenerStatus;
  /** The connection state; each change is a `state` event. */
  readonly state: ConnectionState;
  on<K extends ListenerEvent>(type: K, fn: (data: ListenerEventMap[K]) => void): void;
  once<K extends ListenerEvent>(type: K, fn: (data: ListenerEventMap[K]) => void): void;
  onceOrMore<K extends ListenerEvent>(
    type: K, fn: (data: ListenerEventMap[K]) => 'keep-listening' | 'stop-listening' | void): void;
  off<K extends ListenerEvent>(type: K, fn: (data: ListenerEventMap[K]) => unknown): void;
  /** Calls the callbacks of `type` with `event`. */
  emit<K extends ListenerEvent>(type: K, event: ListenerEventMap[K]): void;
  /** Removes every callback. */
  cleanup(): void;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** `disconnect()` without the promise. */
  close(): void;
  iterator(): SignalIterator;
  [Symbol.asyncIterator](): AsyncIterator<Signal | UnknownSignal, undefined>;
  streamedMessage(streamId: string, onDelta?: (textSoFar: string, delta?: MessageStreamDeltaSignal) => void): Promise<StreamedMessage>;
}

export interface ChatClient {
  listenConversation(input: ListenConversationInput): Promise<SignalListener>;
}

export function decodeSignal(input: string | object): Signal | UnknownSignal;
"#;
