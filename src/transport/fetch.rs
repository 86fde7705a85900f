//! HTTP over the host's global `fetch` (browsers, Node 18+, edge workers:
//! the global is bound, never `window`), with a per-request timeout, caller
//! cancellation through an `AbortSignal`, and a bounded response body.
//!
//! Timers use the global `setTimeout`/`clearTimeout`: [`sleep`] is a future
//! that clears its timer when dropped, so an abandoned wait keeps neither a
//! browser tab nor a Node process busy.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Headers, ReadableStreamDefaultReader, RequestInit, Response};

use crate::error::Error;
use crate::protocol::http;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// A pending `setTimeout`, cleared when dropped.
pub(crate) struct TimerGuard(JsValue);

impl TimerGuard {
    pub(crate) fn new(handler: &js_sys::Function, ms: u32) -> Self {
        TimerGuard(set_timeout(handler, ms.min(i32::MAX as u32) as i32))
    }
}

impl Drop for TimerGuard {
    fn drop(&mut self) {
        clear_timeout(&self.0);
    }
}

/// Waits `ms` milliseconds. Dropping the future clears the timer.
pub(crate) async fn sleep(ms: u32) {
    let mut guard = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        guard = Some(TimerGuard::new(&resolve, ms));
    });
    let _guard = guard;
    let _ = JsFuture::from(promise).await;
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// One HTTP request.
pub(crate) struct HttpRequest<'a> {
    pub op: &'a str,
    pub method: &'static str,
    pub url: &'a str,
    pub headers: &'a [(String, String)],
    pub user_key: Option<&'a str>,
    pub body: Option<String>,
    pub timeout_ms: u32,
    pub signal: Option<&'a AbortSignal>,
    pub max_bytes: usize,
}

/// Status, `Retry-After` and body text of a response.
pub(crate) struct HttpResponse {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: String,
}

/// Removes an `abort` listener from a caller's signal when dropped.
struct ListenerGuard<'a> {
    signal: &'a AbortSignal,
    callback: Closure<dyn FnMut()>,
}

impl Drop for ListenerGuard<'_> {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.callback.as_ref().unchecked_ref());
    }
}

/// Aborts the request if the future is dropped before it completes.
struct AbortOnDrop {
    controller: AbortController,
    done: bool,
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if !self.done {
            self.controller.abort();
        }
    }
}

fn js_error_text(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        let mut text = String::from(err.message());
        // Node's fetch reports the reason in `cause` ("fetch failed" alone says little).
        if let Ok(cause) = Reflect::get(err, &"cause".into()) {
            if let Some(c) = cause.dyn_ref::<js_sys::Error>() {
                text.push_str(": ");
                text.push_str(&String::from(c.message()));
            } else if let Some(s) = cause.as_string() {
                text.push_str(": ");
                text.push_str(&s);
            }
        }
        return text;
    }
    e.as_string().unwrap_or_else(|| "unknown error".into())
}

/// Sends a request and reads the whole response body (up to `max_bytes`).
pub(crate) async fn send(req: HttpRequest<'_>) -> Result<HttpResponse, Error> {
    let op = req.op;
    if let Some(sig) = req.signal {
        if sig.aborted() {
            return Err(Error::aborted(format!("{op}: the request was aborted")));
        }
    }
    let controller = AbortController::new().map_err(|e| Error::network(js_error_text(&e)))?;
    let mut abort_guard = AbortOnDrop { controller: controller.clone(), done: false };
    let timed_out = Rc::new(Cell::new(false));

    let on_timeout = {
        let (flag, ctrl) = (timed_out.clone(), controller.clone());
        Closure::<dyn FnMut()>::new(move || {
            flag.set(true);
            ctrl.abort();
        })
    };
    let _timer = TimerGuard::new(on_timeout.as_ref().unchecked_ref(), req.timeout_ms);

    let _listener = match req.signal {
        Some(sig) => {
            let ctrl = controller.clone();
            let callback = Closure::<dyn FnMut()>::new(move || ctrl.abort());
            sig.add_event_listener_with_callback("abort", callback.as_ref().unchecked_ref())
                .map_err(|e| Error::config(format!("{op}: signal: {}", js_error_text(&e))))?;
            Some(ListenerGuard { signal: sig, callback })
        }
        None => None,
    };

    let failed = |e: JsValue| -> Error {
        if timed_out.get() {
            Error::timeout(format!("{op}: no response within {} ms", req.timeout_ms))
        } else if req.signal.is_some_and(|s| s.aborted()) {
            Error::aborted(format!("{op}: the request was aborted"))
        } else {
            Error::network(format!("{op}: {}", js_error_text(&e)))
        }
    };

    let headers = Headers::new().map_err(|e| Error::network(js_error_text(&e)))?;
    for (k, v) in req.headers {
        headers
            .set(k, v)
            .map_err(|e| {
                let mut m = String::from("header \"");
                m.push_str(k);
                m.push_str("\": ");
                m.push_str(&js_error_text(&e));
                Error::config(m)
            })?;
    }
    if let Some(key) = req.user_key {
        headers
            .set("x-user-key", key)
            .map_err(|_| Error::config(format!("{op}: x-user-key is not a valid header value")))?;
    }
    let init = RequestInit::new();
    init.set_method(req.method);
    if let Some(body) = &req.body {
        let _ = headers.set("content-type", "application/json");
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    init.set_signal(Some(&controller.signal()));

    let promise = global_fetch(req.url, &init).map_err(&failed)?;
    let response: Response = JsFuture::from(promise).await.map_err(&failed)?.unchecked_into();
    let status = response.status();
    let response_headers = response.headers();
    let retry_after = response_headers.get("retry-after").ok().flatten();
    if let Some(len) = response_headers
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        if len > req.max_bytes {
            return Err(http::too_large(op, req.max_bytes));
        }
    }

    let mut bytes: Vec<u8> = Vec::new();
    if let Some(stream) = response.body() {
        let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        loop {
            let chunk = JsFuture::from(reader.read()).await.map_err(&failed)?;
            let done = Reflect::get(&chunk, &"done".into()).map(|d| d.is_truthy()).unwrap_or(true);
            if done {
                break;
            }
            if let Ok(value) = Reflect::get(&chunk, &"value".into()) {
                if let Some(arr) = value.dyn_ref::<Uint8Array>() {
                    let start = bytes.len();
                    let len = arr.length() as usize;
                    if start + len > req.max_bytes {
                        let _ = reader.cancel();
                        return Err(http::too_large(op, req.max_bytes));
                    }
                    bytes.resize(start + len, 0);
                    arr.copy_to(&mut bytes[start..]);
                }
            }
        }
    }
    abort_guard.done = true;
    let body = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    Ok(HttpResponse { status, retry_after, body })
}
