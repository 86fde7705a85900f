//! Realtime signals (PROTOCOL.md §7.5): the envelope `{"type", "data"}` published to
//! every listener of a conversation and to webhooks.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{JsonObject, Message, MessagePayload};

crate::record! {
    /// `message_created`: a message as stored, plus whether the bot sent it.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields, rename = "MessageCreatedSignal"))]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct MessageCreated {
        /// The message's id.
        id as "id": String,
        /// When the message was created (ISO 8601).
        created_at as "createdAt": String,
        /// The conversation the message belongs to.
        conversation_id as "conversationId": String,
        /// The author's user id.
        user_id as "userId": String,
        /// What the message carries.
        #[cfg_attr(feature = "ts", ts(as = "crate::model::KnownPayload"))]
        payload as "payload": MessagePayload,
        /// Caller-defined data stored with the message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(type = "JsonObject"))]
        metadata as "metadata": Option<JsonObject>,
        /// Whether the bot sent the message.
        is_bot as "isBot": bool,
    }
}

impl MessageCreated {
    /// The signal for a stored message.
    pub fn from_message(m: Message, is_bot: bool) -> Self {
        MessageCreated {
            id: m.id,
            created_at: m.created_at,
            conversation_id: m.conversation_id,
            user_id: m.user_id,
            payload: m.payload,
            metadata: m.metadata,
            is_bot,
        }
    }

    /// The message without `isBot`.
    pub fn into_message(self) -> Message {
        Message {
            id: self.id,
            created_at: self.created_at,
            conversation_id: self.conversation_id,
            user_id: self.user_id,
            payload: self.payload,
            metadata: self.metadata,
        }
    }
}

crate::record! {
    /// `message_deleted`.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields, rename = "MessageDeletedSignal"))]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct MessageDeleted {
        /// The deleted message's id.
        id as "id": String,
        /// The conversation it belonged to.
        conversation_id as "conversationId": String,
        /// The author's user id.
        user_id as "userId": String,
    }
}

crate::record! {
    /// `event_created`: `id` is `None` for bot events, which are not stored.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "EventCreatedSignal"))]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct EventCreated {
        /// The event's id; `None` for bot events.
        id as "id": Option<String>,
        /// When the event was created (ISO 8601).
        created_at as "createdAt": String,
        /// The conversation the event belongs to.
        conversation_id as "conversationId": String,
        /// The user who sent it.
        user_id as "userId": String,
        /// The event's data.
        #[cfg_attr(feature = "ts", ts(type = "JsonObject"))]
        payload as "payload": JsonObject,
        /// Whether the bot sent the event.
        is_bot as "isBot": bool,
    }
}

crate::record! {
    /// `participant_added` and `participant_removed`.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields, rename = "ParticipantChangeSignal"))]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ParticipantChange {
        /// The conversation whose participants changed.
        conversation_id as "conversationId": String,
        /// The user who was added or removed.
        participant_id as "participantId": String,
    }
}

crate::record! {
    /// `message_stream_delta`: one chunk of a bot reply in progress.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields, rename = "MessageStreamDeltaSignal"))]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct MessageStreamDelta {
        /// Identifies the streamed reply; every delta and its end carry it.
        stream_id as "streamId": String,
        /// The conversation the reply is written to.
        conversation_id as "conversationId": String,
        /// The author's user id (the bot).
        user_id as "userId": String,
        /// When the stream started (ISO 8601).
        created_at as "createdAt": String,
        /// An id the sender chose for the message, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_message_id as "clientMessageId": Option<String>,
        /// Position of this delta in the stream, from 0; deltas may arrive out of order.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        sequence as "sequence": u64,
        /// The text this delta adds.
        delta as "delta": String,
    }
}

crate::record! {
    /// `message_stream_complete`: the final stored message of a streamed reply.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields, rename = "MessageStreamCompleteSignal"))]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct MessageStreamComplete {
        /// The stream that ended.
        stream_id as "streamId": String,
        /// The message as stored, with the full text.
        message as "message": Message,
    }
}

crate::record! {
    /// `message_stream_abort`.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields, rename = "MessageStreamAbortSignal"))]
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct MessageStreamAbort {
        /// The stream that was abandoned.
        stream_id as "streamId": String,
        /// The conversation it was written to.
        conversation_id as "conversationId": String,
    }
}

/// The 8 known signal kinds, in the official client's matching order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignalKind {
    /// `message_created`.
    MessageCreated,
    /// `message_stream_delta`.
    MessageStreamDelta,
    /// `message_stream_complete`.
    MessageStreamComplete,
    /// `message_stream_abort`.
    MessageStreamAbort,
    /// `event_created`.
    EventCreated,
    /// `participant_added`.
    ParticipantAdded,
    /// `participant_removed`.
    ParticipantRemoved,
    /// `message_deleted`.
    MessageDeleted,
}

impl SignalKind {
    /// Every kind, in matching order.
    pub const ALL: [SignalKind; 8] = [
        SignalKind::MessageCreated,
        SignalKind::MessageStreamDelta,
        SignalKind::MessageStreamComplete,
        SignalKind::MessageStreamAbort,
        SignalKind::EventCreated,
        SignalKind::ParticipantAdded,
        SignalKind::ParticipantRemoved,
        SignalKind::MessageDeleted,
    ];

    /// The envelope's `type` string.
    pub const fn name(self) -> &'static str {
        SIGNAL_TYPES[self as usize]
    }

    /// The kind of a `type` string; `None` for a kind this version does not know.
    pub fn from_name(name: &str) -> Option<SignalKind> {
        SignalKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The fields of this kind's `data`.
    pub fn fields(self) -> &'static crate::schema::Fields {
        use crate::schema::Record;
        match self {
            SignalKind::MessageCreated => MessageCreated::FIELDS,
            SignalKind::MessageStreamDelta => MessageStreamDelta::FIELDS,
            SignalKind::MessageStreamComplete => MessageStreamComplete::FIELDS,
            SignalKind::MessageStreamAbort => MessageStreamAbort::FIELDS,
            SignalKind::EventCreated => EventCreated::FIELDS,
            SignalKind::ParticipantAdded | SignalKind::ParticipantRemoved => ParticipantChange::FIELDS,
            SignalKind::MessageDeleted => MessageDeleted::FIELDS,
        }
    }

    /// Whether it is one of the three `message_stream_*` kinds.
    pub fn is_stream(self) -> bool {
        matches!(
            self,
            SignalKind::MessageStreamDelta | SignalKind::MessageStreamComplete | SignalKind::MessageStreamAbort
        )
    }
}

/// The type strings of the 8 known signals, in [`SignalKind::ALL`] order.
pub const SIGNAL_TYPES: [&str; 8] = [
    "message_created",
    "message_stream_delta",
    "message_stream_complete",
    "message_stream_abort",
    "event_created",
    "participant_added",
    "participant_removed",
    "message_deleted",
];

/// A realtime signal. Kinds this version does not know, and known kinds
/// whose data does not match their shape, arrive as `Unknown` with the raw
/// `data`, so nothing is dropped.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Signal {
    /// `message_created`.
    MessageCreated(MessageCreated),
    /// `message_stream_delta`.
    MessageStreamDelta(MessageStreamDelta),
    /// `message_stream_complete`.
    MessageStreamComplete(MessageStreamComplete),
    /// `message_stream_abort`.
    MessageStreamAbort(MessageStreamAbort),
    /// `event_created`.
    EventCreated(EventCreated),
    /// `participant_added`.
    ParticipantAdded(ParticipantChange),
    /// `participant_removed`.
    ParticipantRemoved(ParticipantChange),
    /// `message_deleted`.
    MessageDeleted(MessageDeleted),
    /// Any other signal, or a known kind whose data did not decode.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    Unknown {
        /// The signal's `type` string (`"unknown"` when there was none).
        kind: String,
        /// The signal's `data`, as received (the whole envelope when it had no `type`).
        data: Value,
    },
}

impl Signal {
    /// The signal's `type` string.
    pub fn kind(&self) -> &str {
        match self {
            Signal::MessageCreated(_) => "message_created",
            Signal::MessageStreamDelta(_) => "message_stream_delta",
            Signal::MessageStreamComplete(_) => "message_stream_complete",
            Signal::MessageStreamAbort(_) => "message_stream_abort",
            Signal::EventCreated(_) => "event_created",
            Signal::ParticipantAdded(_) => "participant_added",
            Signal::ParticipantRemoved(_) => "participant_removed",
            Signal::MessageDeleted(_) => "message_deleted",
            Signal::Unknown { kind, .. } => kind,
        }
    }

    /// Decodes an already-parsed envelope. Never fails: anything that is not
    /// a known, well-formed signal becomes `Unknown` (a non-object or an
    /// envelope without a string `type` gets the kind `"unknown"` and the
    /// whole value as data).
    pub fn from_value(value: Value) -> Signal {
        let kind = match value.get("type").and_then(Value::as_str) {
            Some(k) if value.get("data").is_some() => k.to_string(),
            _ => return Signal::Unknown { kind: "unknown".into(), data: value },
        };
        if !SIGNAL_TYPES.contains(&kind.as_str()) {
            let data = value.get("data").cloned().unwrap_or(Value::Null);
            return Signal::Unknown { kind, data };
        }
        // Read from a borrow: the value is needed again only when it does not decode.
        match Signal::deserialize(&value) {
            Ok(s) => s,
            Err(_) => Signal::Unknown { kind, data: value.get("data").cloned().unwrap_or(Value::Null) },
        }
    }

    /// Checks an envelope strictly (a webhook body, `decodeSignal`): the kind
    /// when it is known and its data has that kind's shape, `None` for a kind
    /// this version does not know, and otherwise what is wrong.
    pub fn check_envelope(value: &Value) -> Result<Option<SignalKind>, String> {
        let Some(ty) = value.get("type").and_then(Value::as_str) else {
            return Err("not a signal envelope (missing string `type`)".into());
        };
        if value.get("data").is_none() {
            return Err(format!("signal `{ty}` has no `data`"));
        }
        let Some(kind) = SignalKind::from_name(ty) else { return Ok(None) };
        match crate::schema::check(&value["data"], kind.fields(), "data") {
            Ok(()) => Ok(Some(kind)),
            Err(e) => Err(format!("invalid `{ty}` signal: {e}")),
        }
    }

    /// The envelope as compact JSON, as the server writes it on the wire.
    pub fn to_json(&self) -> String {
        match self {
            Signal::Unknown { kind, data } => serde_json::json!({ "type": kind, "data": data }).to_string(),
            known => serde_json::to_string(known).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_and_names_agree() {
        for (i, k) in SignalKind::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i);
            assert_eq!(SignalKind::from_name(k.name()), Some(*k));
        }
        assert_eq!(SignalKind::from_name("typing"), None);
        assert_eq!(SignalKind::ALL.iter().filter(|k| k.is_stream()).count(), 3);
    }

    #[test]
    fn known_signals_decode_and_reencode() {
        let v = json!({"type":"message_created","data":{"id":"m1","createdAt":"2025-01-01T00:00:00.000Z",
            "conversationId":"c","userId":"u","payload":{"type":"text","text":"hi"},"isBot":true}});
        let s = Signal::from_value(v.clone());
        assert!(matches!(&s, Signal::MessageCreated(m) if m.is_bot && m.id == "m1"));
        assert_eq!(serde_json::from_str::<Value>(&s.to_json()).unwrap(), v);

        let v = json!({"type":"event_created","data":{"id":null,"createdAt":"t","conversationId":"c",
            "userId":"bot","payload":{"a":1},"isBot":true}});
        assert!(matches!(Signal::from_value(v), Signal::EventCreated(e) if e.id.is_none()));

        let v = json!({"type":"participant_removed","data":{"conversationId":"c","participantId":"p"}});
        assert_eq!(Signal::from_value(v).kind(), "participant_removed");
    }

    #[test]
    fn unknown_and_malformed_become_unknown() {
        let s = Signal::from_value(json!({"type":"typing_started","data":{"x":1}}));
        assert_eq!(s, Signal::Unknown { kind: "typing_started".into(), data: json!({"x":1}) });
        let s = Signal::from_value(json!({"type":"message_deleted","data":{"id":5}}));
        assert_eq!(s.kind(), "message_deleted");
        assert!(matches!(s, Signal::Unknown { .. }));
        let s = Signal::from_value(json!("ping"));
        assert_eq!(s, Signal::Unknown { kind: "unknown".into(), data: json!("ping") });
    }
}
