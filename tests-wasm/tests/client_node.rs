//! The Rust client against `chat-server`, in Node.
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]
#![cfg(target_arch = "wasm32")]

#[path = "support/web.rs"]
mod platform;

#[path = "client_suite/mod.rs"]
mod suite;
