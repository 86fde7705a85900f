//! Realtime listening.
//!
//! The pure parts — reconnect policy ([`backoff`]), exactly-once delivery
//! across reconnects ([`backfill`]) and streamed-reply assembly
//! ([`assembler`]), the connection state a UI shows ([`state`]) — are plain
//! state machines; [`driver`] is the listening
//! loop that runs them over a host's [`Transport`](driver::Transport), and
//! [`SignalStream`] is that loop as a Rust `Stream` of typed signals
//! (`AuthenticatedClient::listen_conversation`). All of it is tested natively (the loop over the fake host's scripted
//! connections and virtual clock).

pub mod assembler;
pub mod backfill;
pub mod backoff;
pub mod driver;
pub mod idset;
mod listen;
pub mod sends;
pub mod state;

pub use assembler::{StreamAssembler, StreamOutcome, StreamUpdate};
pub use backfill::{Delivered, Listed, Since, Watermark};
pub use backoff::{is_final, Backoff};
pub use listen::SignalStream;
pub use state::ConnectionState;

/// Which transport carries the signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// Server-Sent Events read from a streamed `fetch` body, key in the
    /// `x-user-key` header (browsers, Node 18+, workers; the cloud's choice).
    #[default]
    Sse,
    /// The host's native `EventSource`, key in the `x-user-key` query
    /// parameter (browsers; accepted by the local server, not by the cloud).
    EventSource,
    /// WebSocket on the same path, key in the query, one JSON text frame per
    /// signal.
    WebSocket,
}

impl Protocol {
    /// Parses the JS `protocol` option.
    pub fn from_name(name: &str) -> Option<Protocol> {
        match name {
            "sse" => Some(Protocol::Sse),
            "eventsource" => Some(Protocol::EventSource),
            "websocket" => Some(Protocol::WebSocket),
            _ => None,
        }
    }

    /// The name the JS `protocol` option uses (`"sse"`).
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Sse => "sse",
            Protocol::EventSource => "eventsource",
            Protocol::WebSocket => "websocket",
        }
    }
}

/// Options of `listen_conversation`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListenOptions {
    /// How signals are carried.
    pub protocol: Protocol,
    /// Reconnect after failures, backfilling missed messages (default). With
    /// `false` a failure ends the stream, as in the official client.
    pub reconnect: bool,
    /// No byte for this long counts as a dropped connection, and so does a
    /// connection that has not opened within it (default 60 s).
    pub timeout_ms: u32,
    /// Waits between reconnection attempts.
    pub backoff: Backoff,
    /// Deliver first, oldest first, the messages created after this point
    /// (as `message_created`), then the live signals. `None`: only what is
    /// created once the listener is live.
    pub since: Option<Since>,
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions {
            protocol: Protocol::Sse,
            reconnect: true,
            timeout_ms: 60_000,
            backoff: Backoff::default(),
            since: None,
        }
    }
}

/// The listen URL: `{base}/conversations/{id}/listen`, with the key in the
/// query for transports that cannot send headers, and `ws(s)` for WebSocket.
pub fn listen_url(api_url: &str, conversation_id: &str, key: &str, protocol: Protocol) -> String {
    let base = api_url.trim_end_matches('/');
    let id = crate::api::encode_component(conversation_id);
    let mut url = format!("{base}/conversations/{id}/listen");
    if protocol != Protocol::Sse {
        url.push_str("?x-user-key=");
        url.push_str(&crate::api::encode_component(key));
    }
    if protocol == Protocol::WebSocket {
        if let Some(rest) = url.strip_prefix("https://") {
            url = format!("wss://{rest}");
        } else if let Some(rest) = url.strip_prefix("http://") {
            url = format!("ws://{rest}");
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            listen_url("http://h:1/local/", "c 1", "k", Protocol::Sse),
            "http://h:1/local/conversations/c%201/listen"
        );
        assert_eq!(
            listen_url("https://chat.botpress.cloud/w", "c", "a.b+c", Protocol::WebSocket),
            "wss://chat.botpress.cloud/w/conversations/c/listen?x-user-key=a.b%2Bc"
        );
        assert_eq!(
            listen_url("http://h", "c", "k", Protocol::EventSource),
            "http://h/conversations/c/listen?x-user-key=k"
        );
        assert_eq!(Protocol::from_name("websocket"), Some(Protocol::WebSocket));
        assert_eq!(Protocol::from_name("ws"), None);
    }
}
