//! `client.listenConversation(...)` for JS: a `SignalListener` that is both
//! an emitter with the official names (`on`, `off`, `once`, `onceOrMore`,
//! `connect`, `disconnect`, `status`) and an async iterable of `{type, data}`,
//! plus `streamedMessage(streamId)` and the webhook helper `decodeSignal`.
//!
//! Each frame is parsed once by the host's `JSON.parse`; after a cheap shape
//! check the resulting object goes to the callbacks as is.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::client::{CallOptions, Client};
use crate::error::Error;
use crate::host::{self, json_parse, json_parse_str};
use crate::js::check::OpSpec;
use crate::js::client::{fetch_checked, ChatClient, JsClient};
use crate::js::error::to_js_error;
use crate::realtime::assembler::{StreamAssembler, StreamOutcome};
use crate::realtime::driver::{self, Codec, Decoded, Event, Frame, MessageKey, Progress, Target};
use crate::realtime::Listed;
use crate::realtime::{ListenOptions, Protocol, Since};
use crate::signal::SIGNAL_TYPES;

#[wasm_bindgen(module = "/src/js/keys.js")]
extern "C" {
    /// The `id` claim of a user key, read without checking the signature
    /// (only the server can); empty when the key is not a JWT: every
    /// backfilled message then counts as another user's.
    #[wasm_bindgen(js_name = claimedUserId)]
    fn claimed_user_id(key: &str) -> String;
}

const UNKNOWN: u8 = u8::MAX;
const DELTA: u8 = 1;
const COMPLETE: u8 = 2;
const ABORT: u8 = 3;

fn key(s: &str) -> JsValue {
    JsValue::from_str(s)
}

fn get(obj: &JsValue, k: &str) -> JsValue {
    Reflect::get(obj, &key(k)).unwrap_or(JsValue::UNDEFINED)
}

fn object(entries: &[(&str, &JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in entries {
        let _ = Reflect::set(&o, &key(k), v);
    }
    o.into()
}

/// One decoded signal: `kind` indexes [`SIGNAL_TYPES`] (or is `UNKNOWN`);
/// `data` is what callbacks get; `envelope` is what the iterator yields.
pub(crate) struct JsSignal {
    kind: u8,
    data: JsValue,
    envelope: JsValue,
}

impl JsSignal {
    fn unknown(raw: JsValue) -> JsSignal {
        let envelope = object(&[("type", &key("unknown")), ("data", &raw)]);
        JsSignal { kind: UNKNOWN, data: raw, envelope }
    }

    fn name(&self) -> &'static str {
        SIGNAL_TYPES.get(self.kind as usize).copied().unwrap_or("unknown")
    }
}

/// Classifies a parsed envelope: known type with an object `data`, or unknown
/// (with the whole parsed value as data, as the official client emits it).
/// JS strings made once per thread: property keys and the signal types,
/// so the per-signal work creates no strings.
struct Interned {
    ty: JsValue,
    data: JsValue,
    id: JsValue,
    created_at: JsValue,
    types: Vec<JsValue>,
}

thread_local! {
    static INTERNED: Interned = Interned {
        ty: key("type"),
        data: key("data"),
        id: key("id"),
        created_at: key("createdAt"),
        types: SIGNAL_TYPES.iter().map(|t| key(t)).collect(),
    };
}

/// Classifies a parsed envelope: known type with an object `data`, or unknown
/// (with the whole parsed value as data, as the official client emits it).
fn classify(envelope: JsValue, track: bool) -> Decoded<JsSignal> {
    INTERNED.with(|i| {
        let at = |o: &JsValue, k: &JsValue| Reflect::get(o, k).unwrap_or(JsValue::UNDEFINED);
        let kind = if envelope.is_object() {
            let ty = at(&envelope, &i.ty);
            if ty.is_string() {
                i.types.iter().position(|t| *t == ty)
            } else {
                None
            }
        } else {
            None
        };
        let data = match kind {
            Some(_) => at(&envelope, &i.data),
            None => JsValue::UNDEFINED,
        };
        match kind {
            Some(k) if data.is_object() => {
                let message = if k == 0 && track {
                    Some(MessageKey::Lazy(at(&data, &i.id), at(&data, &i.created_at)))
                } else {
                    None
                };
                Decoded { item: JsSignal { kind: k as u8, data, envelope }, message }
            }
            _ => Decoded { item: JsSignal::unknown(envelope), message: None },
        }
    })
}

pub(crate) struct JsCodec {
    track: bool,
}

/// A message listed for a backfill: the parsed object and its keys.
pub(crate) struct JsListed {
    id: String,
    created_at: String,
    user_id: String,
    value: JsValue,
}

impl Listed for JsListed {
    fn id(&self) -> &str {
        &self.id
    }
    fn created_at(&self) -> &str {
        &self.created_at
    }
    fn user_id(&self) -> &str {
        &self.user_id
    }
}

/// The listening target with backfills listed through the facade's own
/// request path (plain JS objects, no typed decoding).
fn js_target(c: Client, key: String, user_id: String, conversation_id: &str) -> Target<JsListed> {
    let conversation = conversation_id.to_string();
    Target {
        api_url: c.api_url().to_string(),
        key: key.clone(),
        user_id,
        conversation_id: conversation.clone(),
        list_page: Box::new(move |next_token| {
            let (c, key) = (c.clone(), key.clone());
            let args = object(&[
                ("conversationId", &key_value(&conversation)),
                ("nextToken", &next_token.map_or(JsValue::UNDEFINED, |t| JsValue::from_str(&t))),
            ]);
            Box::pin(async move {
                let spec = OpSpec::of::<crate::api::ListMessagesInput>();
                let page = fetch_checked(&c, Some(&key), spec, &args, &CallOptions::default()).await?;
                let items: js_sys::Array = get(&page, "messages").unchecked_into();
                let text = |v: &JsValue, k: &str| get(v, k).as_string().unwrap_or_default();
                let list = items
                    .iter()
                    .map(|v| JsListed {
                        id: text(&v, "id"),
                        created_at: text(&v, "createdAt"),
                        user_id: text(&v, "userId"),
                        value: v,
                    })
                    .collect();
                let next = get(&get(&page, "meta"), "nextToken").as_string();
                Ok((list, next))
            })
        }),
    }
}

fn key_value(s: &str) -> JsValue {
    JsValue::from_str(s)
}

impl Codec for JsCodec {
    type Item = JsSignal;
    type Listed = JsListed;

    fn decode(&mut self, frame: Frame<'_>) -> Option<Decoded<JsSignal>> {
        let parsed = match frame {
            Frame::Text(t) => {
                if t.len() <= 8 && t.trim() == "ping" {
                    return None;
                }
                json_parse_str(t).map_err(|_| JsValue::from_str(t))
            }
            Frame::Js(v) => {
                let Some(s) = v.dyn_ref::<js_sys::JsString>() else {
                    return Some(Decoded { item: JsSignal::unknown(v.clone()), message: None });
                };
                if s.length() <= 8 && v.as_string().is_some_and(|t| t.trim() == "ping") {
                    return None;
                }
                json_parse(v).map_err(|_| v.clone())
            }
        };
        Some(match parsed {
            Ok(env) => classify(env, self.track),
            Err(raw) => Decoded { item: JsSignal::unknown(raw), message: None },
        })
    }

    /// All frames of a read parsed by one `JSON.parse` of `[f1,f2,…]` (one
    /// text conversion and one parse per chunk instead of one per frame);
    /// frame by frame if that fails (a frame that is not JSON).
    fn decode_texts(&mut self, texts: &[String], out: &mut Vec<Decoded<JsSignal>>) {
        let frames: Vec<&str> =
            texts.iter().map(String::as_str).filter(|t| !(t.len() <= 8 && t.trim() == "ping")).collect();
        if frames.len() > 1 {
            let mut joined = String::with_capacity(frames.iter().map(|f| f.len() + 1).sum::<usize>() + 1);
            joined.push('[');
            for (i, f) in frames.iter().enumerate() {
                if i > 0 {
                    joined.push(',');
                }
                joined.push_str(f);
            }
            joined.push(']');
            if let Ok(parsed) = json_parse_str(&joined) {
                let array: &js_sys::Array = parsed.unchecked_ref();
                if array.length() as usize == frames.len() {
                    out.extend(array.iter().map(|env| classify(env, self.track)));
                    return;
                }
            }
        }
        out.extend(frames.into_iter().filter_map(|t| self.decode(Frame::Text(t))));
    }

    fn backfilled(&mut self, m: JsListed, is_bot: bool) -> JsSignal {
        let data: JsValue = js_sys::Object::assign(&js_sys::Object::new(), m.value.unchecked_ref()).into();
        let _ = Reflect::set(&data, &key("isBot"), &JsValue::from_bool(is_bot));
        let envelope = object(&[("type", &key(SIGNAL_TYPES[0])), ("data", &data)]);
        JsSignal { kind: 0, data, envelope }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    On,
    Once,
    OnceOrMore,
}

#[derive(Clone)]
struct Handler {
    f: Function,
    mode: Mode,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Status {
    Disconnected,
    Connecting,
    Connected,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Disconnected => "disconnected",
            Status::Connecting => "connecting",
            Status::Connected => "connected",
        }
    }
}

#[derive(Default)]
struct IterState {
    queue: VecDeque<JsValue>,
    waiters: Vec<(Function, Function)>,
    ended: bool,
    error: Option<JsValue>,
}

/// Stops a run: the spawned task ends (dropping the run) when this is set.
#[derive(Default)]
struct Stop {
    stopped: std::cell::Cell<bool>,
    waker: RefCell<Option<std::task::Waker>>,
}

impl Stop {
    fn stop(&self) {
        self.stopped.set(true);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    fn poll_stopped(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        if self.stopped.get() {
            return std::task::Poll::Ready(());
        }
        *self.waker.borrow_mut() = Some(cx.waker().clone());
        std::task::Poll::Pending
    }
}

struct StreamWaiter {
    resolve: Function,
    reject: Function,
    on_delta: Option<Function>,
}

struct State {
    status: Status,
    generation: u32,
    abort: Option<Rc<Stop>>,
    /// Callbacks by event name (a handful of names: a list beats a map).
    handlers: Vec<(String, Rc<Vec<Handler>>)>,
    open_waiters: Vec<(Function, Function)>,
    iters: Vec<Rc<RefCell<IterState>>>,
    streams: StreamAssembler<JsValue>,
    stream_waiters: Vec<(String, StreamWaiter)>,
}

struct Core {
    target: Rc<Target<JsListed>>,
    opts: ListenOptions,
    progress: Rc<Progress>,
    st: RefCell<State>,
    me: Weak<Core>,
}

fn call(f: &Function, arg: &JsValue) -> JsValue {
    match f.call1(&JsValue::UNDEFINED, arg) {
        Ok(v) => v,
        Err(e) => {
            host::console_error("listener callback threw:", &e);
            JsValue::UNDEFINED
        }
    }
}

fn iter_result(value: &JsValue, done: bool) -> JsValue {
    object(&[("value", value), ("done", &JsValue::from_bool(done))])
}

impl Core {
    fn emit(&self, name: &str, data: &JsValue) {
        let list = match self.st.borrow().handlers.iter().find(|(n, _)| n == name) {
            Some((_, l)) if !l.is_empty() => l.clone(),
            _ => return,
        };
        let mut remove: Vec<Function> = Vec::new();
        for h in list.iter() {
            let ret = call(&h.f, data);
            match h.mode {
                Mode::On => {}
                Mode::Once => remove.push(h.f.clone()),
                Mode::OnceOrMore => {
                    if ret.as_string().as_deref() == Some("stop-listening") {
                        remove.push(h.f.clone());
                    }
                }
            }
        }
        if !remove.is_empty() {
            let mut st = self.st.borrow_mut();
            if let Some((_, l)) = st.handlers.iter_mut().find(|(n, _)| n == name) {
                let v: Vec<Handler> =
                    l.iter().filter(|h| !(h.mode != Mode::On && remove.iter().any(|r| r == &h.f))).cloned().collect();
                *l = Rc::new(v);
            }
        }
    }

    fn set_status(&self, s: Status) {
        self.st.borrow_mut().status = s;
    }

    /// The driver's report; `false` stops a run that is no longer current.
    fn on_event(&self, generation: u32, event: Event<JsSignal>) -> bool {
        if self.st.borrow().generation != generation {
            return false;
        }
        match event {
            Event::Signal(sig) => {
                if matches!(sig.kind, DELTA | COMPLETE | ABORT) {
                    self.stream_signal(&sig);
                }
                let iters = self.st.borrow().iters.clone();
                for it in iters {
                    let mut it = it.borrow_mut();
                    match (!it.waiters.is_empty()).then(|| it.waiters.remove(0)) {
                        Some((resolve, _)) => {
                            drop(it);
                            call(&resolve, &iter_result(&sig.envelope, false));
                        }
                        None => it.queue.push_back(sig.envelope.clone()),
                    }
                }
                self.emit(sig.name(), &sig.data);
            }
            Event::Connecting => self.set_status(Status::Connecting),
            Event::Connected => {
                self.set_status(Status::Connected);
                let waiters = std::mem::take(&mut self.st.borrow_mut().open_waiters);
                for (resolve, _) in waiters {
                    call(&resolve, &JsValue::UNDEFINED);
                }
            }
            Event::Reconnecting { attempt, delay_ms, error } => {
                self.set_status(Status::Connecting);
                let data = object(&[
                    ("attempt", &JsValue::from(attempt)),
                    ("delayMs", &JsValue::from(delay_ms)),
                    ("error", &to_js_error(error)),
                ]);
                self.emit("reconnecting", &data);
            }
            Event::Reconnected { attempt, missed } => {
                let data = object(&[("attempt", &JsValue::from(attempt)), ("missed", &JsValue::from(missed as u32))]);
                self.emit("reconnected", &data);
            }
            Event::Failed(e) => {
                let err = to_js_error(e);
                self.stop(Some(err));
                return false;
            }
        }
        self.st.borrow().generation == generation
    }

    /// Ends the current run: status, open waiters, iterators, stream waiters,
    /// then `error` (if any) and `close`.
    fn stop(&self, error: Option<JsValue>) {
        let (open_waiters, iters, streams, was_running) = {
            let mut st = self.st.borrow_mut();
            st.generation = st.generation.wrapping_add(1);
            let was_running = st.abort.take().map(|a| a.stop()).is_some();
            st.status = Status::Disconnected;
            (
                std::mem::take(&mut st.open_waiters),
                std::mem::take(&mut st.iters),
                std::mem::take(&mut st.stream_waiters),
                was_running,
            )
        };
        let reason = error.clone().unwrap_or_else(|| to_js_error(Error::aborted("The listener was disconnected")));
        for (_, reject) in open_waiters {
            call(&reject, &reason);
        }
        for it in iters {
            let mut it = it.borrow_mut();
            it.ended = true;
            let waiters: Vec<_> = it.waiters.drain(..).collect();
            if error.is_some() && waiters.is_empty() {
                it.error = error.clone();
            }
            drop(it);
            for (i, (resolve, reject)) in waiters.into_iter().enumerate() {
                match &error {
                    Some(e) if i == 0 => {
                        call(&reject, e);
                    }
                    _ => {
                        call(&resolve, &iter_result(&JsValue::UNDEFINED, true));
                    }
                }
            }
        }
        for (_, w) in streams {
            call(&w.reject, &reason);
        }
        if let Some(e) = &error {
            self.emit("error", e);
        }
        if was_running {
            self.emit("close", &JsValue::UNDEFINED);
        }
    }

    fn stream_signal(&self, sig: &JsSignal) {
        let id = get(&sig.data, "streamId").as_string().unwrap_or_default();
        match sig.kind {
            DELTA => {
                let delta = get(&sig.data, "delta").as_string().unwrap_or_default();
                let seq = get(&sig.data, "sequence").as_f64().unwrap_or(0.0).max(0.0) as u64;
                let text = self.st.borrow_mut().streams.delta(&id, seq, &delta);
                let callbacks: Vec<Function> = self
                    .st
                    .borrow()
                    .stream_waiters
                    .iter()
                    .filter(|(s, _)| *s == id)
                    .filter_map(|(_, w)| w.on_delta.clone())
                    .collect();
                if !callbacks.is_empty() {
                    let text = JsValue::from_str(&text);
                    for f in callbacks {
                        let _ = f.call2(&JsValue::UNDEFINED, &text, &sig.data);
                    }
                }
            }
            COMPLETE => {
                let outcome = self.st.borrow_mut().streams.complete(&id, get(&sig.data, "message"));
                let waiters = self.take_stream_waiters(&id);
                settle(&id, &outcome, waiters);
            }
            _ => {
                let outcome = self.st.borrow_mut().streams.abort(&id);
                let waiters = self.take_stream_waiters(&id);
                settle(&id, &outcome, waiters);
            }
        }
    }

    fn take_stream_waiters(&self, id: &str) -> Vec<StreamWaiter> {
        let mut st = self.st.borrow_mut();
        let (taken, kept) = std::mem::take(&mut st.stream_waiters).into_iter().partition(|(s, _)| s == id);
        st.stream_waiters = kept;
        taken.into_iter().map(|(_, w)| w).collect::<Vec<_>>()
    }

    /// Starts a run unless one is going; the promise settles when it is open
    /// or has failed.
    fn connect(&self) -> Promise {
        let status = self.st.borrow().status;
        if status == Status::Connected {
            return Promise::resolve(&JsValue::UNDEFINED);
        }
        let mut waiter = None;
        let promise = Promise::new(&mut |resolve, reject| waiter = Some((resolve, reject)));
        let start = {
            let mut st = self.st.borrow_mut();
            if let Some(w) = waiter {
                st.open_waiters.push(w);
            }
            st.abort.is_none()
        };
        if start {
            self.start();
        }
        promise
    }

    fn start(&self) {
        let Some(core) = self.me.upgrade() else {
            return;
        };
        let stop = Rc::new(Stop::default());
        let generation = {
            let mut st = self.st.borrow_mut();
            st.generation = st.generation.wrapping_add(1);
            st.abort = Some(stop.clone());
            st.status = Status::Connecting;
            st.generation
        };
        let target = self.target.clone();
        let opts = self.opts.clone();
        let progress = self.progress.clone();
        let run = async move {
            let mut codec = JsCodec { track: opts.reconnect || opts.since.is_some() };
            let mut emit = |e: Event<JsSignal>| core.on_event(generation, e);
            driver::run(target, opts, progress, &mut codec, &mut emit).await;
        };
        wasm_bindgen_futures::spawn_local(async move {
            // Whichever ends first; stopping drops the run, which closes its
            // connection and clears its timers.
            let stopped = std::future::poll_fn(|cx| stop.poll_stopped(cx));
            futures::future::select(Box::pin(run), Box::pin(stopped)).await;
        });
    }

    fn add(&self, ty: &JsValue, f: &JsValue, mode: Mode) -> Result<(), JsValue> {
        let name = ty.as_string().ok_or_else(|| to_js_error(Error::config("the event type must be a string")))?;
        let f: Function =
            f.clone().dyn_into().map_err(|_| to_js_error(Error::config("the callback must be a function")))?;
        let mut st = self.st.borrow_mut();
        let i = match st.handlers.iter().position(|(n, _)| *n == name) {
            Some(i) => i,
            None => {
                st.handlers.push((name, Rc::new(Vec::new())));
                st.handlers.len() - 1
            }
        };
        let list = &mut st.handlers[i].1;
        let mut v: Vec<Handler> = list.as_ref().clone();
        v.push(Handler { f, mode });
        *list = Rc::new(v);
        Ok(())
    }
}

fn settle(id: &str, outcome: &StreamOutcome<JsValue>, waiters: Vec<StreamWaiter>) {
    match outcome {
        StreamOutcome::Complete { message, text } => {
            let v = object(&[("streamId", &key(id)), ("text", &key(text)), ("message", message)]);
            for w in waiters {
                call(&w.resolve, &v);
            }
        }
        StreamOutcome::Aborted => {
            let e = to_js_error(Error::aborted(format!("The message stream {id} was aborted")));
            for w in waiters {
                call(&w.reject, &e);
            }
        }
    }
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
        self.core.st.borrow().status.name().to_string()
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

    /// Resolves `{streamId, text, message}` when the stream completes,
    /// rejects if it is aborted or the listener stops. `onDelta(textSoFar,
    /// delta)` follows the progress.
    #[wasm_bindgen(js_name = streamedMessage, skip_typescript)]
    pub fn streamed_message(&self, stream_id: JsValue, on_delta: JsValue) -> Result<Promise, JsValue> {
        let id = stream_id.as_string().ok_or_else(|| to_js_error(Error::config("streamId must be a string")))?;
        let on_delta = on_delta.dyn_into::<Function>().ok();
        let mut waiter = None;
        let promise = Promise::new(&mut |resolve, reject| waiter = Some((resolve, reject)));
        // The executor runs synchronously; a host where it did not gets an error.
        let (resolve, reject) =
            waiter.ok_or_else(|| to_js_error(Error::config("streamedMessage: the Promise executor did not run")))?;
        let outcome = self.core.st.borrow().streams.outcome(&id).cloned();
        let w = StreamWaiter { resolve, reject, on_delta };
        match outcome {
            Some(o) => settle(&id, &o, vec![w]),
            None => {
                if let (Some(f), Some(text)) = (&w.on_delta, self.core.st.borrow().streams.text(&id)) {
                    let _ = f.call2(&JsValue::UNDEFINED, &key(&text), &JsValue::UNDEFINED);
                }
                self.core.st.borrow_mut().stream_waiters.push((id, w));
            }
        }
        Ok(promise)
    }
}

/// The async iterator of a listener.
#[wasm_bindgen(skip_typescript)]
pub struct SignalIterator {
    state: Rc<RefCell<IterState>>,
    core: Weak<Core>,
}

#[wasm_bindgen]
impl SignalIterator {
    #[wasm_bindgen(skip_typescript)]
    pub fn next(&self) -> Promise {
        let mut it = self.state.borrow_mut();
        if let Some(v) = it.queue.pop_front() {
            return Promise::resolve(&iter_result(&v, false));
        }
        if it.ended {
            if let Some(e) = it.error.take() {
                return Promise::reject(&e);
            }
            return Promise::resolve(&iter_result(&JsValue::UNDEFINED, true));
        }
        let mut waiter = None;
        let promise = Promise::new(&mut |resolve, reject| waiter = Some((resolve, reject)));
        if let Some(w) = waiter {
            it.waiters.push(w);
        }
        promise
    }

    /// Stops this iteration (`break` in `for await`); the listener stays
    /// connected.
    #[wasm_bindgen(js_name = "return", skip_typescript)]
    pub fn return_(&self) -> Promise {
        {
            let mut it = self.state.borrow_mut();
            it.ended = true;
            it.queue.clear();
            for (resolve, _) in it.waiters.drain(..) {
                call(&resolve, &iter_result(&JsValue::UNDEFINED, true));
            }
        }
        if let Some(core) = self.core.upgrade() {
            core.st.borrow_mut().iters.retain(|i| !Rc::ptr_eq(i, &self.state));
        }
        Promise::resolve(&iter_result(&JsValue::UNDEFINED, true))
    }
}

fn parse_options(props: &JsValue) -> Result<(String, ListenOptions), Error> {
    if !props.is_object() {
        return Err(Error::invalid_argument(
            "listenConversation expects an object { id, protocol?, reconnect?, timeoutMs? }",
        ));
    }
    let id = get(props, "id");
    let id = match id.as_string() {
        Some(s) if !s.is_empty() => s,
        _ => {
            return Err(Error::invalid_argument(
                "listenConversation: `id` (the conversation id) must be a non-empty string",
            ))
        }
    };
    let mut opts = ListenOptions::default();
    let protocol = get(props, "protocol");
    if !protocol.is_undefined() && !protocol.is_null() {
        opts.protocol = protocol.as_string().as_deref().and_then(Protocol::from_name).ok_or_else(|| {
            Error::config("listenConversation: `protocol` must be 'sse', 'eventsource' or 'websocket'")
        })?;
    }
    let reconnect = get(props, "reconnect");
    if !reconnect.is_undefined() && !reconnect.is_null() {
        opts.reconnect =
            reconnect.as_bool().ok_or_else(|| Error::config("listenConversation: `reconnect` must be a boolean"))?;
    }
    let timeout = get(props, "timeoutMs");
    if !timeout.is_undefined() && !timeout.is_null() {
        match timeout.as_f64() {
            Some(t) if t >= 1.0 && t <= f64::from(i32::MAX as u32) => opts.timeout_ms = t as u32,
            _ => {
                return Err(Error::config("listenConversation: `timeoutMs` must be a positive number of milliseconds"))
            }
        }
    }
    let since = get(props, "since");
    if since.is_object() {
        // A Message: after it.
        match get(&since, "id").as_string() {
            Some(id) if !id.is_empty() => opts.since = Some(Since::Message(id)),
            _ => {
                return Err(Error::invalid_argument(
                    "listenConversation: `since` must be a message, its id or an ISO 8601 time",
                ))
            }
        }
    } else if let Some(text) = since.as_string().filter(|t| !t.is_empty()) {
        opts.since = Some(match iso_time(&text) {
            Some(canonical) => Since::Time(canonical),
            None => Since::Message(text),
        });
    } else if !since.is_undefined() && !since.is_null() {
        return Err(Error::invalid_argument(
            "listenConversation: `since` must be a message, its id or an ISO 8601 time",
        ));
    }
    let backoff = get(props, "backoff");
    if !backoff.is_undefined() && !backoff.is_null() {
        let ms = |name: &str, default: u32| -> Result<u32, Error> {
            let v = get(&backoff, name);
            if v.is_undefined() || v.is_null() {
                return Ok(default);
            }
            match v.as_f64() {
                Some(t) if (0.0..=f64::from(i32::MAX as u32)).contains(&t) => Ok(t as u32),
                _ => {
                    Err(Error::config(format!("listenConversation: `backoff.{name}` must be a number of milliseconds")))
                }
            }
        };
        let d = ListenOptions::default().backoff;
        opts.backoff = crate::realtime::Backoff::new(ms("baseMs", d.base_ms)?, ms("maxMs", d.cap_ms)?);
    }
    Ok((id, opts))
}

/// An ISO 8601 time (`YYYY-MM-DDThh:mm…`, as `Date.parse` reads it) in the
/// server's form (`toISOString`: UTC, milliseconds); `None` for anything else
/// (a message id).
fn iso_time(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let shaped = b.len() >= 16 && b[4] == b'-' && b[7] == b'-' && matches!(b[10], b'T' | b't') && b[13] == b':';
    if !shaped {
        return None;
    }
    let date = js_sys::Date::new(&JsValue::from_str(text));
    if date.get_time().is_nan() {
        return None;
    }
    date.to_iso_string().as_string()
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
            status: Status::Disconnected,
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
        let (client, key) = (self.inner.client().clone(), self.inner.key().to_string());
        listen(client, key, self.inner.user().id.clone(), props)
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

/// `decodeSignal(jsonTextOrObject)`: validates a signal envelope (e.g. a
/// webhook body) and returns it as `{type, data}`. Kinds this version does
/// not know come back as `{type: 'unknown', data: <the envelope>}`; a body
/// that is not an envelope, or a known kind whose data has the wrong shape,
/// throws a `DecodeError` naming the problem.
#[wasm_bindgen(js_name = decodeSignal, skip_typescript)]
pub fn decode_signal(input: JsValue) -> Result<JsValue, JsValue> {
    let fail = |m: String| to_js_error(Error::decode(format!("decodeSignal: {m}")));
    let envelope = if let Some(t) = input.as_string() {
        json_parse_str(&t).map_err(|_| fail("the text is not JSON".into()))?
    } else if input.is_object() {
        input
    } else {
        return Err(fail("expects a JSON string or an object".into()));
    };
    let ty = if envelope.is_object() { get(&envelope, "type").as_string() } else { None };
    let Some(ty) = ty else {
        return Err(fail("not a signal envelope (missing string `type`)".into()));
    };
    let data = get(&envelope, "data");
    if data.is_undefined() {
        return Err(fail(format!("signal `{ty}` has no `data`")));
    }
    let Some(fields) = SHAPES.iter().find(|(k, _)| *k == ty).map(|(_, f)| *f) else {
        return Ok(object(&[("type", &key("unknown")), ("data", &envelope)]));
    };
    check_shape(&data, fields, "data").map_err(|m| fail(format!("invalid `{ty}` signal: {m}")))?;
    Ok(object(&[("type", &key(&ty)), ("data", &data)]))
}

/// Field kinds: `s` string, `S` string or null, `n` number, `b` boolean,
/// `o` object, `p` message payload (an object with a string `type`), `m` a
/// message; a leading `?` marks an optional field.
const MESSAGE: &[(&str, &str)] =
    &[("id", "s"), ("createdAt", "s"), ("conversationId", "s"), ("userId", "s"), ("payload", "p"), ("metadata", "?o")];

const SHAPES: &[(&str, &[(&str, &str)])] = &[
    (
        "message_created",
        &[
            ("id", "s"),
            ("createdAt", "s"),
            ("conversationId", "s"),
            ("userId", "s"),
            ("payload", "p"),
            ("metadata", "?o"),
            ("isBot", "b"),
        ],
    ),
    (
        "message_stream_delta",
        &[
            ("streamId", "s"),
            ("conversationId", "s"),
            ("userId", "s"),
            ("createdAt", "s"),
            ("clientMessageId", "?s"),
            ("sequence", "n"),
            ("delta", "s"),
        ],
    ),
    ("message_stream_complete", &[("streamId", "s"), ("message", "m")]),
    ("message_stream_abort", &[("streamId", "s"), ("conversationId", "s")]),
    (
        "event_created",
        &[("id", "S"), ("createdAt", "s"), ("conversationId", "s"), ("userId", "s"), ("payload", "o"), ("isBot", "b")],
    ),
    ("participant_added", &[("conversationId", "s"), ("participantId", "s")]),
    ("participant_removed", &[("conversationId", "s"), ("participantId", "s")]),
    ("message_deleted", &[("id", "s"), ("conversationId", "s"), ("userId", "s")]),
];

fn check_shape(v: &JsValue, fields: &[(&str, &str)], path: &str) -> Result<(), String> {
    if !v.is_object() || js_sys::Array::is_array(v) {
        return Err(format!("`{path}` must be an object"));
    }
    for (name, kind) in fields {
        let (optional, kind) = match kind.strip_prefix('?') {
            Some(k) => (true, k),
            None => (false, *kind),
        };
        let f = get(v, name);
        let at = format!("{path}.{name}");
        if f.is_undefined() {
            if optional {
                continue;
            }
            return Err(format!("missing field `{at}`"));
        }
        let ok = match kind {
            "s" => f.is_string(),
            "S" => f.is_string() || f.is_null(),
            "n" => f.as_f64().is_some(),
            "b" => f.as_bool().is_some(),
            "o" => f.is_object() && !js_sys::Array::is_array(&f),
            "p" => {
                if !f.is_object() || !get(&f, "type").is_string() {
                    return Err(format!("`{at}` must be a payload object with a string `type`"));
                }
                true
            }
            _ => {
                check_shape(&f, MESSAGE, &at)?;
                true
            }
        };
        if !ok {
            let want = match kind {
                "s" => "a string",
                "S" => "a string or null",
                "n" => "a number",
                "b" => "a boolean",
                _ => "an object",
            };
            return Err(format!("`{at}` must be {want}"));
        }
    }
    Ok(())
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
  /** No byte for this long counts as a dropped connection (default 60000). */
  timeoutMs?: number;
  /** Reconnect delays: a random time up to `baseMs` × 2^attempt, at most `maxMs` (500, 30000). */
  backoff?: { baseMs?: number; maxMs?: number };
  /**
   * Deliver first, oldest first, every message created after this point (a message, its id, or
   * an ISO 8601 time), as `message_created` signals, then the live signals: each message once,
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
/** A signal of a kind this version does not know (or not JSON): the raw parsed value. */
export interface UnknownSignal { type: 'unknown'; data: unknown }
export type ListenerEventMap = Signals & {
  error: ChatError;
  close: undefined;
  reconnecting: ReconnectingEvent;
  reconnected: ReconnectedEvent;
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
