//! A small, fast client for the Botpress Chat API, for WebAssembly (browsers,
//! Node, edge workers) and native Rust.
//!
//! Layers, bottom up:
//! - pure data: [`model`], [`api`], [`signal`], [`error`];
//! - pure protocol (no I/O): [`protocol`];
//! - transport (wasm only): `fetch`, streamed SSE, `EventSource`, WebSocket;
//! - the Rust client, and one thin `#[wasm_bindgen]` facade for JS.

pub mod api;
pub mod error;
pub mod model;
pub mod signal;

pub use error::{ApiErrorType, Error, ErrorKind};
pub use model::{Conversation, Event, Message, MessagePayload, User};
pub use signal::Signal;

/// The API version this client speaks.
pub const API_VERSION: &str = "1.0.0";
