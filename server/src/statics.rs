//! `--static DIR`: files served at `/`.

use axum::extract::State;
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use crate::app::App;
use crate::error::ApiError;
use crate::util::path_segments as segments;

/// The Content-Type for a file name.
pub fn mime(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" | "cjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "txt" | "md" | "ts" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

fn not_found(segs: &[String]) -> Response {
    ApiError::not_found(format!("Route doesn't exist: /{}", segs.join("/"))).into_response()
}

/// Every path no other route takes.
pub async fn serve(State(app): State<Arc<App>>, method: Method, uri: Uri) -> Response {
    let segs = &segments(uri.path());
    if app.cfg.static_dirs.is_empty() || !(method == Method::GET || method == Method::HEAD) {
        return not_found(segs);
    }
    if segs.iter().any(|s| s == ".." || s == "." || s.contains(['/', '\\', '\0'])) {
        return not_found(segs);
    }
    let rel = segs.join("/");
    for dir in &app.cfg.static_dirs {
        let mut path = dir.join(&rel);
        if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_dir()) {
            path = path.join("index.html");
        }
        if let Ok(bytes) = tokio::fs::read(&path).await {
            let name = path.to_string_lossy().into_owned();
            return (StatusCode::OK, [(header::CONTENT_TYPE, mime(&name)), (header::CACHE_CONTROL, "no-cache")], bytes)
                .into_response();
        }
    }
    not_found(segs)
}
