//! Realtime over `'sse'` and `'websocket'` in Node, against `chat-server`
//! (see tests/support/realtime.rs for the set-up).
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]
#![cfg(target_arch = "wasm32")]

#[path = "support/web.rs"]
mod platform;

#[path = "support/realtime.rs"]
mod common;

use botpress_chat_wasm::realtime::Protocol;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn sse_signals() {
    common::signals_roundtrip(Protocol::Sse).await;
}

#[wasm_bindgen_test]
async fn websocket_signals() {
    common::signals_roundtrip(Protocol::WebSocket).await;
}

#[wasm_bindgen_test]
async fn sse_refused() {
    common::refused(Protocol::Sse).await;
}

#[wasm_bindgen_test]
async fn websocket_refused() {
    common::refused(Protocol::WebSocket).await;
}

#[wasm_bindgen_test]
async fn sse_faults_lose_nothing() {
    common::faults_lose_nothing(Protocol::Sse).await;
}

#[wasm_bindgen_test]
async fn websocket_faults_lose_nothing() {
    common::faults_lose_nothing(Protocol::WebSocket).await;
}

#[wasm_bindgen_test]
async fn sse_watchdog_reconnects() {
    common::watchdog_reconnects(Protocol::Sse).await;
}

#[wasm_bindgen_test]
async fn sse_since_with_faults() {
    common::since_with_faults(Protocol::Sse).await;
}

#[wasm_bindgen_test]
async fn websocket_since_with_faults() {
    common::since_with_faults(Protocol::WebSocket).await;
}

#[wasm_bindgen_test]
async fn sse_since_unknown() {
    common::since_unknown(Protocol::Sse).await;
}

#[wasm_bindgen_test]
async fn exactly_once_sends_through_ambiguous_failures() {
    common::exactly_once_sends(Protocol::Sse, 500).await;
}

#[wasm_bindgen_test]
async fn without_exactly_once_the_same_faults_duplicate_and_lose() {
    common::sends_without_exactly_once(120).await;
}
