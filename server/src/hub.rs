//! Signal fan-out: one broadcast channel per listened conversation (every
//! frame encoded once), one close channel per listening user, and the
//! webhook queue.

use axum::extract::ws::Utf8Bytes;
use botpress_chat::Signal;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, mpsc};

/// Capacity of a conversation's channel. A listener that falls this far
/// behind is disconnected (it reconnects and backfills with listMessages)
/// rather than silently losing signals.
pub const CONVERSATION_CAPACITY: usize = 65_536;

/// One signal, encoded once for every listener.
#[derive(Debug)]
pub struct Frame {
    /// The compact JSON envelope (WebSocket text frame, webhook body).
    pub text: Utf8Bytes,
    /// `event: message\ndata: <json>\n\n`.
    pub sse: Bytes,
}

impl Frame {
    /// A frame for an envelope's compact JSON text.
    pub fn new(json: String) -> Frame {
        let mut sse = Vec::with_capacity(json.len() + 24);
        sse.extend_from_slice(b"event: message\ndata: ");
        sse.extend_from_slice(json.as_bytes());
        sse.extend_from_slice(b"\n\n");
        Frame { text: Utf8Bytes::from(json), sse: Bytes::from(sse) }
    }
}

/// The SSE keep-alive frame.
pub const SSE_PING: &[u8] = b"event: message\ndata: ping\n\n";

/// Why a user's streams must close: the conversation's internal id, or
/// `None` for all of that user's streams.
pub type CloseNotice = Option<Arc<str>>;

/// Routes signals to the listeners of each conversation (and to the webhook), and
/// tells a user's streams when they must close.
pub struct Hub {
    capacity: usize,
    conversations: Mutex<HashMap<String, broadcast::Sender<Arc<Frame>>>>,
    users: Mutex<HashMap<String, broadcast::Sender<CloseNotice>>>,
    webhook: Option<mpsc::UnboundedSender<Bytes>>,
}

/// What a listener holds.
pub struct Subscription {
    /// The conversation's signals.
    pub signals: broadcast::Receiver<Arc<Frame>>,
    /// Notices that the stream must close.
    pub closes: broadcast::Receiver<CloseNotice>,
    /// The conversation's internal id.
    pub conversation: String,
}

impl Hub {
    /// `capacity`: how many signals a listener may fall behind before it is
    /// disconnected ([`CONVERSATION_CAPACITY`] normally).
    pub fn new(webhook: Option<mpsc::UnboundedSender<Bytes>>, capacity: usize) -> Hub {
        Hub { capacity: capacity.max(1), conversations: Mutex::default(), users: Mutex::default(), webhook }
    }

    /// Sends a signal to every listener of the conversation (internal id)
    /// and to the webhook.
    pub fn publish(&self, conversation: &str, signal: &Signal) {
        let json = signal.to_json();
        let has_listeners = {
            let convs = self.conversations.lock().unwrap_or_else(|e| e.into_inner());
            convs.get(conversation).is_some_and(|tx| tx.receiver_count() > 0)
        };
        if has_listeners || self.webhook.is_some() {
            let frame = Arc::new(Frame::new(json));
            if let Some(w) = &self.webhook {
                let _ = w.send(Bytes::from(frame.text.clone()));
            }
            if has_listeners {
                let mut convs = self.conversations.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(tx) = convs.get(conversation) {
                    if tx.send(frame).is_err() {
                        convs.remove(conversation);
                    }
                }
            }
        }
    }

    /// Subscribes a user's listener to a conversation.
    pub fn subscribe(&self, conversation: &str, user: &str) -> Subscription {
        let signals = {
            let mut convs = self.conversations.lock().unwrap_or_else(|e| e.into_inner());
            // Free the buffers of conversations nobody listens to any more.
            convs.retain(|c, tx| tx.receiver_count() > 0 || c == conversation);
            convs.entry(conversation.to_string()).or_insert_with(|| broadcast::channel(self.capacity).0).subscribe()
        };
        let closes = {
            let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
            users.retain(|_, tx| tx.receiver_count() > 0);
            users.entry(user.to_string()).or_insert_with(|| broadcast::channel(16).0).subscribe()
        };
        Subscription { signals, closes, conversation: conversation.to_string() }
    }

    /// Closes the user's streams on one conversation (or on all when `None`).
    pub fn close_user(&self, user: &str, conversation: Option<&str>) {
        let users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = users.get(user) {
            let _ = tx.send(conversation.map(Arc::from));
        }
    }

    /// Closes every stream of a conversation.
    pub fn close_conversation(&self, conversation: &str) {
        self.conversations.lock().unwrap_or_else(|e| e.into_inner()).remove(conversation);
    }

    /// Number of open listeners on a conversation.
    pub fn listeners(&self, conversation: &str) -> usize {
        let convs = self.conversations.lock().unwrap_or_else(|e| e.into_inner());
        convs.get(conversation).map_or(0, |tx| tx.receiver_count())
    }
}

impl Subscription {
    /// Whether a close notice applies to this listener.
    pub fn closes_me(&self, notice: &CloseNotice) -> bool {
        match notice {
            None => true,
            Some(c) => **c == *self.conversation,
        }
    }
}
