//! API errors as HTTP responses (PROTOCOL.md §6).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use botpress_chat::error::ErrorBody;
use botpress_chat::ApiErrorType;

use crate::util::error_id;

/// An API error: typed JSON body, HTTP status equal to its code.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The error type, which sets the HTTP status.
    pub ty: ApiErrorType,
    /// What went wrong.
    pub message: String,
    /// Seconds for a `Retry-After` header, if any.
    pub retry_after: Option<u64>,
    /// The `Allow` header of a 405 answer: the methods the path takes.
    pub allow: Option<String>,
}

/// The result of a store or route operation.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error of type `ty`, with no extra headers.
    pub fn new(ty: ApiErrorType, message: impl Into<String>) -> Self {
        ApiError { ty, message: message.into(), retry_after: None, allow: None }
    }
    /// 400 InvalidPayload.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ApiErrorType::InvalidPayload, message)
    }
    /// 404 ResourceNotFound.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ApiErrorType::ResourceNotFound, message)
    }
    /// 403 Forbidden.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ApiErrorType::Forbidden, message)
    }
    /// 401 Unauthorized `Invalid user key`.
    pub fn bad_key() -> Self {
        Self::new(ApiErrorType::Unauthorized, "Invalid user key")
    }
    /// 409 AlreadyExists.
    pub fn exists(message: impl Into<String>) -> Self {
        Self::new(ApiErrorType::AlreadyExists, message)
    }
    /// 500 Internal.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ApiErrorType::Internal, message)
    }

    /// The JSON body of the answer, with a fresh error id.
    pub fn body(&self) -> ErrorBody {
        ErrorBody::new(self.ty, error_id(), self.message.clone())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        eprintln!("chat-server: database error: {e}");
        ApiError::internal(format!("Database error: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_string(&self.body()).unwrap_or_default();
        let status = StatusCode::from_u16(self.ty.code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        if let Some(s) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if let Some(v) = self.allow.as_deref().and_then(|a| HeaderValue::from_str(a).ok()) {
            resp.headers_mut().insert(header::ALLOW, v);
        }
        resp
    }
}
