//! The listener's state and its run: callbacks by event (`on`, `once`,
//! `onceOrMore`, `emit`), the status, the connection run and its stop, the
//! iterations waiting for signals, and the driver's events turned into
//! callbacks.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::codec::{JsCodec, JsListed, JsSignal};
use super::object;
use crate::error::Error;
use crate::host::{self};
use crate::js::error::to_js_error;
use crate::realtime::assembler::StreamAssembler;
use crate::realtime::driver::{self, Event, Progress, Target};
use crate::realtime::{ConnectionState, ListenOptions};
use crate::signal::SignalKind;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Mode {
    On,
    Once,
    OnceOrMore,
}

#[derive(Clone)]
pub(super) struct Handler {
    pub(super) f: Function,
    pub(super) mode: Mode,
}

#[derive(Default)]
pub(super) struct IterState {
    pub(super) queue: VecDeque<JsValue>,
    pub(super) waiters: Vec<(Function, Function)>,
    pub(super) ended: bool,
    pub(super) error: Option<JsValue>,
}

/// Stops a run: the spawned task ends (dropping the run) when this is set.
#[derive(Default)]
pub(super) struct Stop {
    pub(super) stopped: std::cell::Cell<bool>,
    pub(super) waker: RefCell<Option<std::task::Waker>>,
}

impl Stop {
    pub(super) fn stop(&self) {
        self.stopped.set(true);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    pub(super) fn poll_stopped(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        if self.stopped.get() {
            return std::task::Poll::Ready(());
        }
        *self.waker.borrow_mut() = Some(cx.waker().clone());
        std::task::Poll::Pending
    }
}

pub(super) struct StreamWaiter {
    pub(super) resolve: Function,
    pub(super) reject: Function,
    pub(super) on_delta: Option<Function>,
}

pub(super) struct State {
    /// The connection state (`state`, `status`, and the `state` event on a change).
    pub(super) conn: ConnectionState,
    pub(super) generation: u32,
    pub(super) abort: Option<Rc<Stop>>,
    /// Callbacks by event name (a handful of names: a list beats a map).
    pub(super) handlers: Vec<(String, Rc<Vec<Handler>>)>,
    pub(super) open_waiters: Vec<(Function, Function)>,
    pub(super) iters: Vec<Rc<RefCell<IterState>>>,
    pub(super) streams: StreamAssembler<JsValue>,
    pub(super) stream_waiters: Vec<(String, StreamWaiter)>,
}

pub(super) struct Core {
    pub(super) target: Rc<Target<JsListed>>,
    pub(super) opts: ListenOptions,
    pub(super) progress: Rc<Progress<JsValue>>,
    pub(super) st: RefCell<State>,
    pub(super) me: Weak<Core>,
}

pub(super) fn call(f: &Function, arg: &JsValue) -> JsValue {
    match f.call1(&JsValue::UNDEFINED, arg) {
        Ok(v) => v,
        Err(e) => {
            host::console_error("listener callback threw:", &e);
            JsValue::UNDEFINED
        }
    }
}

pub(super) fn iter_result(value: &JsValue, done: bool) -> JsValue {
    object(&[("value", value), ("done", &JsValue::from_bool(done))])
}

impl Core {
    pub(super) fn emit(&self, name: &str, data: &JsValue) {
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

    /// Moves the connection state; a change is a `state` event.
    fn set_conn(&self, next: ConnectionState) {
        let previous = std::mem::replace(&mut self.st.borrow_mut().conn, next);
        if previous != next {
            let data = object(&[("state", &next.name().into()), ("previous", &previous.name().into())]);
            self.emit("state", &data);
        }
    }

    /// The driver's report; `false` stops a run that is no longer current.
    pub(super) fn on_event(&self, generation: u32, event: Event<JsSignal>) -> bool {
        if self.st.borrow().generation != generation {
            return false;
        }
        let next = self.st.borrow().conn.after(&event, host::online);
        self.set_conn(next);
        match event {
            Event::Signal(sig) => {
                if sig.kind.is_some_and(SignalKind::is_stream) {
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
            Event::Connecting => {}
            Event::Connected => {
                let waiters = std::mem::take(&mut self.st.borrow_mut().open_waiters);
                for (resolve, _) in waiters {
                    call(&resolve, &JsValue::UNDEFINED);
                }
            }
            Event::Reconnecting { attempt, delay_ms, error } => {
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

    /// Ends the current run: the state, open waiters, iterators, stream waiters,
    /// then `error` (if any) and `close`.
    pub(super) fn stop(&self, error: Option<JsValue>) {
        let (open_waiters, iters, streams, was_running) = {
            let mut st = self.st.borrow_mut();
            st.generation = st.generation.wrapping_add(1);
            let was_running = st.abort.take().map(|a| a.stop()).is_some();
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
        if was_running {
            self.set_conn(if error.is_some() { ConnectionState::Failed } else { ConnectionState::Closed });
        }
        if let Some(e) = &error {
            self.emit("error", e);
        }
        if was_running {
            self.emit("close", &JsValue::UNDEFINED);
        }
    }

    /// Starts a run unless one is going; the promise settles when it is open
    /// or has failed.
    pub(super) fn connect(&self) -> Promise {
        if self.st.borrow().conn == ConnectionState::Connected {
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

    pub(super) fn start(&self) {
        let Some(core) = self.me.upgrade() else {
            return;
        };
        let stop = Rc::new(Stop::default());
        let generation = {
            let mut st = self.st.borrow_mut();
            st.generation = st.generation.wrapping_add(1);
            st.abort = Some(stop.clone());
            st.generation
        };
        self.set_conn(ConnectionState::Connecting);
        let target = self.target.clone();
        let opts = self.opts.clone();
        let progress = self.progress.clone();
        let run = async move {
            let mut codec = JsCodec { track: opts.reconnect || opts.since.is_some() };
            let mut emit = |e: Event<JsSignal>| core.on_event(generation, e);
            driver::run(crate::WebHost, target, opts, progress, &mut codec, &mut emit).await;
        };
        wasm_bindgen_futures::spawn_local(async move {
            // Whichever ends first; stopping drops the run, which closes its
            // connection and clears its timers.
            let stopped = std::future::poll_fn(|cx| stop.poll_stopped(cx));
            futures::future::select(Box::pin(run), Box::pin(stopped)).await;
        });
    }

    pub(super) fn add(&self, ty: &JsValue, f: &JsValue, mode: Mode) -> Result<(), JsValue> {
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
