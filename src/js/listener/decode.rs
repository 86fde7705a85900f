//! `decodeSignal(body)`: a signal envelope (e.g. a webhook body) checked
//! against the known kinds' shapes.

use wasm_bindgen::prelude::*;

use super::{get, key, object};
use crate::error::Error;
use crate::host::json_parse_str;
use crate::js::error::to_js_error;

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
    let Some(fields) = SHAPES.iter().find(|(k, _)| *k == ty).map(|(_, f)| *f) else {
        return Ok(object(&[("type", &key("unknown")), ("data", &envelope)]));
    };
    check_signal_data(&data, fields, "data").map_err(|m| fail(format!("invalid `{ty}` signal: {m}")))?;
    Ok(object(&[("type", &key(&ty)), ("data", &data)]))
}

/// Field kinds: `s` string, `S` string or null, `n` number, `b` boolean,
/// `o` object, `p` message payload (an object with a string `type`), `m` a
/// message; a leading `?` marks an optional field.
pub(super) const MESSAGE_FIELDS: &[(&str, &str)] =
    &[("id", "s"), ("createdAt", "s"), ("conversationId", "s"), ("userId", "s"), ("payload", "p"), ("metadata", "?o")];

pub(super) const SHAPES: &[(&str, &[(&str, &str)])] = &[
    (
        "message_created",
        &[
            ("id", "s"),
            ("createdAt", "s"),
            ("conversationId", "s"),
            ("userId", "s"),
            ("payload", "p"),
            ("metadata", "?o"),
            ("isBot", "b"),
        ],
    ),
    (
        "message_stream_delta",
        &[
            ("streamId", "s"),
            ("conversationId", "s"),
            ("userId", "s"),
            ("createdAt", "s"),
            ("clientMessageId", "?s"),
            ("sequence", "n"),
            ("delta", "s"),
        ],
    ),
    ("message_stream_complete", &[("streamId", "s"), ("message", "m")]),
    ("message_stream_abort", &[("streamId", "s"), ("conversationId", "s")]),
    (
        "event_created",
        &[("id", "S"), ("createdAt", "s"), ("conversationId", "s"), ("userId", "s"), ("payload", "o"), ("isBot", "b")],
    ),
    ("participant_added", &[("conversationId", "s"), ("participantId", "s")]),
    ("participant_removed", &[("conversationId", "s"), ("participantId", "s")]),
    ("message_deleted", &[("id", "s"), ("conversationId", "s"), ("userId", "s")]),
];

pub(super) fn check_signal_data(v: &JsValue, fields: &[(&str, &str)], path: &str) -> Result<(), String> {
    if !v.is_object() || js_sys::Array::is_array(v) {
        return Err(format!("`{path}` must be an object"));
    }
    for (name, kind) in fields {
        let (optional, kind) = match kind.strip_prefix('?') {
            Some(k) => (true, k),
            None => (false, *kind),
        };
        let f = get(v, name);
        let at = format!("{path}.{name}");
        if f.is_undefined() {
            if optional {
                continue;
            }
            return Err(format!("missing field `{at}`"));
        }
        let ok = match kind {
            "s" => f.is_string(),
            "S" => f.is_string() || f.is_null(),
            "n" => f.as_f64().is_some(),
            "b" => f.as_bool().is_some(),
            "o" => f.is_object() && !js_sys::Array::is_array(&f),
            "p" => {
                if !f.is_object() || !get(&f, "type").is_string() {
                    return Err(format!("`{at}` must be a payload object with a string `type`"));
                }
                true
            }
            _ => {
                check_signal_data(&f, MESSAGE_FIELDS, &at)?;
                true
            }
        };
        if !ok {
            let want = match kind {
                "s" => "a string",
                "S" => "a string or null",
                "n" => "a number",
                "b" => "a boolean",
                _ => "an object",
            };
            return Err(format!("`{at}` must be {want}"));
        }
    }
    Ok(())
}
