//! The npm package of the Botpress Chat API client: the [`botpress_chat`]
//! core over a host made of the JS globals, and one thin `#[wasm_bindgen]`
//! facade that is a drop-in for `@botpress/chat`.
//!
//! - [`host`]: every JS global the package calls, in one place, and
//!   [`WebHost`], the core's [`Host`](botpress_chat::host::Host) over them;
//! - `transport`: the listening connections (streamed `fetch`,
//!   `EventSource`, WebSocket), the core's `Transport` for [`WebHost`];
//! - [`realtime`]: the core's listening loop and the Rust `Stream` of signals;
//! - `js`: the facade (`ChatClient`, `Client`, listeners, `decodeSignal`),
//!   which carries values across the boundary and decides nothing itself;
//! - `heap`: the package's global allocator (feature `small-alloc`).
//!
//! The core's modules are re-exported, so `botpress_chat_wasm::api` is
//! `botpress_chat::api`, and [`client`] names the core's client types over
//! [`WebHost`].
// Unit tests also link the property tests' dev-dependencies.
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub use botpress_chat::{api, error, model, protocol, schema, signal, API_VERSION};
pub use botpress_chat::{ApiErrorType, Conversation, Error, ErrorKind, Event, Message, MessagePayload, Signal, User};

#[cfg(target_arch = "wasm32")]
pub mod host;
#[cfg(target_arch = "wasm32")]
pub use host::WebHost;

/// The core's client over [`WebHost`].
#[cfg(target_arch = "wasm32")]
pub mod client {
    pub use botpress_chat::client::{Auth, ClientOptions, DEFAULT_BASE_API_URL, DEFAULT_TIMEOUT_MS};

    use crate::WebHost;

    /// A client for one Chat API over the JS globals.
    pub type Client = botpress_chat::client::Client<WebHost>;
    /// A client bound to one user.
    pub type AuthenticatedClient = botpress_chat::client::AuthenticatedClient<WebHost>;
    /// Per-call options: an `AbortSignal` and a timeout.
    pub type CallOptions = botpress_chat::client::CallOptions<web_sys::AbortSignal>;
}

/// Realtime listening: the core's (its loop runs over the web host's
/// transports; `AuthenticatedClient::listen_conversation` gives the Rust
/// `Stream` of signals).
pub mod realtime {
    pub use botpress_chat::realtime::*;
}

// The allocator is the application's choice; this crate is the application of
// the npm package (its cdylib), and the feature lets a Rust program that links
// it as a library keep its own.
#[cfg(any(test, all(target_arch = "wasm32", feature = "small-alloc")))]
mod heap;
#[cfg(all(target_arch = "wasm32", feature = "small-alloc"))]
#[global_allocator]
static ALLOC: heap::SizeClassAlloc = heap::SizeClassAlloc::new();
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod transport;
