//! The Rust client against `chat-server`, in a headless browser.
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "support/web.rs"]
mod platform;

#[path = "client_suite/mod.rs"]
mod suite;
