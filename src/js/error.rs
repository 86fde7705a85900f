//! Errors as JS sees them: instances of the package's error classes
//! (`src/js/errors.js`, the classes and hierarchy of `@botpress/chat`).

use wasm_bindgen::prelude::*;

use crate::error::Error;
use crate::host;

#[wasm_bindgen(module = "/src/js/errors.js")]
extern "C" {
    /// Builds the instance of the class for `kind` (see `chatError` there).
    #[wasm_bindgen(js_name = chatError)]
    fn chat_error(kind: &str, status: u16, message: &str, id: Option<String>, metadata: JsValue) -> JsValue;
}

/// Builds the JS error for a crate error.
pub(crate) fn to_js_error(e: Error) -> JsValue {
    let metadata = match &e.metadata {
        Some(meta) => host::json::to_js(&serde_json::Value::Object(meta.clone())),
        None => JsValue::UNDEFINED,
    };
    chat_error(e.kind.name(), e.code, &e.message, e.id, metadata)
}
