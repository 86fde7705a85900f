//! The seam between the client and the platform it runs on: what the client
//! asks of it (one HTTP exchange, a timer, the clock, randomness, a log line),
//! and nothing else. Every rule of the protocol stays on the client's side:
//! the host moves bytes and tells time.
//!
//! [`NativeHost`](crate::native::NativeHost) implements [`Host`] on tokio
//! (not on wasm); the npm package implements it over the JS globals
//! (`fetch`, `setTimeout`); the unit tests with a scripted server and a
//! virtual clock.

use serde_json::Value;

use crate::error::Error;
use crate::sync::{BoxFuture, MaybeSend, MaybeSync};

/// One HTTP request as the client hands it over: checked, complete.
#[derive(Debug)]
pub struct HttpRequest<'a, S> {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: &'static str,
    /// The full URL.
    pub url: &'a str,
    /// Headers to send as they are (valid names and values).
    pub headers: &'a [(String, String)],
    /// The `x-user-key` header's value, when the request carries one.
    pub user_key: Option<&'a str>,
    /// The JSON body, sent with `content-type: application/json`.
    pub body: Option<&'a str>,
    /// The caller's cancellation signal.
    pub signal: Option<&'a S>,
    /// The time allowed for the whole exchange, body included; past it the
    /// exchange fails with [`Failure::Timeout`] (and is aborted).
    pub timeout_ms: u32,
    /// The largest body the host reads; past it the exchange fails with
    /// [`Failure::TooLarge`] (a compressed body is measured once decoded).
    pub max_bytes: usize,
}

/// What came back: the status, `Retry-After`, the body text.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` header, if the answer has one.
    pub retry_after: Option<String>,
    /// The body, as text (invalid UTF-8 read as U+FFFD).
    pub body: String,
}

/// Why an exchange gave no response.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The caller's signal fired.
    Aborted,
    /// No complete answer within `timeout_ms`.
    Timeout,
    /// The body passed `max_bytes`.
    TooLarge,
    /// The network failed; the host's message.
    Network(String),
}

/// A platform the client runs on. Futures are `'static`, and `Send`
/// natively (a browser has one thread: there they need not be, see
/// [`sync`](crate::sync)); dropping the future of [`send`](Host::send)
/// cancels the exchange.
pub trait Host: Clone + MaybeSend + MaybeSync + 'static {
    /// The caller's cancellation signal (an `AbortSignal` on the web).
    type Signal: Clone + MaybeSend + MaybeSync + 'static;

    /// One HTTP exchange, the body read whole, within `req.timeout_ms`. The
    /// host never retries: the client decides that, and what each failure
    /// means.
    fn send(&self, req: HttpRequest<'_, Self::Signal>) -> BoxFuture<'static, Result<HttpResponse, Failure>>;

    /// Whether the signal has fired.
    fn is_aborted(&self, signal: &Self::Signal) -> bool;

    /// Resolves after `ms` milliseconds; dropping it clears the timer.
    fn sleep(&self, ms: u32) -> BoxFuture<'static, ()>;

    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> f64;

    /// A number in [0, 1) (backoff jitter).
    fn random(&self) -> f64;

    /// The `debug` option's line for one exchange: its status, or what failed.
    fn log_request(&self, op: &str, method: &str, url: &str, outcome: Result<u16, &str>);

    /// Whether the platform believes it is online (a browser's
    /// `navigator.onLine`); `true` where it cannot tell.
    fn online(&self) -> bool {
        true
    }

    /// Resolves when the platform comes back online (a browser's `online`
    /// event); never where it cannot tell.
    fn until_online(&self) -> BoxFuture<'static, ()> {
        Box::pin(futures::future::pending())
    }

    /// An ISO 8601 time (a `createdAt`) in milliseconds since the epoch.
    /// [`iso_ms`](crate::realtime::backfill::iso_ms) by default (the npm
    /// package: `Date.parse`).
    fn parse_time(&self, text: &str) -> Option<f64> {
        crate::realtime::backfill::iso_ms(text).map(|ms| ms as f64)
    }

    /// Parses JSON text (the error is the parser's message). serde_json by
    /// default; the npm package uses [`lean_json`](crate::protocol::lean_json),
    /// which keeps serde_json's parser out of its download.
    fn parse_json(&self, text: &str) -> Result<Value, String> {
        crate::protocol::json::serde_parse(text)
    }

    /// Writes a value as compact JSON text. serde_json by default (the npm
    /// package: [`lean_json`](crate::protocol::lean_json)).
    fn write_json(&self, value: &Value) -> String {
        value.to_string()
    }

    /// HMAC-SHA256 of `data` with `key` (signing personal-mode user keys).
    /// [`jwt::hmac_sha256`](crate::protocol::jwt::hmac_sha256) by default.
    fn hmac_sha256(&self, key: &[u8], data: &[u8]) -> BoxFuture<'static, Result<Vec<u8>, Error>> {
        let mac = crate::protocol::jwt::hmac_sha256(key, data);
        Box::pin(async move { mac })
    }
}
