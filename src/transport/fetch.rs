//! HTTP over the host's global `fetch` (browsers, Node 18+, edge workers:
//! the global is bound, never `window`), with a per-request timeout, caller
//! cancellation through an `AbortSignal`, and a bounded response body.
//!
//! The exchange itself is one call of `request` in `src/host.js` (through
//! [`crate::host::request`]): headers, the `AbortController` shared by the
//! timer and the caller's signal, `fetch` and the body read happen on the JS
//! side, so a request costs a handful of wasm↔JS crossings instead of dozens.
//! What is decided here: the headers' validity, and which [`Error`] each
//! outcome is.

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use crate::error::Error;
use crate::host;
use crate::protocol::http;

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

/// Headers as a plain JS object (what `fetch` takes, with no `Headers`
/// binding in the glue), each checked as `fetch` would check it.
pub(crate) fn headers_object<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<js_sys::Object, Error> {
    let obj = js_sys::Object::new();
    for (k, v) in headers {
        if !(http::header_name_ok(k) && http::header_value_ok(v)) {
            return Err(Error::config(format!("header \"{k}\": not a valid header name or value")));
        }
        let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    Ok(obj)
}

/// Aborts the request if the future is dropped before it completes.
struct CancelOnDrop<'a> {
    pending: &'a host::Pending,
    done: bool,
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.pending.cancel();
        }
    }
}

/// Sends a request and reads the whole response body (up to `max_bytes`).
pub(crate) async fn send(req: HttpRequest<'_>) -> Result<HttpResponse, Error> {
    let op = req.op;
    let headers = if req.headers.is_empty() {
        JsValue::UNDEFINED
    } else {
        headers_object(req.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())))?.into()
    };
    if req.user_key.is_some_and(|key| !http::header_value_ok(key)) {
        return Err(Error::config(format!("{op}: x-user-key is not a valid header value")));
    }
    let pending = host::request(
        req.url,
        req.method,
        &headers,
        req.user_key,
        req.body.as_ref().unwrap_or(&JsValue::UNDEFINED),
        req.timeout_ms.min(i32::MAX as u32),
        req.signal,
        req.max_bytes as f64,
    );
    let mut guard = CancelOnDrop { pending: &pending, done: false };
    let outcome = JsFuture::from(pending.clone().unchecked_into::<js_sys::Promise>()).await;
    guard.done = true;
    match outcome {
        Ok(answer) => {
            let answer: Array = answer.unchecked_into();
            let status = answer.get(0).as_f64().unwrap_or(0.0) as u16;
            // Only the retry policy reads it, and only for 429 and 5xx.
            let retry_after = if status == 429 || status >= 500 { answer.get(1).as_string() } else { None };
            Ok(HttpResponse { status, retry_after, body: answer.get(2) })
        }
        Err(e) => Err(failure(op, &e, req.timeout_ms, req.max_bytes)),
    }
}

/// The error of a request that `request` (src/host.js) rejected with
/// `[reason, text]`.
pub(crate) fn failure(op: &str, rejection: &JsValue, timeout_ms: u32, max_bytes: usize) -> Error {
    let (reason, text) = match rejection.dyn_ref::<Array>() {
        Some(a) => (a.get(0).as_string().unwrap_or_default(), a.get(1).as_string().unwrap_or_default()),
        None => (String::new(), host::error_text(rejection)),
    };
    match reason.as_str() {
        "aborted" => Error::aborted(format!("{op}: the request was aborted")),
        "timeout" => Error::timeout(format!("{op}: no response within {timeout_ms} ms")),
        "large" => http::too_large(op, max_bytes),
        _ => Error::network(format!("{op}: {text}")),
    }
}
