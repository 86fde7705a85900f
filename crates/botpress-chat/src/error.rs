//! Errors: the API's 26 error types (PROTOCOL.md §6.3), client-side failures, and the
//! pure mapping from an HTTP status and body to a typed [`Error`] (PROTOCOL.md §6.4).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

use crate::model::JsonObject;

macro_rules! api_error_types {
    ($($variant:ident = $code:literal, $description:literal;)*) => {
        /// The error types an API error body can carry, each with its HTTP status.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ApiErrorType { $(#[doc = $description] $variant),* }

        impl ApiErrorType {
            /// Every type, in the order of PROTOCOL.md §6.3.
            pub const ALL: &'static [ApiErrorType] = &[$(ApiErrorType::$variant),*];

            /// The HTTP status this type is sent with.
            pub fn code(self) -> u16 {
                match self { $(ApiErrorType::$variant => $code),* }
            }

            /// What the type means, in a few words (the JS classes' `description`).
            pub fn description(self) -> &'static str {
                match self { $(ApiErrorType::$variant => $description),* }
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
    Unknown = 500, "Unknown error";
    Internal = 500, "Server failure";
    Unauthorized = 401, "A valid user key is needed";
    Forbidden = 403, "Not allowed for this caller";
    PayloadTooLarge = 413, "Request body too large";
    InvalidPayload = 400, "Invalid arguments or body";
    UnsupportedMediaType = 415, "Unsupported content type";
    MethodNotFound = 405, "No such method";
    ResourceNotFound = 404, "No such resource";
    InvalidJsonSchema = 400, "Invalid JSON schema";
    InvalidDataFormat = 400, "Data does not match its schema";
    InvalidIdentifier = 400, "Invalid identifier";
    RelationConflict = 409, "The resources are not related";
    ReferenceConstraint = 409, "Still referenced elsewhere";
    ResourceLockedConflict = 409, "The resource is locked";
    ResourceGone = 410, "No longer available";
    ReferenceNotFound = 400, "A referenced resource is missing";
    InvalidQuery = 400, "Invalid query";
    Runtime = 400, "The bot or integration failed";
    AlreadyExists = 409, "Already exists";
    RateLimited = 429, "Too many requests";
    PaymentRequired = 402, "Payment required";
    QuotaExceeded = 403, "Quota exceeded";
    LimitExceeded = 413, "Hard limit exceeded";
    BreakingChanges = 400, "Breaking change without a new version";
    OperationTimeout = 504, "The operation timed out";
}

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The server answered with a failure status. With the API's error body the
    /// type is the body's; any other body (the dispatcher's `{"message"}`, plain
    /// text, nothing) or an unknown type is [`ApiErrorType::Unknown`], as the
    /// official client reports it; `code` keeps the HTTP status either way.
    Api(ApiErrorType),
    /// A success answer whose body carries an error `code` of 400–599 (PROTOCOL.md
    /// §6.4's quirk); `code` is that code (the official client's `ChatHTTPError`).
    Http,
    /// The connectivity check (`GET {apiUrl}/hello`, PROTOCOL.md §9.2) failed: no
    /// answer, or not a success; the message says which.
    Connect,
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
    /// A `createMessage` failed in a way that leaves unknown whether the
    /// message was created, and the client could not find out (see
    /// [`once`](crate::once)).
    UnknownOutcome,
}

impl ErrorKind {
    /// The `type` string shown to JS (`"Forbidden"`, `"Network"`, …).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Api(t) => t.name(),
            ErrorKind::Http => "Http",
            ErrorKind::Connect => "Connect",
            ErrorKind::Network => "Network",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::Aborted => "Aborted",
            ErrorKind::Config => "Config",
            ErrorKind::Decode => "Decode",
            ErrorKind::UnknownOutcome => "UnknownOutcome",
        }
    }
}

/// The one error type of this crate.
///
/// `code` is the HTTP status for API errors; client-side kinds use 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// What failed: an API error type or a client-side kind.
    pub kind: ErrorKind,
    /// The HTTP status of an API error; 0 for client-side kinds.
    pub code: u16,
    /// What went wrong, for people.
    pub message: String,
    /// The server's error id (`err_…`), when it gave one.
    pub id: Option<String>,
    /// Extra data the server sent with the error.
    pub metadata: Option<JsonObject>,
}

impl Error {
    fn client(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, code: 0, message: message.into(), id: None, metadata: None }
    }
    /// The network failed (no answer, connection lost).
    pub fn network(message: impl Into<String>) -> Self {
        Self::client(ErrorKind::Network, message)
    }
    /// No answer within the time allowed.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::client(ErrorKind::Timeout, message)
    }
    /// The caller aborted the call.
    pub fn aborted(message: impl Into<String>) -> Self {
        Self::client(ErrorKind::Aborted, message)
    }
    /// A send whose outcome is unknown (see [`once`](crate::once)).
    pub fn unknown_outcome(message: impl Into<String>) -> Self {
        Self::client(ErrorKind::UnknownOutcome, message)
    }
    /// Bad options or arguments, found before anything was sent.
    pub fn config(message: impl Into<String>) -> Self {
        Self::client(ErrorKind::Config, message)
    }
    /// An answer or frame that could not be read.
    pub fn decode(message: impl Into<String>) -> Self {
        Self::client(ErrorKind::Decode, message)
    }
    /// An argument the server would refuse, caught before sending: the
    /// `InvalidPayload` error the server would have answered with.
    pub fn invalid_argument(message: impl AsRef<str>) -> Self {
        Self::caught(ApiErrorType::InvalidPayload, message.as_ref())
    }
    /// A keyed call without a user key, caught before sending: the
    /// `Unauthorized` error the server would have answered with.
    pub fn missing_key(message: impl AsRef<str>) -> Self {
        Self::caught(ApiErrorType::Unauthorized, message.as_ref())
    }
    /// The API error of type `ty` for a mistake the client caught itself; the
    /// message says so.
    fn caught(ty: ApiErrorType, message: &str) -> Self {
        let mut m = String::from(message);
        m.push_str(" (checked by the client before sending)");
        Self::api(ty, m)
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

/// The JSON error body of PROTOCOL.md §6.1, as the server sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error's id (`err_…`, PROTOCOL.md §6.2).
    pub id: String,
    /// The HTTP status.
    pub code: u16,
    /// The error type's name, e.g. `"ResourceNotFound"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What went wrong.
    pub message: String,
    /// Extra data about the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<JsonObject>,
}

impl ErrorBody {
    /// The body for an API error type; `id` must follow PROTOCOL.md §6.2.
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

/// Classifies a non-2xx answer into a typed error. Never fails: bodies that
/// are not the error shape are `Unknown` API errors with the HTTP status as
/// `code` (PROTOCOL.md §1.3, §6.4).
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
    let ty = f.kind.and_then(ApiErrorType::from_name).unwrap_or(ApiErrorType::Unknown);
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

/// PROTOCOL.md §6.4 quirk: a 2xx body that is an object with a numeric `code` of
/// 400–599 is an [`ErrorKind::Http`] failure with that code.
pub fn error_in_success(body: &Value) -> Option<Error> {
    let code = body.as_object()?.get("code")?.as_u64()?;
    if !(400..=599).contains(&code) {
        return None;
    }
    let message = body.get("message").and_then(Value::as_str).unwrap_or("An error occurred");
    Some(Error { kind: ErrorKind::Http, code: code as u16, message: message.to_string(), id: None, metadata: None })
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
        assert_eq!((e.api_type(), e.code), (Some(ApiErrorType::Unknown), 400));
        assert_eq!(e.message, "must have required property 'body'");
        let e = error_from_response(404, Some(&json!({"message":"Route doesn't exist"})), "");
        assert_eq!((e.api_type(), e.code), (Some(ApiErrorType::Unknown), 404));
        let e = error_from_response(500, None, "Internal Server Error");
        assert_eq!(e.api_type(), Some(ApiErrorType::Unknown));
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
        assert_eq!((e.kind, e.code, e.message.as_str()), (ErrorKind::Http, 429, "An error occurred"));
        let e = error_in_success(&json!({"code":403,"message":"no"})).unwrap();
        assert_eq!((e.kind, e.code, e.message.as_str()), (ErrorKind::Http, 403, "no"));
    }
}
