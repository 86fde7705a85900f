//! Transport: the only code touching `web-sys`/`gloo-net`.

pub mod eventsource;
pub mod fetch;
pub(crate) mod keys;
pub mod stream;
pub mod websocket;
