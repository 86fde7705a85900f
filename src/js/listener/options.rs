//! `listenConversation`'s options, read and checked before connecting.

use wasm_bindgen::prelude::*;

use super::get;
use crate::error::Error;
use crate::realtime::{ListenOptions, Protocol, Since};

pub(super) fn parse_options(props: &JsValue) -> Result<(String, ListenOptions), Error> {
    if !props.is_object() {
        return Err(Error::invalid_argument(
            "listenConversation expects an object { id, protocol?, reconnect?, timeoutMs? }",
        ));
    }
    let id = get(props, "id");
    let id = match id.as_string() {
        Some(s) if !s.is_empty() => s,
        _ => {
            return Err(Error::invalid_argument(
                "listenConversation: `id` (the conversation id) must be a non-empty string",
            ))
        }
    };
    let mut opts = ListenOptions::default();
    let protocol = get(props, "protocol");
    if !protocol.is_undefined() && !protocol.is_null() {
        opts.protocol = protocol.as_string().as_deref().and_then(Protocol::from_name).ok_or_else(|| {
            Error::config("listenConversation: `protocol` must be 'sse', 'eventsource' or 'websocket'")
        })?;
    }
    let reconnect = get(props, "reconnect");
    if !reconnect.is_undefined() && !reconnect.is_null() {
        opts.reconnect =
            reconnect.as_bool().ok_or_else(|| Error::config("listenConversation: `reconnect` must be a boolean"))?;
    }
    let timeout = get(props, "timeoutMs");
    if !timeout.is_undefined() && !timeout.is_null() {
        match timeout.as_f64() {
            Some(t) if t >= 1.0 && t <= f64::from(i32::MAX as u32) => opts.timeout_ms = t as u32,
            _ => {
                return Err(Error::config("listenConversation: `timeoutMs` must be a positive number of milliseconds"))
            }
        }
    }
    let since = get(props, "since");
    if since.is_object() {
        // A Message: after it.
        match get(&since, "id").as_string() {
            Some(id) if !id.is_empty() => opts.since = Some(Since::Message(id)),
            _ => {
                return Err(Error::invalid_argument(
                    "listenConversation: `since` must be a message, its id or an ISO 8601 time",
                ))
            }
        }
    } else if let Some(text) = since.as_string().filter(|t| !t.is_empty()) {
        // A time or a message id: the core's rule (Since::parse), as in Rust.
        opts.since = Some(Since::parse(&text));
    } else if !since.is_undefined() && !since.is_null() {
        return Err(Error::invalid_argument(
            "listenConversation: `since` must be a message, its id or an ISO 8601 time",
        ));
    }
    let backoff = get(props, "backoff");
    if !backoff.is_undefined() && !backoff.is_null() {
        let ms = |name: &str, default: u32| -> Result<u32, Error> {
            let v = get(&backoff, name);
            if v.is_undefined() || v.is_null() {
                return Ok(default);
            }
            match v.as_f64() {
                Some(t) if (0.0..=f64::from(i32::MAX as u32)).contains(&t) => Ok(t as u32),
                _ => {
                    Err(Error::config(format!("listenConversation: `backoff.{name}` must be a number of milliseconds")))
                }
            }
        };
        let d = ListenOptions::default().backoff;
        opts.backoff = crate::realtime::Backoff::new(ms("baseMs", d.base_ms)?, ms("maxMs", d.cap_ms)?);
    }
    Ok((id, opts))
}
