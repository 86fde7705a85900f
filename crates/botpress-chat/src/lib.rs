//! A client for the [Botpress Chat API]: the HTTP API through which an app
//! chats with a bot — users, conversations, messages, custom events,
//! participants and realtime signals.
//!
//! Natively it runs on tokio ([`native::NativeHost`]: `reqwest` with rustls,
//! SSE and WebSocket); compiled to wasm, the npm package
//! `botpress-chat-wasm` runs the same client over the JS globals. The client
//! checks arguments before any request, retries reads on 429/502/503/504,
//! reconnects listeners by itself and delivers each message of a
//! conversation exactly once across reconnects, and with the default feature
//! `exactly-once` creates each message exactly once across network failures.
//!
//! [Botpress Chat API]: https://botpress.com/docs/api-documentation/chat-api
//!
//! # Chat
//!
//! ```no_run
//! use botpress_chat::api::{CreateConversationInput, CreateMessageInput};
//! use botpress_chat::client::{Auth, Client, ClientOptions};
//! use botpress_chat::realtime::ListenOptions;
//! use botpress_chat::{MessagePayload, Signal};
//! use futures::StreamExt;
//!
//! # async fn run() -> Result<(), botpress_chat::Error> {
//! // `ClientOptions::webhook("…")` for a bot on the hosted service.
//! let client = Client::new(ClientOptions::new("http://127.0.0.1:8080/local"))?;
//! // Shared mode: the server makes the user and its key (keep `chat.key()`
//! // to come back as the same user with `Auth::UserKey`).
//! let chat = client.connect(Auth::CreateUser { user_id: None }).await?;
//! let conversation = chat.create_conversation(&CreateConversationInput::default()).await?.conversation;
//!
//! let mut signals = chat.listen_conversation(&conversation.id, ListenOptions::default());
//! signals.connected().await?;
//! chat.create_message(&CreateMessageInput {
//!     conversation_id: conversation.id.clone(),
//!     payload: MessagePayload::text("hello"),
//!     metadata: None,
//! })
//! .await?;
//! while let Some(signal) = signals.next().await {
//!     if let Signal::MessageCreated(m) = signal? {
//!         if m.is_bot {
//!             println!("bot: {:?}", m.payload);
//!             break;
//!         }
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! A [`client::Client`] is cheap to clone and, natively, `Send + Sync` with
//! `Send` futures: share it between tokio tasks. Dropping a
//! [`realtime::SignalStream`] closes its connection.
//!
//! # Errors, timeouts, cancellation
//!
//! Every failure is an [`Error`] whose [`ErrorKind`] says what happened: the
//! API's error types (`Api(ApiErrorType::ResourceNotFound)`, …), `Network`,
//! `Timeout`, `Aborted`, `Config` (refused before any request), `Decode`,
//! `UnknownOutcome`. Per call, [`client::CallOptions`] sets a timeout and a
//! cancellation signal (natively a [`native::CancellationToken`]):
//!
//! ```no_run
//! # async fn run(chat: botpress_chat::client::AuthenticatedClient) {
//! use botpress_chat::api::GetConversationInput;
//! use botpress_chat::client::CallOptions;
//! use botpress_chat::{ApiErrorType, ErrorKind};
//!
//! let opts = CallOptions { timeout_ms: Some(5_000), ..Default::default() };
//! let input = GetConversationInput { id: "conv_x".into() };
//! match chat.call_with(&input, &opts).await {
//!     Ok(found) => println!("{}", found.conversation.id),
//!     Err(e) if e.kind == ErrorKind::Api(ApiErrorType::ResourceNotFound) => println!("no such conversation"),
//!     Err(e) => println!("{e}"),
//! }
//! # }
//! ```
//!
//! # Webhooks
//!
//! A service that receives the integration's webhook reads each body as a
//! [`Signal`] ([`Signal::check_envelope`] tells a malformed body apart); the
//! `webhook` example is such a service, with axum.
//!
//! ```
//! use botpress_chat::Signal;
//!
//! let body = r#"{"type":"participant_added","data":{"conversationId":"c","participantId":"u"}}"#;
//! let value = serde_json::from_str(body).unwrap();
//! assert!(Signal::check_envelope(&value).is_ok());
//! assert_eq!(Signal::from_value(value).kind(), "participant_added");
//! ```
//!
//! # Layers
//!
//! Bottom up:
//! - pure data: [`model`], [`api`] (the operation table and [`api::Spec`],
//!   which checks arguments and builds requests), [`signal`], [`error`], and
//!   [`schema`] (the record tables every answer and signal is checked by);
//! - pure protocol, no I/O: [`protocol`] (JWT signing, JSON decoding, SSE
//!   framing, response classification, retry policy) and the pure parts of
//!   [`realtime`] (backoff, exactly-once backfill, stream assembly);
//! - [`once`]: what a failed `createMessage` means and how the client finds
//!   out whether it created the message (pure rules);
//! - [`client`]: the client over a [`host::Host`], with [`sync`] for what
//!   it shares between tasks; [`native`] is the host on tokio (not on wasm:
//!   the npm package brings its own over the JS globals, and the unit tests
//!   one with a virtual clock).
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
