//! The request side of an operation: [`Call<I>`] extracts the caller and the
//! operation's input, deserialised into the shared input type `I` (the one
//! the client sends), in the order the protocol checks them:
//!
//! 1. the `x-user-key` header is present (400 otherwise);
//! 2. the body is read (413 past [`BODY_LIMIT`]); POST and PUT need a JSON
//!    object, a DELETE body must be JSON when there is one;
//! 3. createUser is refused in manual mode (401);
//! 4. path, query and body fields are merged and checked by the operation's
//!    [`Spec`](botpress_chat::api::Spec), the same checks the client makes
//!    before sending (400, the message starts with the field), then read
//!    into `I`;
//! 5. the key is verified (401), giving the caller's id.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::{HeaderMap, Method};
use botpress_chat::api::{FieldKind, Operation};
use botpress_chat::model::JsonObject;
use botpress_chat::ApiErrorType;
use futures_util::StreamExt;
use serde_json::Value;
use std::sync::Arc;

use crate::app::App;
use crate::auth::verify_key;
use crate::error::{ApiError, ApiResult};
use crate::util::parse_query;

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Bodies up to this size are read (and dropped) before answering 413, so
/// the client sees the answer rather than a reset.
const DRAIN_LIMIT: usize = 32 * 1024 * 1024;

/// A checked call of operation `I`.
pub struct Call<I> {
    /// The key's `id` claim (empty for createUser, which takes no key).
    pub claim: String,
    /// The operation's input, checked.
    pub input: I,
}

/// The `x-user-key` header, trimmed; `None` when absent or blank.
pub fn header_key(headers: &HeaderMap) -> Option<String> {
    headers.get("x-user-key").and_then(|v| v.to_str().ok()).map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

/// Reads the body, up to [`BODY_LIMIT`].
async fn read_body(body: Body) -> ApiResult<Bytes> {
    let mut stream = body.into_data_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::invalid(format!("body: could not be read: {e}")))?;
        total += chunk.len();
        if total <= BODY_LIMIT {
            buf.extend_from_slice(&chunk);
        } else if total > DRAIN_LIMIT {
            break;
        }
    }
    if total > BODY_LIMIT {
        return Err(ApiError::new(
            ApiErrorType::PayloadTooLarge,
            format!("body: {total} bytes or more; request bodies are limited to {BODY_LIMIT} bytes"),
        ));
    }
    Ok(Bytes::from(buf))
}

fn parse_json(bytes: &[u8]) -> ApiResult<Value> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::invalid(format!("body: invalid JSON ({e})")))
}

fn blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// The body's fields: a JSON object for POST and PUT, nothing for the others.
fn body_fields(method: &Method, bytes: &[u8]) -> ApiResult<JsonObject> {
    if method == Method::POST || method == Method::PUT {
        if blank(bytes) {
            return Err(ApiError::invalid("body: a JSON object body is required (send {} when no field is needed)"));
        }
        return match parse_json(bytes)? {
            Value::Object(o) => Ok(o),
            _ => Err(ApiError::invalid("body: must be a JSON object")),
        };
    }
    if method == Method::DELETE && !blank(bytes) {
        parse_json(bytes)?;
    }
    Ok(JsonObject::new())
}

/// Checks one body field against its kind; the message starts with the field.
impl<I: Operation + Send> FromRequest<Arc<App>> for Call<I> {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &Arc<App>) -> Result<Self, ApiError> {
        let (mut parts, body) = req.into_parts();
        let key = header_key(&parts.headers);
        if I::KEYED && key.is_none() {
            return Err(ApiError::invalid("x-user-key: the header is required"));
        }
        let bytes = read_body(body).await?;
        let mut fields = body_fields(&parts.method, &bytes)?;
        if !I::KEYED && app.manual {
            return Err(ApiError::new(
                ApiErrorType::Unauthorized,
                format!("The \"{}\" operation can only be called when using the shared encryption key.", I::NAME),
            ));
        }
        // On the wire an optional field is left out, never `null` (the client leaves nulls out
        // of the bodies it writes; as arguments, the operation table reads them as absent).
        if let Some((name, _)) = I::FIELDS.iter().find(|(n, _)| fields.get(*n).is_some_and(Value::is_null)) {
            return Err(ApiError::invalid(format!("{name}: must not be null")));
        }
        // Path parameters (the router percent-decodes them) and query fields join the body's.
        let params = RawPathParams::from_request_parts(&mut parts, app)
            .await
            .map_err(|e| ApiError::invalid(format!("path: {e}")))?;
        for (name, value) in &params {
            fields.insert(name.to_string(), Value::String(value.to_string()));
        }
        let query = parse_query(parts.uri.query());
        for (name, _) in I::FIELDS.iter().filter(|(_, k)| *k == FieldKind::Query) {
            match query.iter().find(|(k, _)| k == name) {
                Some((_, v)) => fields.insert(name.to_string(), Value::String(v.clone())),
                None => fields.remove(*name),
            };
        }
        // The client's own checks of the operation table (kinds, lengths, payload rules).
        I::SPEC.check_args(&fields).map_err(ApiError::invalid)?;
        let input: I =
            serde_json::from_value(Value::Object(fields)).map_err(|e| ApiError::invalid(format!("body: {e}")))?;
        let claim = match key {
            Some(k) if I::KEYED => verify_key(&app.secret, &k)?,
            _ => String::new(),
        };
        Ok(Call { claim, input })
    }
}
