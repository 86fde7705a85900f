//! The echo bot's writes: its messages (stored), stream chunks and custom
//! events (signalled only).

use botpress_chat::model::JsonObject;
use botpress_chat::signal::{EventCreated, MessageCreated, MessageStreamComplete, MessageStreamDelta};
use botpress_chat::{Message, MessagePayload, Signal};
use serde_json::Value;

use super::{Store, BOT_ID};
use crate::error::ApiResult;
use crate::util::{iso, now_iso};

impl Store {
    /// The conversation's canonical id if it still exists and the bot is in it.
    pub fn bot_conversation(&self, conv: &str) -> rusqlite::Result<Option<String>> {
        if !self.is_participant(conv, BOT_ID)? {
            return Ok(None);
        }
        Ok(self.conv_by_ref(conv)?.map(|c| c.canonical().to_string()))
    }

    /// Stores and signals a bot message. A string `metadata.streamId` makes it
    /// the end of a streamed reply: `message_stream_complete` goes out first.
    pub fn bot_message(
        &mut self,
        conv: &str,
        conv_canonical: &str,
        payload: MessagePayload,
        metadata: Option<JsonObject>,
    ) -> ApiResult<()> {
        let (id, ms) = self.insert_message(conv, BOT_ID, &payload, metadata.as_ref())?;
        let message = Message {
            id,
            created_at: iso(ms),
            conversation_id: conv_canonical.to_string(),
            user_id: BOT_ID.to_string(),
            payload,
            metadata,
        };
        if let Some(stream_id) = message.metadata.as_ref().and_then(|m| m.get("streamId")).and_then(Value::as_str) {
            let s = Signal::MessageStreamComplete(MessageStreamComplete {
                stream_id: stream_id.to_string(),
                message: message.clone(),
            });
            self.publish(conv, &s);
        }
        self.publish(conv, &Signal::MessageCreated(MessageCreated::from_message(message, true)));
        Ok(())
    }

    /// Signals one chunk of a streamed bot reply (not stored).
    pub fn bot_delta(&self, conv: &str, conv_canonical: &str, stream_id: &str, sequence: u64, delta: String) {
        let s = Signal::MessageStreamDelta(MessageStreamDelta {
            stream_id: stream_id.to_string(),
            conversation_id: conv_canonical.to_string(),
            user_id: BOT_ID.to_string(),
            created_at: now_iso(),
            client_message_id: None,
            sequence,
            delta,
        });
        self.publish(conv, &s);
    }

    /// Signals a bot custom event (not stored, `id: null`).
    pub fn bot_event(&self, conv: &str, conv_canonical: &str, payload: JsonObject) {
        let s = Signal::EventCreated(EventCreated {
            id: None,
            created_at: now_iso(),
            conversation_id: conv_canonical.to_string(),
            user_id: BOT_ID.to_string(),
            payload,
            is_bot: true,
        });
        self.publish(conv, &s);
    }
}
