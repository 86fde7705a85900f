//! A small, fast client for the Botpress Chat API, for WebAssembly (browsers,
//! Node, edge workers) and Rust.
//!
//! Layers, bottom up:
//! - pure data: [`model`], [`api`], [`signal`], [`error`];
//! - pure protocol, no I/O: [`protocol`] (JWT signing, JSON decoding, SSE
//!   framing, response classification) and the pure parts of [`realtime`];
//! - the host ([`host`]: the platform split for JSON text and, on wasm, every
//!   JS global the crate calls) and the transport (wasm only): `fetch`,
//!   streamed SSE, `EventSource`, WebSocket;
//! - the Rust client ([`client`], wasm only), and one thin `#[wasm_bindgen]`
//!   facade for JS.
// Unit tests also link the property tests' dev-dependencies (proptest).
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub mod api;
pub mod error;
pub mod host;
pub mod model;
pub mod protocol;
pub mod realtime;
pub mod signal;

#[cfg(target_arch = "wasm32")]
pub mod client;
#[cfg(any(test, all(target_arch = "wasm32", feature = "small-alloc")))]
mod heap;
#[cfg(all(target_arch = "wasm32", feature = "small-alloc"))]
#[global_allocator]
static ALLOC: heap::SizeClassAlloc = heap::SizeClassAlloc::new();
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod transport;

pub use error::{ApiErrorType, Error, ErrorKind};
pub use model::{Conversation, Event, Message, MessagePayload, User};
pub use signal::Signal;

/// The API version this client speaks.
pub const API_VERSION: &str = "1.0.0";
