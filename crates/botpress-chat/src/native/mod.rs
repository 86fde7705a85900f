//! The native host: [`NativeHost`], the client's [`Host`] and
//! [`Transport`](crate::realtime::driver::Transport) on tokio — requests with
//! `reqwest` (rustls), timers with `tokio::time`, SSE read from `reqwest`'s
//! byte stream through the crate's own decoder
//! ([`SseDecoder`](crate::protocol::sse::SseDecoder)), WebSocket with
//! `tokio-tungstenite`. Only on non-wasm targets, where it is the default
//! host of [`Client`](crate::client::Client).
//!
//! Its futures are `Send` and need a tokio runtime with timers enabled
//! (`#[tokio::main]` has them). Cancel a call with a [`CancellationToken`]
//! in [`CallOptions`](crate::client::CallOptions).

mod listen;

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::{select, Either};
pub use tokio_util::sync::CancellationToken;

use crate::host::{Failure, Host, HttpRequest, HttpResponse};
use crate::sync::BoxFuture;

pub use listen::NativeConn;

/// The native host. Cheap to clone: clones share one connection pool.
#[derive(Clone, Debug)]
pub struct NativeHost {
    http: reqwest::Client,
}

impl Default for NativeHost {
    /// A host with its own connection pool, HTTP/1.1 over rustls with the
    /// Mozilla root certificates (`webpki-roots`), gzip answers decoded.
    fn default() -> Self {
        NativeHost::with_client(reqwest::Client::new())
    }
}

impl NativeHost {
    /// A host over a `reqwest` client of the caller's (a proxy, root
    /// certificates, a pool shared with the rest of the application). Its
    /// own timeouts should be unset: the client gives each call its own.
    pub fn with_client(http: reqwest::Client) -> Self {
        NativeHost { http }
    }

    /// The `reqwest` client requests go through.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

/// A transport failure as the client reports it: reqwest's message and its
/// causes (`error sending request: connection refused`), without the URL (a
/// listen URL may carry the user key).
pub(crate) fn failure_text(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

/// Reads a body up to `max_bytes` (decoded size), as text.
async fn read_body(mut res: reqwest::Response, max_bytes: usize) -> Result<String, Failure> {
    if res.content_length().is_some_and(|n| n > max_bytes as u64) {
        return Err(Failure::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| Failure::Network(failure_text(e)))? {
        if body.len() + chunk.len() > max_bytes {
            return Err(Failure::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(match String::from_utf8(body) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Resolves when `signal` fires; never without one.
async fn aborted(signal: Option<CancellationToken>) {
    match signal {
        Some(s) => s.cancelled_owned().await,
        None => std::future::pending().await,
    }
}

impl Host for NativeHost {
    type Signal = CancellationToken;

    fn send(&self, req: HttpRequest<'_, CancellationToken>) -> BoxFuture<'static, Result<HttpResponse, Failure>> {
        let method = match req.method {
            "POST" => reqwest::Method::POST,
            "PUT" => reqwest::Method::PUT,
            "DELETE" => reqwest::Method::DELETE,
            _ => reqwest::Method::GET,
        };
        let mut builder = self.http.request(method, req.url);
        for (name, value) in req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(key) = req.user_key {
            builder = builder.header("x-user-key", key);
        }
        if let Some(body) = req.body {
            builder = builder.header("content-type", "application/json").body(body.to_string());
        }
        let (max_bytes, timeout) = (req.max_bytes, Duration::from_millis(u64::from(req.timeout_ms)));
        let signal = req.signal.cloned();
        let exchange = async move {
            let res = builder.send().await.map_err(|e| Failure::Network(failure_text(e)))?;
            let status = res.status().as_u16();
            let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
            let body = read_body(res, max_bytes).await?;
            Ok(HttpResponse { status, retry_after, body })
        };
        Box::pin(async move {
            if signal.as_ref().is_some_and(CancellationToken::is_cancelled) {
                return Err(Failure::Aborted);
            }
            let exchange = std::pin::pin!(tokio::time::timeout(timeout, exchange));
            match select(exchange, std::pin::pin!(aborted(signal))).await {
                Either::Left((Ok(outcome), _)) => outcome,
                Either::Left((Err(_), _)) => Err(Failure::Timeout),
                Either::Right(_) => Err(Failure::Aborted),
            }
        })
    }

    fn is_aborted(&self, signal: &CancellationToken) -> bool {
        signal.is_cancelled()
    }

    fn sleep(&self, ms: u32) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(Duration::from_millis(u64::from(ms))))
    }

    fn now_ms(&self) -> f64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }

    /// Backoff jitter only: std's per-process random hash keys, no `rand`.
    fn random(&self) -> f64 {
        let bits = RandomState::new().hash_one(self.now_ms().to_bits());
        (bits >> 11) as f64 / (1u64 << 53) as f64
    }

    fn log_request(&self, op: &str, method: &str, url: &str, outcome: Result<u16, &str>) {
        match outcome {
            Ok(status) => eprintln!("[botpress-chat] {op} {method} {url} -> {status}"),
            Err(e) => eprintln!("[botpress-chat] {op} {method} {url} failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::api::{CreateMessageInput, GetUserInput};
    use crate::client::{Auth, Client, ClientOptions};
    use crate::realtime::ListenOptions;
    use crate::MessagePayload;

    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: &T) {}

    /// What lets a client be shared by tokio tasks: checked when it compiles.
    #[test]
    fn clients_their_futures_and_streams_are_send() {
        let client = Client::new(ClientOptions::new("http://127.0.0.1:9/local")).expect("client");
        send_sync(&client);
        send(&client.get_user(Some("key"), &GetUserInput {}));
        send(&client.connect(Auth::CreateUser { user_id: None }));
        let user: crate::User = serde_json::from_value(serde_json::json!({
            "id": "u", "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z"
        }))
        .expect("a user");
        let chat = crate::client::AuthenticatedClient::from_parts(client, user, "key".into());
        send_sync(&chat);
        let input =
            CreateMessageInput { conversation_id: "c".into(), payload: MessagePayload::text("hi"), metadata: None };
        send(&chat.create_message(&input));
        send(&chat.list_all_messages("c"));
        send(&chat.list_all_conversations());
        send(&chat.listen_conversation("c", ListenOptions::default()));
    }
}
