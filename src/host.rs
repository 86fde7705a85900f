//! The host the client runs on, in one place: the platform split and every
//! JavaScript global the crate calls.
//!
//! - [`json`], on both platforms: JSON text ⇄ [`serde_json::Value`] with the
//!   host's own `JSON.parse`/`JSON.stringify` and a walk over the JS value on
//!   wasm (which keeps serde_json's text parser and formatter out of the
//!   binary), with serde_json natively.
//! - On wasm: the bindings (`fetch`, `setTimeout`/`clearTimeout`, `JSON`,
//!   `console`, `crypto.subtle`), timers ([`sleep`], [`TimerGuard`]), the
//!   clock and randomness, and the text of a JS exception.
//!
//! The transport, the realtime loop, the Rust client and the JS facade reach
//! the host only through this module; the pure layers (`model`, `api`,
//! `signal`, `error`, `protocol`, the pure parts of `realtime`) only through
//! [`json`], which behaves the same on both platforms.

/// JSON text ⇄ [`serde_json::Value`], and (wasm) plain JS values ⇄ `Value`.
pub mod json {
    use serde::Serialize;
    use serde_json::Value;

    use crate::error::Error;

    /// Parses JSON text; the error is the parser's own message.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn parse_value(text: &str) -> Result<Value, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// Writes a value as compact JSON text.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
        serde_json::to_string(value).map_err(|e| Error::decode(format!("cannot encode JSON: {e}")))
    }

    /// Parses JSON text with the host's `JSON.parse`; the error is its message.
    #[cfg(target_arch = "wasm32")]
    pub fn parse_value(text: &str) -> Result<Value, String> {
        let js = js_sys::JSON::parse(text).map_err(|e| super::error_text(&e))?;
        Ok(js_to_value(&js))
    }

    /// Writes a value as compact JSON text with the host's `JSON.stringify`.
    #[cfg(target_arch = "wasm32")]
    pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
        let js = to_js(value)?;
        let s = js_sys::JSON::stringify(&js)
            .map_err(|e| Error::decode(format!("cannot encode JSON: {}", super::error_text(&e))))?;
        Ok(String::from(s))
    }

    /// Converts any serialisable value to a plain JS value (objects, not
    /// `Map`s; `null` kept as `null`; absent optional fields omitted).
    #[cfg(target_arch = "wasm32")]
    pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<wasm_bindgen::JsValue, Error> {
        let value = serde_json::to_value(value).map_err(|e| Error::decode(format!("cannot encode: {e}")))?;
        Ok(value_to_js(&value))
    }

    /// Converts a [`Value`] to a plain JS value.
    #[cfg(target_arch = "wasm32")]
    pub fn value_to_js(value: &Value) -> wasm_bindgen::JsValue {
        use wasm_bindgen::JsValue;
        match value {
            Value::Null => JsValue::NULL,
            Value::Bool(b) => JsValue::from_bool(*b),
            Value::Number(n) => JsValue::from_f64(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => JsValue::from_str(s),
            Value::Array(items) => items.iter().map(value_to_js).collect::<js_sys::Array>().into(),
            Value::Object(map) => {
                let obj = js_sys::Object::new();
                for (k, v) in map {
                    let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(k), &value_to_js(v));
                }
                obj.into()
            }
        }
    }

    /// Reads a plain JS value (JSON-like: no functions, no cycles) into a
    /// [`Value`]; `undefined` reads as `null`, integral numbers as integers.
    #[cfg(target_arch = "wasm32")]
    pub fn js_to_value(v: &wasm_bindgen::JsValue) -> Value {
        if let Some(s) = v.as_string() {
            return Value::String(s);
        }
        if let Some(b) = v.as_bool() {
            return Value::Bool(b);
        }
        if let Some(n) = v.as_f64() {
            if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
                return Value::from(n as i64);
            }
            return serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number);
        }
        if js_sys::Array::is_array(v) {
            let arr: &js_sys::Array = wasm_bindgen::JsCast::unchecked_ref(v);
            return Value::Array(arr.iter().map(|x| js_to_value(&x)).collect());
        }
        if v.is_object() {
            let mut map = serde_json::Map::new();
            let obj: &js_sys::Object = wasm_bindgen::JsCast::unchecked_ref(v);
            for k in js_sys::Object::keys(obj).iter() {
                let item = js_sys::Reflect::get(v, &k).unwrap_or(wasm_bindgen::JsValue::UNDEFINED);
                map.insert(k.as_string().unwrap_or_default(), js_to_value(&item));
            }
            return Value::Object(map);
        }
        Value::Null
    }
}

#[cfg(target_arch = "wasm32")]
pub(crate) use wasm::*;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use js_sys::{Function, Promise, Uint8Array};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::RequestInit;

    #[wasm_bindgen]
    extern "C" {
        /// The global `fetch` (bound, never `window.fetch`: browsers, Node 18+, workers).
        #[wasm_bindgen(catch, js_name = fetch)]
        pub(crate) fn fetch(url: &str, init: &RequestInit) -> Result<Promise, JsValue>;
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
        /// `crypto.subtle.importKey` (WebCrypto: browsers' secure contexts, Node 19+, workers).
        #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = importKey)]
        pub(crate) fn import_key(
            format: &str,
            key: &Uint8Array,
            algorithm: &JsValue,
            extractable: bool,
            usages: &JsValue,
        ) -> Result<Promise, JsValue>;
        /// `crypto.subtle.sign`.
        #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = sign)]
        pub(crate) fn subtle_sign(algorithm: &str, key: &JsValue, data: &Uint8Array) -> Result<Promise, JsValue>;
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
