//! Transport: the only code touching `web-sys`/`gloo-net`.

pub mod eventsource;
pub mod fetch;
pub mod stream;
pub mod websocket;
