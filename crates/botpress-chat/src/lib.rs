//! A client for the Botpress Chat API: the models, the operation table, the
//! protocol rules and the [`client::Client`], over a small [`host::Host`]
//! seam (one HTTP exchange, a timer, the clock, randomness).
//!
//! Layers, bottom up:
//! - pure data: [`model`], [`api`] (the operation table and [`api::Spec`],
//!   which checks arguments and builds requests), [`signal`], [`error`], and
//!   [`schema`] (the record tables every answer and signal is checked by);
//! - pure protocol, no I/O: [`protocol`] (JWT signing, JSON decoding, SSE
//!   framing, response classification, retry policy) and the pure parts of
//!   [`realtime`] (backoff, exactly-once backfill, stream assembly);
//! - [`once`]: what a failed `createMessage` means and how the client finds
//!   out whether it created the message (pure rules);
//! - [`client`]: the client over a [`host::Host`]. This crate has no host of
//!   its own: the npm package (`botpress-chat-wasm`) brings one over the JS
//!   globals, and the unit tests one with a virtual clock.
// Unit tests also link the property tests' dev-dependencies (proptest).
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub mod api;
pub mod client;
pub mod error;
pub mod host;
pub mod model;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod once;
pub mod protocol;
pub mod realtime;
pub mod schema;
pub mod signal;
pub mod sync;

#[cfg(test)]
mod fake;

pub use error::{ApiErrorType, Error, ErrorKind};
pub use model::{Conversation, Event, Message, MessagePayload, User};
pub use signal::Signal;

/// The API version this client speaks.
pub const API_VERSION: &str = "1.0.0";
