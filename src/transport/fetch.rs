//! HTTP over the host's global `fetch` (browsers, Node 18+, edge workers:
//! the global is bound, never `window`), with a per-request timeout, caller
//! cancellation through an `AbortSignal`, and a bounded response body.
//!
//! The bindings, the timer and the clock are the host module's
//! ([`crate::host`]).

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, ReadableStreamDefaultReader, RequestInit, Response};

use crate::error::Error;
use crate::host;
use crate::protocol::http;
use crate::transport::keys;

/// One HTTP request.
pub(crate) struct HttpRequest<'a> {
    pub op: &'a str,
    pub method: &'static str,
    pub url: &'a str,
    pub headers: &'a [(String, String)],
    pub user_key: Option<&'a str>,
    /// JSON text as a JS string.
    pub body: Option<JsValue>,
    pub timeout_ms: u32,
    pub signal: Option<&'a AbortSignal>,
    pub max_bytes: usize,
}

/// Status, `Retry-After` and body text (a JS string) of a response.
pub(crate) struct HttpResponse {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: JsValue,
}

/// Removes an `abort` listener from a caller's signal when dropped.
struct ListenerGuard<'a> {
    signal: &'a AbortSignal,
    callback: js_sys::Function,
}

impl Drop for ListenerGuard<'_> {
    fn drop(&mut self) {
        let _ = self.signal.remove_event_listener_with_callback("abort", &self.callback);
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
///
/// Per request this creates one `AbortController` (for the timeout, the
/// caller's signal and dropping the future) whose bound `abort` is both the
/// timer's handler and the caller-signal listener: no closure crosses into
/// wasm. Headers go as a plain object, and a body whose `Content-Length` is
/// within the limit is read in one `text()`; otherwise it is streamed and
/// counted.
pub(crate) async fn send(req: HttpRequest<'_>) -> Result<HttpResponse, Error> {
    let op = req.op;
    let aborted = || Error::aborted(format!("{op}: the request was aborted"));
    if req.signal.is_some_and(|s| s.aborted()) {
        return Err(aborted());
    }

    let headers = js_sys::Object::new();
    for (k, v) in req.headers {
        if !(http::header_name_ok(k) && http::header_value_ok(v)) {
            return Err(Error::config(format!("header \"{k}\": not a valid header name or value")));
        }
        let _ = Reflect::set(&headers, &k.into(), &v.into());
    }
    if let Some(key) = req.user_key {
        if !http::header_value_ok(key) {
            return Err(Error::config(format!("{op}: x-user-key is not a valid header value")));
        }
        keys::set(&headers, "x-user-key", &key.into());
    }
    let init = RequestInit::new();
    init.set_method(req.method);
    if let Some(body) = &req.body {
        keys::set(&headers, "content-type", &keys::key("application/json"));
        init.set_body(body);
    }
    init.set_headers(&headers);

    let controller = AbortController::new().map_err(|e| Error::network(js_error_text(&e)))?;
    let mut abort_guard = AbortOnDrop { controller: controller.clone(), done: false };
    let own_signal = controller.signal();
    init.set_signal(Some(&own_signal));
    let abort = keys::get(&controller, "abort")
        .dyn_into::<js_sys::Function>()
        .map_err(|_| Error::network("AbortController.abort is missing"))?
        .bind0(&controller);
    let _timer = host::TimerGuard::new(&abort, req.timeout_ms);
    let _listener = match req.signal {
        Some(sig) => {
            sig.add_event_listener_with_callback("abort", &abort)
                .map_err(|e| Error::config(format!("{op}: signal: {}", js_error_text(&e))))?;
            Some(ListenerGuard { signal: sig, callback: abort.clone() })
        }
        None => None,
    };

    let failed = |e: JsValue| -> Error {
        if req.signal.is_some_and(|s| s.aborted()) {
            aborted()
        } else if own_signal.aborted() {
            // Only the timer aborts our controller while the future is alive.
            Error::timeout(format!("{op}: no response within {} ms", req.timeout_ms))
        } else {
            Error::network(format!("{op}: {}", js_error_text(&e)))
        }
    };

    let promise = host::fetch(req.url, &init).map_err(&failed)?;
    let response: Response = JsFuture::from(promise).await.map_err(&failed)?.unchecked_into();
    let status = response.status();
    let response_headers = response.headers();
    // Only the retry policy reads it, and only for 429 and 5xx.
    let retry_after =
        if status == 429 || status >= 500 { response_headers.get("retry-after").ok().flatten() } else { None };
    let declared = response_headers.get("content-length").ok().flatten().and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|len| len > req.max_bytes) {
        return Err(http::too_large(op, req.max_bytes));
    }

    let body = if declared.is_some() {
        // Declared within the limit: one read. A compressed body can decode
        // to more than it declared, so the text is measured too.
        // (Counted in UTF-16 units, which never exceed the UTF-8 bytes.)
        let text = response.text().map_err(&failed)?;
        let text: js_sys::JsString = JsFuture::from(text).await.map_err(&failed)?.unchecked_into();
        http::check_size(op, text.length() as usize, req.max_bytes)?;
        text.into()
    } else {
        JsValue::from_str(&read_counted(&response, req.max_bytes, op, &failed).await?)
    };
    abort_guard.done = true;
    Ok(HttpResponse { status, retry_after, body })
}

/// Reads a body of unknown length chunk by chunk, failing as soon as it
/// passes `max_bytes`.
async fn read_counted(
    response: &Response,
    max_bytes: usize,
    op: &str,
    failed: &dyn Fn(JsValue) -> Error,
) -> Result<String, Error> {
    let mut bytes: Vec<u8> = Vec::new();
    if let Some(stream) = response.body() {
        let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        loop {
            let chunk = JsFuture::from(reader.read()).await.map_err(failed)?;
            let done = Reflect::get(&chunk, &"done".into()).map(|d| d.is_truthy()).unwrap_or(true);
            if done {
                break;
            }
            if let Ok(value) = Reflect::get(&chunk, &"value".into()) {
                if let Some(arr) = value.dyn_ref::<Uint8Array>() {
                    let start = bytes.len();
                    let len = arr.length() as usize;
                    if start + len > max_bytes {
                        let _ = reader.cancel();
                        return Err(http::too_large(op, max_bytes));
                    }
                    bytes.resize(start + len, 0);
                    arr.copy_to(&mut bytes[start..]);
                }
            }
        }
    }
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}
