//! Streamed bot replies: `message_stream_*` signals assembled per stream, and
//! `listener.streamedMessage(streamId, onDelta?)`.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::codec::JsSignal;
use super::core::{call, Core, StreamWaiter};
use super::SignalListener;
use super::{get, key, object};
use crate::error::Error;
use crate::js::error::to_js_error;
use crate::realtime::assembler::StreamOutcome;
use crate::signal::SignalKind;

pub(super) fn settle(id: &str, outcome: &StreamOutcome<JsValue>, waiters: Vec<StreamWaiter>) {
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

impl Core {
    pub(super) fn stream_signal(&self, sig: &JsSignal) {
        let id = get(&sig.data, "streamId").as_string().unwrap_or_default();
        match sig.kind {
            Some(SignalKind::MessageStreamDelta) => {
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
            Some(SignalKind::MessageStreamComplete) => {
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

    pub(super) fn take_stream_waiters(&self, id: &str) -> Vec<StreamWaiter> {
        let mut st = self.st.borrow_mut();
        let (taken, kept) = std::mem::take(&mut st.stream_waiters).into_iter().partition(|(s, _)| s == id);
        st.stream_waiters = kept;
        taken.into_iter().map(|(_, w)| w).collect::<Vec<_>>()
    }
}

#[wasm_bindgen]
impl SignalListener {
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
