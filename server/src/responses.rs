//! Successful answers: JSON bodies and the hello text.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The body of `GET …/hello`.
pub const HELLO: &str = "Hello, Botpress User 🤖";

/// A 200 JSON answer from an already encoded body.
pub fn json_response(body: String) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A 200 JSON answer: the value's fields in declaration order.
pub fn render<T: Serialize>(value: &T) -> Response {
    json_response(serde_json::to_string(value).unwrap_or_else(|_| "{}".into()))
}

/// The plain-text answer of `GET /hello`.
pub fn hello_response() -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], HELLO).into_response()
}
