//! `decodeSignal(body)`: a signal envelope (e.g. a webhook body) checked
//! against the known kinds' shapes by [`Signal::check_envelope`].

use wasm_bindgen::prelude::*;

use super::{get, key, object};
use crate::error::Error;
use crate::host::{json, json_parse_str};
use crate::js::error::to_js_error;
use crate::signal::Signal;

/// `decodeSignal(jsonTextOrObject)`: validates a signal envelope (e.g. a
/// webhook body) and returns it as `{type, data}`. Kinds this version does
/// not know come back as `{type: 'unknown', data: <the envelope>}`; a body
/// that is not an envelope, or a known kind whose data has the wrong shape,
/// throws a `DecodeError` naming the problem.
#[wasm_bindgen(js_name = decodeSignal, skip_typescript)]
pub fn decode_signal(input: JsValue) -> Result<JsValue, JsValue> {
    let fail = |m: String| to_js_error(Error::decode(format!("decodeSignal: {m}")));
    let (value, envelope) = if let Some(t) = input.as_string() {
        let value = json::parse_value(&t).map_err(|_| fail("the text is not JSON".into()))?;
        let envelope = json_parse_str(&t).map_err(|_| fail("the text is not JSON".into()))?;
        (value, envelope)
    } else if input.is_object() {
        match json::from_js(&input) {
            Ok(Some(value)) => (value, input),
            _ => return Err(fail("the object cannot be read as JSON".into())),
        }
    } else {
        return Err(fail("expects a JSON string or an object".into()));
    };
    let kind = Signal::check_envelope(&value).map_err(fail)?;
    Ok(match kind {
        Some(kind) => object(&[("type", &key(kind.name())), ("data", &get(&envelope, "data"))]),
        None => object(&[("type", &key("unknown")), ("data", &envelope)]),
    })
}
