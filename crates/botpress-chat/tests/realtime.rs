//! Realtime natively, over SSE (`Protocol::Sse`, and `EventSource`'s key in
//! the query) and WebSocket: the scenarios of
//! `tests-wasm/tests/support/realtime.rs` (the same ones the wasm harnesses
//! run in Node and in browsers) over the native host, each test with a
//! chat-server and a fault proxy of its own (see `support/servers.rs`).
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]
#![cfg(not(target_arch = "wasm32"))]

mod support;

/// What the scenarios reach of the platform: the native one, and their servers.
mod platform {
    pub use crate::support::*;

    /// A chat-server and the fault proxy in front of it, for the calling test.
    pub fn fixtures() -> Fixtures {
        Fixtures::realtime()
    }
}

#[path = "../../../tests-wasm/tests/support/realtime.rs"]
mod common;

use botpress_chat::realtime::Protocol;

#[tokio::test]
async fn sse_signals() {
    common::signals_roundtrip(Protocol::Sse).await;
}

#[tokio::test]
async fn eventsource_signals() {
    common::signals_roundtrip(Protocol::EventSource).await;
}

#[tokio::test]
async fn websocket_signals() {
    common::signals_roundtrip(Protocol::WebSocket).await;
}

#[tokio::test]
async fn sse_refused() {
    common::refused(Protocol::Sse).await;
}

#[tokio::test]
async fn websocket_refused() {
    common::refused(Protocol::WebSocket).await;
}

#[tokio::test]
async fn sse_faults_lose_nothing() {
    common::faults_lose_nothing(Protocol::Sse).await;
}

#[tokio::test]
async fn websocket_faults_lose_nothing() {
    common::faults_lose_nothing(Protocol::WebSocket).await;
}

#[tokio::test]
async fn sse_watchdog_reconnects() {
    common::watchdog_reconnects(Protocol::Sse).await;
}

#[tokio::test]
async fn websocket_watchdog_reconnects() {
    common::watchdog_reconnects(Protocol::WebSocket).await;
}

#[tokio::test]
async fn sse_since_with_faults() {
    common::since_with_faults(Protocol::Sse).await;
}

#[tokio::test]
async fn websocket_since_with_faults() {
    common::since_with_faults(Protocol::WebSocket).await;
}

#[tokio::test]
async fn sse_since_unknown() {
    common::since_unknown(Protocol::Sse).await;
}

#[cfg(feature = "exactly-once")]
#[tokio::test]
async fn exactly_once_sends_through_ambiguous_failures() {
    common::exactly_once_sends(Protocol::Sse, 500).await;
}

#[tokio::test]
async fn without_exactly_once_the_same_faults_duplicate_and_lose() {
    common::sends_without_exactly_once(120).await;
}
