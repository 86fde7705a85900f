//! Realtime over all three transports in headless Chromium, against
//! `chat-server` (see tests/support/realtime.rs for the set-up).
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]
#![cfg(target_arch = "wasm32")]

#[path = "support/web.rs"]
mod platform;

#[path = "support/realtime.rs"]
mod common;

use botpress_chat_wasm::realtime::Protocol;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn sse_signals() {
    common::signals_roundtrip(Protocol::Sse).await;
}

#[wasm_bindgen_test]
async fn eventsource_signals() {
    common::signals_roundtrip(Protocol::EventSource).await;
}

#[wasm_bindgen_test]
async fn websocket_signals() {
    common::signals_roundtrip(Protocol::WebSocket).await;
}

#[wasm_bindgen_test]
async fn eventsource_refused() {
    common::refused(Protocol::EventSource).await;
}

#[wasm_bindgen_test]
async fn sse_faults_lose_nothing() {
    common::faults_lose_nothing(Protocol::Sse).await;
}

#[wasm_bindgen_test]
async fn websocket_watchdog_reconnects() {
    common::watchdog_reconnects(Protocol::WebSocket).await;
}

#[wasm_bindgen_test]
async fn eventsource_since_with_faults() {
    common::since_with_faults(Protocol::EventSource).await;
}

#[wasm_bindgen_test]
async fn exactly_once_sends_through_ambiguous_failures() {
    common::exactly_once_sends(Protocol::Sse, 500).await;
}
