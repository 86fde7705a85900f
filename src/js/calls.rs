//! The Rust side of the facade's per-call path in JS (`src/js/calls.js`,
//! docs/ARCHITECTURE.md "Per call"): the settings that path needs from a
//! client, and the outcome of an answer it did not take (a transport failure,
//! an error status, a malformed success): the typed error, the checked value,
//! or the delay before a retry, as the Rust path would have decided.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use super::check::{self, OpSpec};
use super::to_js_error;
use crate::client::Client;
use crate::error::Error;
use crate::host;
use crate::protocol::http;
use crate::transport::fetch;

fn set(obj: &Object, name: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(name), value);
}

/// `{apiUrl, key?, headers?, timeout, maxBytes}`, or `undefined` while the
/// path in JS cannot serve this client: before its `/hello` check passed,
/// with `debug` (the Rust path logs each request), or with a header or key
/// that `fetch` would refuse (the Rust path reports it).
pub(crate) fn config(client: &Client, key: Option<&str>) -> JsValue {
    let o = client.options();
    let key_ok = key.map_or(true, |k| !k.is_empty() && http::header_value_ok(k));
    if o.debug || !key_ok || !client.is_ready() {
        return JsValue::UNDEFINED;
    }
    let Ok(headers) = fetch::headers_object(o.headers.iter().map(|(k, v)| (k.as_str(), v.as_str()))) else {
        return JsValue::UNDEFINED;
    };
    let conf = Object::new();
    set(&conf, "apiUrl", &JsValue::from_str(client.api_url()));
    if let Some(k) = key {
        set(&conf, "key", &JsValue::from_str(k));
    }
    if !o.headers.is_empty() {
        set(&conf, "headers", &headers);
    }
    set(&conf, "timeout", &JsValue::from(o.timeout_ms.min(i32::MAX as u32)));
    set(&conf, "maxBytes", &JsValue::from(o.max_response_bytes as f64));
    conf.into()
}

/// What an answer of operation `name` stands for. `status` -1: `request`
/// rejected with `body` (`[reason, text]`). Otherwise: the delay in ms when
/// the retry policy retries it (attempt `attempt`, from 0), else the checked
/// value; an error is thrown as its typed JS error.
pub(crate) fn settle(
    client: &Client,
    name: &str,
    status: f64,
    retry_after: &JsValue,
    body: &JsValue,
    attempt: u32,
) -> Result<JsValue, JsValue> {
    let Some(f) = OpSpec::by_name(name) else {
        return Err(to_js_error(Error::config(format!("{name}: not an operation"))));
    };
    let o = client.options();
    if status < 0.0 {
        return Err(to_js_error(fetch::failure(f.name, body, o.timeout_ms, o.max_response_bytes)));
    }
    let status = status.clamp(0.0, 999.0) as u16;
    if !http::is_success(status) {
        let retry_after = retry_after.as_string();
        let delay =
            o.retry.delay_ms(f.method(), status, retry_after.as_deref(), attempt, host::now_ms(), host::random());
        if let Some(ms) = delay {
            return Ok(JsValue::from(ms));
        }
    }
    let value = check::classify(f.name, status, body).map_err(to_js_error)?;
    f.check(&value).map_err(to_js_error)?;
    Ok(value)
}
