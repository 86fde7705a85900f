//! Errors: the API's 26 error types (spec §6.3), client-side failures, and the
//! pure mapping from an HTTP status and body to a typed [`Error`] (spec §6.4).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

use crate::model::JsonObject;

macro_rules! api_error_types {
    ($($variant:ident = $code:literal),* $(,)?) => {
        /// The error types an API error body can carry, each with its HTTP status.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ApiErrorType { $($variant),* }

        impl ApiErrorType {
            /// Every type, in spec order.
            pub const ALL: &'static [ApiErrorType] = &[$(ApiErrorType::$variant),*];

            /// The HTTP status this type is sent with.
            pub fn code(self) -> u16 {
                match self { $(ApiErrorType::$variant => $code),* }
            }

            /// The `type` string of the error body, e.g. `"ResourceNotFound"`.
            pub fn name(self) -> &'static str {
                match self { $(ApiErrorType::$variant => stringify!($variant)),* }
            }

            /// Parses a `type` string; `None` for a type this version does not know.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|t| t.name() == name)
            }
        }
    };
}

api_error_types! {
    Unknown = 500,
    Internal = 500,
    Unauthorized = 401,
    Forbidden = 403,
    PayloadTooLarge = 413,
    InvalidPayload = 400,
    UnsupportedMediaType = 415,
    MethodNotFound = 405,
    ResourceNotFound = 404,
    InvalidJsonSchema = 400,
    InvalidDataFormat = 400,
    InvalidIdentifier = 400,
    RelationConflict = 409,
    ReferenceConstraint = 409,
    ResourceLockedConflict = 409,
    ResourceGone = 410,
    ReferenceNotFound = 400,
    InvalidQuery = 400,
    Runtime = 400,
    AlreadyExists = 409,
    RateLimited = 429,
    PaymentRequired = 402,
    QuotaExceeded = 403,
    LimitExceeded = 413,
    BreakingChanges = 400,
    OperationTimeout = 504,
}

impl ApiErrorType {
    /// The type a bare status maps to when the body carries no type
    /// (the cloud's `{"message"}` and plain-text failures).
    pub fn from_status(status: u16) -> Self {
        match status {
            400 => ApiErrorType::InvalidPayload,
            401 => ApiErrorType::Unauthorized,
            402 => ApiErrorType::PaymentRequired,
            403 => ApiErrorType::Forbidden,
            404 => ApiErrorType::ResourceNotFound,
            405 => ApiErrorType::MethodNotFound,
            409 => ApiErrorType::AlreadyExists,
            410 => ApiErrorType::ResourceGone,
            413 => ApiErrorType::PayloadTooLarge,
            415 => ApiErrorType::UnsupportedMediaType,
            429 => ApiErrorType::RateLimited,
            504 => ApiErrorType::OperationTimeout,
            500..=599 => ApiErrorType::Internal,
            _ => ApiErrorType::Unknown,
        }
    }
}

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The server answered with an API error.
    Api(ApiErrorType),
    /// The request never got an answer (connection refused, DNS, CORS, reset).
    Network,
    /// No answer within the configured timeout.
    Timeout,
    /// The caller cancelled the request.
    Aborted,
    /// The client was configured or called wrongly (missing user id, bad argument).
    Config,
    /// The server's answer could not be understood (not JSON, wrong shape, too large).
    Decode,
}

impl ErrorKind {
    /// The `type` string shown to JS (`"Forbidden"`, `"Network"`, …).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Api(t) => t.name(),
            ErrorKind::Network => "Network",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::Aborted => "Aborted",
            ErrorKind::Config => "Config",
            ErrorKind::Decode => "Decode",
        }
    }
}

/// The one error type of this crate.
///
/// `code` is the HTTP status for API errors; client-side kinds use 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub kind: ErrorKind,
    pub code: u16,
    pub message: String,
    /// The server's error id (`err_…`), when it gave one.
    pub id: Option<String>,
    pub metadata: Option<JsonObject>,
}

impl Error {
    fn client(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, code: 0, message: message.into(), id: None, metadata: None }
    }
    pub fn network(message: impl Into<String>) -> Self {
        Self::client(ErrorKind::Network, message)
    }
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::client(ErrorKind::Timeout, message)
    }
    pub fn aborted(message: impl Into<String>) -> Self {
        Self::client(ErrorKind::Aborted, message)
    }
    pub fn config(message: impl Into<String>) -> Self {
        Self::client(ErrorKind::Config, message)
    }
    pub fn decode(message: impl Into<String>) -> Self {
        Self::client(ErrorKind::Decode, message)
    }
    /// An API error of the given type with its standard status.
    pub fn api(ty: ApiErrorType, message: impl Into<String>) -> Self {
        Error { kind: ErrorKind::Api(ty), code: ty.code(), message: message.into(), id: None, metadata: None }
    }

    /// The API error type, if this is an API error.
    pub fn api_type(&self) -> Option<ApiErrorType> {
        match self.kind {
            ErrorKind::Api(t) => Some(t),
            _ => None,
        }
    }

    /// Whether this error came from the server as an API error.
    pub fn is_api_error(&self) -> bool {
        self.api_type().is_some()
    }

    /// `[Type] message (Error ID: id)`, as the official client formats errors.
    pub fn format(&self) -> String {
        match &self.id {
            Some(id) => format!("[{}] {} (Error ID: {id})", self.kind.name(), self.message),
            None => format!("[{}] {}", self.kind.name(), self.message),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format())
    }
}

impl std::error::Error for Error {}

/// The JSON error body of spec §6.1, as the server sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub id: String,
    pub code: u16,
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<JsonObject>,
}

impl ErrorBody {
    /// The body for an API error type; `id` must follow spec §6.2.
    pub fn new(ty: ApiErrorType, id: String, message: impl Into<String>) -> Self {
        ErrorBody { id, code: ty.code(), kind: ty.name().to_string(), message: message.into(), metadata: None }
    }
}

fn short(text: &str) -> String {
    let t = text.trim();
    let mut s: String = t.chars().take(200).collect();
    if s.len() < t.len() {
        s.push('…');
    }
    s
}

/// Classifies a non-2xx answer (or a 2xx that carries an error, see
/// [`error_in_success`]) into a typed error. Never fails: bodies that are not
/// the error shape are classified by status (spec §1.3, §6.4).
///
/// `body` is the already-parsed JSON body, or `None` if it was not JSON; `raw`
/// is the text, used for the message of non-JSON bodies.
pub fn error_from_response(status: u16, body: Option<&Value>, raw: &str) -> Error {
    let obj = body.and_then(Value::as_object);
    let text = |k: &str| obj.and_then(|o| o.get(k)).and_then(Value::as_str);
    error_from_fields(
        status,
        ErrorFields {
            message: text("message"),
            kind: text("type"),
            id: text("id").map(str::to_string),
            metadata: obj.and_then(|o| o.get("metadata")).and_then(Value::as_object).cloned(),
        },
        raw,
    )
}

/// The fields of an error body that were present with the right type.
pub(crate) struct ErrorFields<'a> {
    pub message: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub id: Option<String>,
    pub metadata: Option<JsonObject>,
}

/// [`error_from_response`] from the body's fields, however they were read.
pub(crate) fn error_from_fields(status: u16, f: ErrorFields<'_>, raw: &str) -> Error {
    let ty = match f.kind.and_then(ApiErrorType::from_name) {
        Some(t) => t,
        None => ApiErrorType::from_status(status),
    };
    let message = match (f.message, f.kind) {
        (Some(m), Some(t)) if ApiErrorType::from_name(t).is_none() => {
            let mut s = String::from("An unclassified API error occurred (");
            s.push_str(t);
            s.push_str("): ");
            s.push_str(m);
            s
        }
        (Some(m), _) => m.to_string(),
        (None, _) if raw.trim().is_empty() => format!("HTTP {status} with an empty body"),
        (None, _) => format!("HTTP {status}: {}", short(raw)),
    };
    Error { kind: ErrorKind::Api(ty), code: status, message, id: f.id, metadata: f.metadata }
}

/// Spec §6.4 quirk: a 2xx body that is an object with a numeric `code` of
/// 400–599 is a failure with that status.
pub fn error_in_success(body: &Value) -> Option<Error> {
    let code = body.as_object()?.get("code")?.as_u64()?;
    if !(400..=599).contains(&code) {
        return None;
    }
    let mut err = error_from_response(code as u16, Some(body), "");
    if body.get("message").and_then(Value::as_str).is_none() {
        err.message = "An error occurred".into();
    }
    Some(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn twenty_six_types_round_trip_names() {
        assert_eq!(ApiErrorType::ALL.len(), 26);
        for t in ApiErrorType::ALL {
            assert_eq!(ApiErrorType::from_name(t.name()), Some(*t));
        }
        assert_eq!(ApiErrorType::RateLimited.code(), 429);
    }

    #[test]
    fn typed_body() {
        let b = json!({"id":"err_1","code":403,"type":"Forbidden","message":"nope"});
        let e = error_from_response(403, Some(&b), "");
        assert_eq!(e.kind, ErrorKind::Api(ApiErrorType::Forbidden));
        assert_eq!((e.code, e.id.as_deref(), e.message.as_str()), (403, Some("err_1"), "nope"));
        assert_eq!(e.format(), "[Forbidden] nope (Error ID: err_1)");
    }

    #[test]
    fn irregular_bodies_classified_by_status() {
        let e = error_from_response(400, Some(&json!({"message":"must have required property 'body'"})), "");
        assert_eq!(e.api_type(), Some(ApiErrorType::InvalidPayload));
        assert_eq!(e.message, "must have required property 'body'");
        let e = error_from_response(404, Some(&json!({"message":"Route doesn't exist"})), "");
        assert_eq!(e.api_type(), Some(ApiErrorType::ResourceNotFound));
        let e = error_from_response(500, None, "Internal Server Error");
        assert_eq!(e.api_type(), Some(ApiErrorType::Internal));
        assert_eq!(e.message, "HTTP 500: Internal Server Error");
        let e = error_from_response(502, None, "");
        assert_eq!(e.message, "HTTP 502 with an empty body");
        let e = error_from_response(418, Some(&json!({"type":"Teapot","message":"m","code":418,"id":"x"})), "");
        assert_eq!(e.api_type(), Some(ApiErrorType::Unknown));
        assert!(e.message.contains("unclassified"));
    }

    #[test]
    fn error_inside_2xx() {
        assert!(error_in_success(&json!({"conversation":{}})).is_none());
        assert!(error_in_success(&json!({"code":200})).is_none());
        let e = error_in_success(&json!({"code":429})).unwrap();
        assert_eq!((e.code, e.message.as_str()), (429, "An error occurred"));
        assert_eq!(e.api_type(), Some(ApiErrorType::RateLimited));
    }
}
