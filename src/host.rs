//! The host the package runs on, in one place: every JavaScript global the
//! package calls, and [`WebHost`], the core's
//! [`Host`](botpress_chat::host::Host) over them.
//!
//! - [`json`]: JSON text ⇄ [`serde_json::Value`] (answers, request bodies,
//!   the facade's arguments, error metadata): read with the core's reader,
//!   written with `JSON.stringify`;
//! - the bindings (`setTimeout`/`clearTimeout`, `JSON`, `parseFloat`,
//!   `console`, `Date`), timers ([`sleep`], [`TimerGuard`]), the clock
//!   and randomness, and the text of a JS exception;
//! - the functions of `src/host.js`: the HTTP exchange ([`request`]: one call
//!   of JS per request instead of dozens of crossings), the `'sse'`
//!   transport's streamed request ([`open_stream`]), HMAC with WebCrypto
//!   ([`hmac`]) and a value's JSON text ([`json_text`]).
//!
//! The transport, the listening loop and the facade reach JS only through
//! this module.

/// JSON text ⇄ [`serde_json::Value`]: read with the core's small reader
/// ([`lean_json`](botpress_chat::protocol::lean_json): no serde_json parser
/// in the package, and no boundary crossing per value; floats through JS
/// `parseFloat`), written with `JSON.stringify`.
pub mod json {
    use botpress_chat::protocol::lean_json;
    use serde_json::Value;

    fn read_float(text: &str) -> Option<f64> {
        let n = js_sys::parse_float(text);
        n.is_finite().then_some(n)
    }

    /// Parses JSON text (nested at most 128 levels); the error is the
    /// reader's message.
    pub fn parse_value(text: &str) -> Result<Value, String> {
        lean_json::parse(text, &read_float)
    }

    /// The JS value of JSON text (`JSON.parse`).
    pub fn to_js_parsed(text: &str) -> Result<wasm_bindgen::JsValue, String> {
        super::json_parse_str(text).map_err(|e| super::error_text(&e))
    }

    /// Writes a value as compact JSON text, with `JSON.stringify` (request
    /// bodies are small: a writer in wasm would cost more download than the
    /// crossings it saves).
    pub fn write_value(value: &Value) -> String {
        js_sys::JSON::stringify(&to_js(value)).map(String::from).unwrap_or_default()
    }

    /// A JS value as a [`Value`], through its JSON text
    /// ([`json_text`](super::json_text)): `Ok(None)` for `undefined` or
    /// `null`; the error says why JSON cannot carry it.
    pub fn from_js(v: &wasm_bindgen::JsValue) -> Result<Option<Value>, String> {
        match super::json_text(v) {
            Ok(None) => Ok(None),
            Ok(Some(text)) => parse_value(&text).map(Some),
            Err(e) => Err(super::error_text(&e)),
        }
    }

    /// A [`Value`] as a plain JS value.
    pub fn to_js(value: &Value) -> wasm_bindgen::JsValue {
        use wasm_bindgen::JsValue;
        match value {
            Value::Null => JsValue::NULL,
            Value::Bool(b) => JsValue::from_bool(*b),
            Value::Number(n) => JsValue::from_f64(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => JsValue::from_str(s),
            Value::Array(items) => items.iter().map(to_js).collect::<js_sys::Array>().into(),
            Value::Object(map) => {
                let obj = js_sys::Object::new();
                for (k, v) in map {
                    let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(k), &to_js(v));
                }
                obj.into()
            }
        }
    }
}

pub(crate) use wasm::*;

mod wasm {
    use js_sys::{Function, Promise};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::AbortSignal;

    #[wasm_bindgen(module = "/src/host.js")]
    extern "C" {
        /// A request under way: a `Promise` of `[status, retryAfter, text]`
        /// that rejects with `[reason, text]` (see `src/host.js`).
        pub(crate) type Pending;
        /// One HTTP exchange with the global `fetch` (bound, never
        /// `window.fetch`: browsers, Node 18+, workers): its own
        /// `AbortController` for `cancel`, the timeout and the caller's
        /// signal, the body read whole within `max_bytes`.
        #[wasm_bindgen(js_name = request)]
        pub(crate) fn request(
            url: &str,
            method: &str,
            headers: &JsValue,
            key: Option<&str>,
            body: Option<&str>,
            signal: Option<&AbortSignal>,
            timeout_ms: u32,
            max_bytes: f64,
        ) -> Pending;
        /// Aborts the request.
        #[wasm_bindgen(method)]
        pub(crate) fn cancel(this: &Pending);
        /// A streamed GET with the user key (the `'sse'` transport): a
        /// `Promise` of `[status, reader]` for a 2xx answer with a body, or
        /// `[status, text]` (cut to `max_chars`); rejects with the text of a
        /// network failure. `cancel` aborts it, also while the body is read.
        #[wasm_bindgen(js_name = openStream)]
        pub(crate) fn open_stream(url: &str, key: &str, max_chars: u32) -> Pending;
        /// HMAC-SHA256 with WebCrypto: a `Promise` of the signature's bytes.
        #[wasm_bindgen(catch, js_name = hmacSha256)]
        pub(crate) fn hmac(key: &[u8], data: &[u8]) -> Result<Promise, JsValue>;
        /// `navigator.onLine`, `true` where there is none.
        pub(crate) fn online() -> bool;
        /// A `Promise` resolved at the next `online` event (never where
        /// there is none).
        #[wasm_bindgen(js_name = untilOnline)]
        pub(crate) fn until_online() -> Promise;
        /// A value's JSON text (`None` for `undefined` or `null`); throws
        /// for a value JSON cannot carry.
        #[wasm_bindgen(catch, js_name = jsonText)]
        pub(crate) fn json_text(value: &JsValue) -> Result<Option<String>, JsValue>;
    }

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_name = setTimeout)]
        fn set_timeout(handler: &Function, ms: i32) -> JsValue;
        #[wasm_bindgen(js_name = clearTimeout)]
        fn clear_timeout(id: &JsValue);
        /// `JSON.parse` of a JS string, without copying it through wasm memory.
        #[wasm_bindgen(catch, js_namespace = JSON, js_name = parse)]
        pub(crate) fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
        /// `JSON.parse` of a Rust string.
        #[wasm_bindgen(catch, js_namespace = JSON, js_name = parse)]
        pub(crate) fn json_parse_str(text: &str) -> Result<JsValue, JsValue>;
        /// `console.error` (a listener callback that threw).
        #[wasm_bindgen(js_namespace = console, js_name = error)]
        pub(crate) fn console_error(msg: &str, e: &JsValue);
        /// `console.info` (the `debug` option's request lines).
        #[wasm_bindgen(js_namespace = console, js_name = info)]
        pub(crate) fn console_info(prefix: &str, op: &str, method: &str, url: &str, outcome: &JsValue);
    }

    /// A pending `setTimeout`, cleared when dropped.
    pub(crate) struct TimerGuard(JsValue);

    impl TimerGuard {
        /// Calls `handler` after `ms` milliseconds unless dropped first.
        pub(crate) fn new(handler: &Function, ms: u32) -> Self {
            TimerGuard(set_timeout(handler, ms.min(i32::MAX as u32) as i32))
        }
    }

    impl Drop for TimerGuard {
        fn drop(&mut self) {
            clear_timeout(&self.0);
        }
    }

    /// Waits `ms` milliseconds. Dropping the future clears the timer, so an
    /// abandoned wait keeps neither a browser tab nor a Node process busy.
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

    /// A random number in [0, 1).
    pub(crate) fn random() -> f64 {
        js_sys::Math::random()
    }

    /// The text of a JS exception: a thrown string, or the `message` of an
    /// `Error`, a `DOMException` or any object that has one.
    pub(crate) fn error_text(e: &JsValue) -> String {
        if let Some(s) = e.as_string() {
            return s;
        }
        js_sys::Reflect::get(e, &JsValue::from_str("message"))
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| "unknown error".into())
    }
}

/// The core's host over the JS globals: `fetch` through `request` of
/// `src/host.js`, `setTimeout`, `Date.now`, `Math.random`, `console.info`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebHost;

/// Aborts the request if its future is dropped before the answer (a
/// timeout, or a caller that gave up).
pub(crate) struct CancelOnDrop {
    pending: Pending,
    done: bool,
}

impl CancelOnDrop {
    pub(crate) fn new(pending: Pending) -> Self {
        CancelOnDrop { pending, done: false }
    }

    /// The request, no longer aborted by this guard (its new owner does).
    pub(crate) fn keep(mut self) -> Pending {
        self.done = true;
        wasm_bindgen::JsCast::unchecked_into(wasm_bindgen::JsValue::clone(&self.pending))
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.done {
            self.pending.cancel();
        }
    }
}

impl botpress_chat::host::Host for WebHost {
    type Signal = web_sys::AbortSignal;

    fn send(
        &self,
        req: botpress_chat::host::HttpRequest<'_, web_sys::AbortSignal>,
    ) -> futures::future::LocalBoxFuture<'static, Result<botpress_chat::host::HttpResponse, botpress_chat::host::Failure>>
    {
        use botpress_chat::host::{Failure, HttpResponse};
        use wasm_bindgen::JsCast;

        let headers = if req.headers.is_empty() {
            wasm_bindgen::JsValue::UNDEFINED
        } else {
            let obj = js_sys::Object::new();
            for (k, v) in req.headers {
                let _ = js_sys::Reflect::set(&obj, &k.as_str().into(), &v.as_str().into());
            }
            obj.into()
        };
        let timeout_ms = req.timeout_ms.min(i32::MAX as u32);
        let pending = request(
            req.url,
            req.method,
            &headers,
            req.user_key,
            req.body,
            req.signal,
            timeout_ms,
            req.max_bytes as f64,
        );
        let promise: js_sys::Promise = pending.clone().unchecked_into();
        let guard = CancelOnDrop::new(pending);
        Box::pin(async move {
            let mut guard = guard;
            let outcome = wasm_bindgen_futures::JsFuture::from(promise).await;
            guard.done = true;
            match outcome {
                Ok(answer) => {
                    let answer: js_sys::Array = answer.unchecked_into();
                    let status = answer.get(0).as_f64().unwrap_or(0.0) as u16;
                    let body = answer.get(2).as_string().unwrap_or_default();
                    Ok(HttpResponse { status, retry_after: answer.get(1).as_string(), body })
                }
                Err(e) => {
                    let (reason, text) = match e.dyn_ref::<js_sys::Array>() {
                        Some(a) => (a.get(0).as_string().unwrap_or_default(), a.get(1).as_string().unwrap_or_default()),
                        None => (String::new(), error_text(&e)),
                    };
                    Err(match reason.as_str() {
                        "aborted" => Failure::Aborted,
                        "timeout" => Failure::Timeout,
                        "large" => Failure::TooLarge,
                        _ => Failure::Network(text),
                    })
                }
            }
        })
    }

    fn is_aborted(&self, signal: &web_sys::AbortSignal) -> bool {
        signal.aborted()
    }

    fn sleep(&self, ms: u32) -> futures::future::LocalBoxFuture<'static, ()> {
        Box::pin(sleep(ms))
    }

    fn now_ms(&self) -> f64 {
        now_ms()
    }

    fn online(&self) -> bool {
        online()
    }

    fn parse_time(&self, text: &str) -> Option<f64> {
        let ms = js_sys::Date::parse(text);
        (!ms.is_nan()).then_some(ms)
    }

    fn until_online(&self) -> futures::future::LocalBoxFuture<'static, ()> {
        let promise = until_online();
        Box::pin(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        })
    }

    fn random(&self) -> f64 {
        random()
    }

    fn log_request(&self, op: &str, method: &str, url: &str, outcome: Result<u16, &str>) {
        let outcome = match outcome {
            Ok(status) => wasm_bindgen::JsValue::from(status),
            Err(message) => wasm_bindgen::JsValue::from_str(message),
        };
        console_info("[chat]", op, method, url, &outcome);
    }

    fn parse_json(&self, text: &str) -> Result<serde_json::Value, String> {
        json::parse_value(text)
    }

    fn write_json(&self, value: &serde_json::Value) -> String {
        json::write_value(value)
    }

    /// With WebCrypto (`crypto.subtle`: browsers' secure contexts, Node 19+,
    /// Deno, edge workers), so no SHA-256 or HMAC is compiled into the package.
    fn hmac_sha256(
        &self,
        key: &[u8],
        data: &[u8],
    ) -> futures::future::LocalBoxFuture<'static, Result<Vec<u8>, crate::error::Error>> {
        fn failed(e: &wasm_bindgen::JsValue) -> crate::error::Error {
            let mut m = String::from("cannot sign the user key with WebCrypto (crypto.subtle): ");
            m.push_str(&error_text(e));
            crate::error::Error::config(m)
        }
        let signing = hmac(key, data);
        Box::pin(async move {
            let sig =
                wasm_bindgen_futures::JsFuture::from(signing.map_err(|e| failed(&e))?).await.map_err(|e| failed(&e))?;
            Ok(js_sys::Uint8Array::new(&sig).to_vec())
        })
    }
}
