//! `decodeSignal(body)`: a signal envelope (e.g. a webhook body) checked
//! against the known kinds' shapes.

use wasm_bindgen::prelude::*;

use super::{get, key, object};
use crate::error::Error;
use crate::host::json_parse_str;
use crate::js::check::check_record;
use crate::js::error::to_js_error;
use crate::js::fields;
use crate::signal::SignalKind;

/// `decodeSignal(jsonTextOrObject)`: validates a signal envelope (e.g. a
/// webhook body) and returns it as `{type, data}`. Kinds this version does
/// not know come back as `{type: 'unknown', data: <the envelope>}`; a body
/// that is not an envelope, or a known kind whose data has the wrong shape,
/// throws a `DecodeError` naming the problem.
#[wasm_bindgen(js_name = decodeSignal, skip_typescript)]
pub fn decode_signal(input: JsValue) -> Result<JsValue, JsValue> {
    let fail = |m: String| to_js_error(Error::decode(format!("decodeSignal: {m}")));
    let envelope = if let Some(t) = input.as_string() {
        json_parse_str(&t).map_err(|_| fail("the text is not JSON".into()))?
    } else if input.is_object() {
        input
    } else {
        return Err(fail("expects a JSON string or an object".into()));
    };
    let ty = if envelope.is_object() { get(&envelope, "type").as_string() } else { None };
    let Some(ty) = ty else {
        return Err(fail("not a signal envelope (missing string `type`)".into()));
    };
    let data = get(&envelope, "data");
    if data.is_undefined() {
        return Err(fail(format!("signal `{ty}` has no `data`")));
    }
    let Some(kind) = SignalKind::from_name(&ty) else {
        return Ok(object(&[("type", &key("unknown")), ("data", &envelope)]));
    };
    check_record(&data, fields::SIGNALS[kind as usize], "data")
        .map_err(|m| fail(format!("invalid `{ty}` signal: {m}")))?;
    Ok(object(&[("type", &key(&ty)), ("data", &data)]))
}
