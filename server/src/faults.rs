//! `--test-faults`: canned broken answers at /_fault/{case}/… for client tests.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use botpress_chat::ApiErrorType;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::app::App;
use crate::error::ApiError;
use crate::responses::hello_response;
use crate::util::{now_iso, path_segments as segments};

fn raw(status: u16, content_type: &'static str, body: impl Into<String>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, content_type)], body.into()).into_response()
}

fn user_body() -> String {
    let now = now_iso();
    json!({"user": {"id": "fault_user", "name": "Fault", "createdAt": now, "updatedAt": now}}).to_string()
}

const JSON: &str = "application/json";

/// A valid user answer padded past 2 MiB.
fn huge_body() -> String {
    let pad = "x".repeat(2 * 1024 * 1024 + 4096);
    let now = now_iso();
    json!({"user": {"id": "fault_user", "createdAt": now, "updatedAt": now}, "padding": pad}).to_string()
}

/// A 200 JSON answer sent with `Content-Encoding: gzip`.
fn gzipped(body: &str) -> Response {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let bytes = gz.write_all(body.as_bytes()).and_then(|()| gz.finish()).unwrap_or_default();
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    r
}

/// A 200 JSON answer streamed in the given parts, with no Content-Length.
fn chunked(parts: Vec<String>) -> Response {
    let stream =
        futures_util::stream::iter(parts.into_iter().map(|p| Ok::<_, std::convert::Infallible>(bytes::Bytes::from(p))));
    let mut r = axum::body::Body::from_stream(stream).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    r
}

/// Everything under `/_fault/` (mounted with `--test-faults`).
pub async fn handle(State(app): State<Arc<App>>, req: Request) -> Response {
    let all = segments(req.uri().path());
    let segs = &all[1..];
    let case = segs.first().map(String::as_str).unwrap_or("");
    if case == "stats" && segs.len() == 1 {
        let n = app.flaky_calls.load(Ordering::SeqCst);
        return raw(200, JSON, json!({"flakyCalls": n}).to_string());
    }
    if segs.len() == 2 && segs[1] == "hello" && (req.method() == "GET" || req.method() == "HEAD") {
        return hello_response();
    }
    match case {
        "html500" => raw(
            500,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>",
        ),
        "text500" => raw(500, "text/plain; charset=utf-8", "Internal Server Error"),
        "empty200" => raw(200, JSON, ""),
        "empty500" => raw(500, JSON, ""),
        "truncated" => raw(200, JSON, r#"{"user":{"id":"u"#),
        "wrongtypes" => raw(200, JSON, r#"{"user":{"id":5,"createdAt":true}}"#),
        "huge" => raw(200, JSON, huge_body()),
        // Bodies without Content-Length (sent in chunks): read and counted as they come.
        "chunked" => chunked(vec![user_body()]),
        "hugechunked" => chunked((0..40).map(|_| "x".repeat(64 * 1024)).collect()),
        // A few KB on the wire (Content-Length within any limit), 2 MB once decoded.
        "gzipped" => gzipped(&huge_body()),
        "code2xx" => raw(200, JSON, r#"{"code":429,"message":"slow down"}"#),
        "bare400" => raw(400, JSON, r#"{"message":"must have required property 'body'"}"#),
        "bare404" => raw(404, JSON, r#"{"message":"Route doesn't exist"}"#),
        "notjson200" => raw(200, "text/html", "<html>oops</html>"),
        "flaky" => {
            app.flaky_calls.fetch_add(1, Ordering::SeqCst);
            let n = app.flaky_pending.fetch_add(1, Ordering::SeqCst) + 1;
            if n < 3 {
                let body = json!({"id": crate::util::error_id(), "code": 503, "type": "Unknown",
                    "message": "Service temporarily unavailable"});
                let mut r = raw(503, JSON, body.to_string());
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(0));
                r
            } else {
                app.flaky_pending.store(0, Ordering::SeqCst);
                raw(200, JSON, user_body())
            }
        }
        "ratelimit" => {
            let mut e = ApiError::new(ApiErrorType::RateLimited, "Too many requests, retry later");
            e.retry_after = Some(0);
            e.into_response()
        }
        "slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            raw(200, JSON, user_body())
        }
        _ => ApiError::not_found(format!("Unknown fault case {case:?}")).into_response(),
    }
}
