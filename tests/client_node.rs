//! The Rust client against `chat-server`, in Node.
#![cfg(target_arch = "wasm32")]

#[path = "client_suite/mod.rs"]
mod suite;
