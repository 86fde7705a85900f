//! The host the client runs on, in one place: the platform split and every
//! JavaScript global the crate calls.
//!
//! - [`json`], on both platforms: JSON text ⇄ [`serde_json::Value`] with the
//!   host's own `JSON.parse`/`JSON.stringify` and a walk over the JS value on
//!   wasm (which keeps serde_json's text parser and formatter out of the
//!   binary), with serde_json natively.
//! - On wasm: the bindings (`fetch`, `setTimeout`/`clearTimeout`, `JSON`,
//!   `console`, `crypto.subtle`), timers ([`sleep`], [`TimerGuard`]), the
//!   clock and randomness, and the text of a JS exception; and the three
//!   functions of `src/host.js`, where one JS call does what would otherwise
//!   take many crossings of the wasm↔JS boundary per request: the HTTP
//!   exchange ([`request`]), the types of an object's fields ([`FieldTypes`])
//!   and a request body's JSON text ([`body_text`]).
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
        let js = super::json_parse_str(text).map_err(|e| super::error_text(&e))?;
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
    use web_sys::AbortSignal;

    #[wasm_bindgen(module = "/src/host.js")]
    extern "C" {
        /// A request under way: a `Promise` of `[status, retryAfter, text]`
        /// that rejects with `[reason, text]` (see `src/host.js`).
        pub(crate) type Pending;
        /// One HTTP exchange with the global `fetch` (bound, never
        /// `window.fetch`: browsers, Node 18+, workers): its own
        /// `AbortController` for the timeout and the caller's signal, the body
        /// read whole within `max_bytes`.
        #[wasm_bindgen(js_name = request)]
        #[allow(clippy::too_many_arguments)]
        pub(crate) fn request(
            url: &str,
            method: &str,
            headers: &JsValue,
            key: Option<&str>,
            body: &JsValue,
            timeout_ms: u32,
            signal: Option<&AbortSignal>,
            max_bytes: f64,
        ) -> Pending;
        /// Aborts the request.
        #[wasm_bindgen(method)]
        pub(crate) fn cancel(this: &Pending);
        // `catch` on these two also keeps them behind the glue: imported by the
        // wasm directly, the bundler build would need src/host.js as a file of
        // its own next to the bundled glue (and would hold two copies of it).
        #[wasm_bindgen(catch, js_name = defineNames)]
        fn define_names(id: f64, names: &js_sys::Array) -> Result<(), JsValue>;
        #[wasm_bindgen(catch, js_name = fieldTypes)]
        fn field_types(v: &JsValue, id: f64) -> Result<f64, JsValue>;
        #[wasm_bindgen(catch, js_name = bodyText)]
        fn body_text_of(args: &JsValue, id: f64) -> Result<JsValue, JsValue>;
    }

    /// Some names of a static table (those `pick` gives), known to
    /// `src/host.js` by a number made of the table's address, its length and
    /// `selection` (which tells two selections from one table apart): a check
    /// passes one number, and the JS array of the names is made once.
    pub(crate) struct Names<T: 'static> {
        /// The table.
        pub table: &'static [T],
        /// Which selection of its names.
        pub selection: u8,
        /// The name of an entry, or `None` to leave it out.
        pub pick: fn(&T) -> Option<&'static str>,
    }

    impl<T> Names<T> {
        fn id(&self) -> f64 {
            ((self.table.as_ptr() as usize as f64) * 1024.0 + self.table.len() as f64) * 4.0 + f64::from(self.selection)
        }

        fn array(&self) -> js_sys::Array {
            self.table.iter().filter_map(self.pick).map(JsValue::from_str).collect()
        }

        fn define(&self) {
            let _ = define_names(self.id(), &self.array());
        }
    }

    /// The JSON text of the named fields of `args` that are set (neither
    /// `undefined` nor `null`).
    pub(crate) fn body_text<T>(args: &JsValue, names: &Names<T>) -> Result<JsValue, JsValue> {
        let text = body_text_of(args, names.id())?;
        if !text.is_undefined() {
            return Ok(text);
        }
        names.define();
        body_text_of(args, names.id())
    }

    /// What a JS value is, as `fieldTypes` in `src/host.js` codes it.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub(crate) enum JsType {
        /// `undefined` (or a field that is not there).
        Undefined,
        /// `null`.
        Null,
        /// A non-empty string.
        Str,
        /// `''`.
        EmptyStr,
        /// A number.
        Num,
        /// A boolean.
        Bool,
        /// An array.
        Array,
        /// Any other object.
        Object,
        /// A function, symbol or bigint.
        Other,
    }

    impl JsType {
        fn from_code(code: u64) -> JsType {
            match code {
                0 => JsType::Undefined,
                1 => JsType::Null,
                2 => JsType::Str,
                3 => JsType::EmptyStr,
                4 => JsType::Num,
                5 => JsType::Bool,
                6 => JsType::Array,
                7 => JsType::Object,
                _ => JsType::Other,
            }
        }

        /// The type of `v`, read with a few crossings (the fallback of
        /// [`FieldTypes::of`]).
        pub(crate) fn of(v: &JsValue) -> JsType {
            if v.is_undefined() {
                JsType::Undefined
            } else if v.is_null() {
                JsType::Null
            } else if let Some(s) = v.as_string() {
                if s.is_empty() {
                    JsType::EmptyStr
                } else {
                    JsType::Str
                }
            } else if v.as_f64().is_some() {
                JsType::Num
            } else if v.as_bool().is_some() {
                JsType::Bool
            } else if js_sys::Array::is_array(v) {
                JsType::Array
            } else if v.is_object() {
                JsType::Object
            } else {
                JsType::Other
            }
        }

        /// A string, empty or not.
        pub(crate) fn is_string(self) -> bool {
            matches!(self, JsType::Str | JsType::EmptyStr)
        }

        /// `undefined` or `null`.
        pub(crate) fn is_absent(self) -> bool {
            matches!(self, JsType::Undefined | JsType::Null)
        }
    }

    /// The types of an object's fields, read in one call: the checks of
    /// answers, arguments and signals cost one crossing per object instead of
    /// about three per field.
    pub(crate) enum FieldTypes {
        /// The value is not a plain object.
        NotObject,
        /// 4 bits per field, the first in the lowest bits.
        Packed(u64),
        /// More fields than one call can type, read one by one.
        Listed(Vec<JsType>),
    }

    /// Fields one call can type (4 bits each in a double's 53).
    const MAX_FIELDS: usize = 13;

    impl FieldTypes {
        /// The types of the fields `names` of `v`.
        pub(crate) fn of<T>(v: &JsValue, names: &Names<T>) -> FieldTypes {
            if names.table.len() > MAX_FIELDS {
                return FieldTypes::slow(v, &names.array());
            }
            let mut t = field_types(v, names.id());
            if t == Ok(-2.0) {
                names.define();
                t = field_types(v, names.id());
            }
            // A getter of `v` threw: read the fields one by one (each throw reads as `undefined`).
            let Ok(t) = t else { return FieldTypes::slow(v, &names.array()) };
            if t >= 0.0 {
                FieldTypes::Packed(t as u64)
            } else {
                FieldTypes::NotObject
            }
        }

        fn slow(v: &JsValue, names: &js_sys::Array) -> FieldTypes {
            if !v.is_object() || js_sys::Array::is_array(v) {
                return FieldTypes::NotObject;
            }
            FieldTypes::Listed(
                names.iter().map(|n| JsType::of(&js_sys::Reflect::get(v, &n).unwrap_or(JsValue::UNDEFINED))).collect(),
            )
        }

        /// Whether the value is a plain object (not `null`, not an array).
        pub(crate) fn is_object(&self) -> bool {
            !matches!(self, FieldTypes::NotObject)
        }

        /// The type of the `i`th named field (`Undefined` when the value is
        /// not an object).
        pub(crate) fn get(&self, i: usize) -> JsType {
            match self {
                FieldTypes::Packed(t) if i < MAX_FIELDS => JsType::from_code((t >> (4 * i)) & 15),
                FieldTypes::Listed(types) => types.get(i).copied().unwrap_or(JsType::Undefined),
                _ => JsType::Undefined,
            }
        }
    }

    #[wasm_bindgen]
    extern "C" {
        /// The global `fetch` (bound, never `window.fetch`): the SSE stream's request.
        #[wasm_bindgen(catch, js_name = fetch)]
        pub(crate) fn fetch(url: &str, init: &web_sys::RequestInit) -> Result<Promise, JsValue>;
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
