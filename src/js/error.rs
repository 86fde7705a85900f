//! Errors as JS sees them: a real `Error` with `type`, `code`, `message`,
//! `id` (when the server gave one), `metadata` and `isApiError`.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorKind};
use crate::protocol::json;

/// Builds the JS `Error` for a crate error.
pub(crate) fn to_js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    let name = match e.kind {
        ErrorKind::Aborted => "AbortError".to_string(),
        kind => {
            let mut n = String::from(kind.name());
            n.push_str("Error");
            n
        }
    };
    err.set_name(&name);
    let set = |k: &str, v: &JsValue| {
        let _ = Reflect::set(&err, &JsValue::from_str(k), v);
    };
    set("type", &JsValue::from_str(e.kind.name()));
    set("code", &JsValue::from_f64(f64::from(e.code)));
    if let Some(id) = &e.id {
        set("id", &JsValue::from_str(id));
    }
    if let Some(meta) = &e.metadata {
        if let Ok(v) = json::value_to_js(&serde_json::Value::Object(meta.clone())) {
            set("metadata", &v);
        }
    }
    set("isApiError", &JsValue::from_bool(e.is_api_error()));
    err.into()
}

/// `isApiError(x)`: whether `x` is an error the server answered with.
#[wasm_bindgen(js_name = isApiError, skip_typescript)]
pub fn is_api_error(error: &JsValue) -> bool {
    error.is_object()
        && Reflect::get(error, &JsValue::from_str("isApiError")).map(|v| v == JsValue::TRUE).unwrap_or(false)
}
