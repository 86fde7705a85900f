//! Transport: the only code touching `web-sys` for the network (`fetch`,
//! `EventSource`, `WebSocket`).

pub mod eventsource;
pub mod fetch;
pub(crate) mod keys;
pub mod stream;
pub mod websocket;
