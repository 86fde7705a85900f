//! Transport: the streams the listener reads (a streamed `fetch` body,
//! `EventSource`, `WebSocket`); the request/response exchange is
//! [`WebHost`](crate::WebHost)'s.

pub mod conn;
pub mod eventsource;
pub(crate) mod keys;
pub mod stream;
pub mod websocket;
