//! Assembly of streamed bot replies: `message_stream_delta` chunks ordered by
//! `sequence` (out-of-order and duplicate safe), finished by
//! `message_stream_complete` or `message_stream_abort`.

use crate::signal::Signal;

/// Open streams kept at most (the oldest is dropped beyond this).
pub const MAX_OPEN_STREAMS: usize = 256;
/// Finished streams remembered, so a late caller still gets the outcome.
pub const MAX_FINISHED_STREAMS: usize = 64;

/// How a stream ended.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamOutcome<M> {
    /// The final message, and the text assembled from the deltas.
    Complete {
        /// The final message.
        message: M,
        /// The text assembled from the deltas.
        text: String,
    },
    /// The stream was abandoned.
    Aborted,
}

/// What one signal did to the streams.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamUpdate {
    /// A delta arrived: the text so far (deltas ordered by sequence).
    Delta {
        /// The stream.
        stream_id: String,
        /// The text so far.
        text: String,
    },
    /// The stream ended with its final message.
    Completed {
        /// The stream.
        stream_id: String,
    },
    /// The stream was abandoned.
    Aborted {
        /// The stream.
        stream_id: String,
    },
}

/// Assembles streams; `M` is the final message's representation (a Rust
/// [`Message`](crate::Message) or a JS object).
#[derive(Debug, Clone)]
pub struct StreamAssembler<M> {
    /// Open streams, oldest first, each with its deltas sorted by sequence.
    /// (Few streams are open at once: a list is smaller and as fast as a map.)
    open: Vec<(String, Vec<(u64, String)>)>,
    finished: Vec<(String, StreamOutcome<M>)>,
}

impl<M> Default for StreamAssembler<M> {
    fn default() -> Self {
        StreamAssembler { open: Vec::new(), finished: Vec::new() }
    }
}

impl<M: Clone> StreamAssembler<M> {
    /// An assembler with no streams.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a delta; returns the text so far.
    pub fn delta(&mut self, stream_id: &str, sequence: u64, delta: &str) -> String {
        let i = match self.open.iter().position(|(id, _)| id == stream_id) {
            Some(i) => i,
            None => {
                if self.open.len() >= MAX_OPEN_STREAMS {
                    self.open.remove(0);
                }
                self.open.push((stream_id.to_string(), Vec::new()));
                self.open.len() - 1
            }
        };
        let parts = &mut self.open[i].1;
        match parts.binary_search_by_key(&sequence, |p| p.0) {
            Ok(i) => parts[i].1 = delta.to_string(),
            Err(i) => parts.insert(i, (sequence, delta.to_string())),
        }
        concat(parts)
    }

    /// The text so far of an open stream, or the final text of a finished one.
    pub fn text(&self, stream_id: &str) -> Option<String> {
        if let Some((_, parts)) = self.open.iter().find(|(id, _)| id == stream_id) {
            return Some(concat(parts));
        }
        match self.outcome(stream_id)? {
            StreamOutcome::Complete { text, .. } => Some(text.clone()),
            StreamOutcome::Aborted => None,
        }
    }

    /// The stream completed with its final message.
    pub fn complete(&mut self, stream_id: &str, message: M) -> StreamOutcome<M> {
        let text = self.take(stream_id);
        self.finish(stream_id, StreamOutcome::Complete { message, text })
    }

    /// The stream was aborted.
    pub fn abort(&mut self, stream_id: &str) -> StreamOutcome<M> {
        self.take(stream_id);
        self.finish(stream_id, StreamOutcome::Aborted)
    }

    /// How a recently finished stream ended.
    pub fn outcome(&self, stream_id: &str) -> Option<&StreamOutcome<M>> {
        self.finished.iter().rev().find(|(id, _)| id == stream_id).map(|(_, o)| o)
    }

    /// Whether deltas were seen for a stream that has not finished.
    pub fn is_open(&self, stream_id: &str) -> bool {
        self.open.iter().any(|(id, _)| id == stream_id)
    }

    fn take(&mut self, stream_id: &str) -> String {
        match self.open.iter().position(|(id, _)| id == stream_id) {
            Some(i) => concat(&self.open.remove(i).1),
            None => String::new(),
        }
    }

    fn finish(&mut self, stream_id: &str, outcome: StreamOutcome<M>) -> StreamOutcome<M> {
        if self.finished.len() >= MAX_FINISHED_STREAMS {
            self.finished.remove(0);
        }
        self.finished.push((stream_id.to_string(), outcome.clone()));
        outcome
    }
}

fn concat(parts: &[(u64, String)]) -> String {
    parts.iter().map(|p| p.1.as_str()).collect()
}

impl StreamAssembler<crate::Message> {
    /// Feeds a decoded signal; other kinds are ignored.
    pub fn push(&mut self, signal: &Signal) -> Option<StreamUpdate> {
        match signal {
            Signal::MessageStreamDelta(d) => {
                let text = self.delta(&d.stream_id, d.sequence, &d.delta);
                Some(StreamUpdate::Delta { stream_id: d.stream_id.clone(), text })
            }
            Signal::MessageStreamComplete(c) => {
                self.complete(&c.stream_id, c.message.clone());
                Some(StreamUpdate::Completed { stream_id: c.stream_id.clone() })
            }
            Signal::MessageStreamAbort(a) => {
                self.abort(&a.stream_id);
                Some(StreamUpdate::Aborted { stream_id: a.stream_id.clone() })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::{MessageStreamAbort, MessageStreamComplete, MessageStreamDelta};
    use crate::{Message, MessagePayload};

    fn delta(id: &str, seq: u64, d: &str) -> Signal {
        Signal::MessageStreamDelta(MessageStreamDelta {
            stream_id: id.into(),
            conversation_id: "c".into(),
            user_id: "bot".into(),
            created_at: "t".into(),
            client_message_id: None,
            sequence: seq,
            delta: d.into(),
        })
    }

    fn message(text: &str) -> Message {
        Message {
            id: "m".into(),
            created_at: "t".into(),
            conversation_id: "c".into(),
            user_id: "bot".into(),
            payload: MessagePayload::text(text),
            metadata: None,
        }
    }

    #[test]
    fn out_of_order_and_duplicate_deltas() {
        let mut a = StreamAssembler::new();
        a.push(&delta("s", 2, "c"));
        a.push(&delta("s", 0, "a"));
        a.push(&delta("s", 2, "c"));
        let u = a.push(&delta("s", 1, "b")).unwrap();
        assert_eq!(u, StreamUpdate::Delta { stream_id: "s".into(), text: "abc".into() });
        assert!(a.push(&Signal::Unknown { kind: "x".into(), data: serde_json::Value::Null }).is_none());
        a.push(&Signal::MessageStreamComplete(MessageStreamComplete {
            stream_id: "s".into(),
            message: message("abc"),
        }));
        assert!(!a.is_open("s"));
        match a.outcome("s").unwrap() {
            StreamOutcome::Complete { message, text } => {
                assert_eq!(text, "abc");
                assert_eq!(message.id, "m");
            }
            _ => panic!(),
        }
        assert_eq!(a.text("s").as_deref(), Some("abc"));
    }

    #[test]
    fn abort_and_interleaved_streams() {
        let mut a = StreamAssembler::new();
        a.push(&delta("x", 0, "1"));
        a.push(&delta("y", 0, "A"));
        a.push(&delta("x", 1, "2"));
        a.push(&Signal::MessageStreamAbort(MessageStreamAbort { stream_id: "y".into(), conversation_id: "c".into() }));
        assert_eq!(a.outcome("y"), Some(&StreamOutcome::Aborted));
        assert_eq!(a.text("x").as_deref(), Some("12"));
        // Completion without deltas still resolves, with empty text.
        assert!(matches!(a.complete("z", message("z")), StreamOutcome::Complete { text, .. } if text.is_empty()));
    }

    #[test]
    fn bounded() {
        let mut a: StreamAssembler<()> = StreamAssembler::new();
        for i in 0..(MAX_OPEN_STREAMS + 10) {
            a.delta(&format!("s{i}"), 0, "x");
        }
        assert_eq!(a.open.len(), MAX_OPEN_STREAMS);
        assert!(!a.is_open("s0"));
        for i in 0..(MAX_FINISHED_STREAMS + 10) {
            a.abort(&format!("f{i}"));
        }
        assert_eq!(a.finished.len(), MAX_FINISHED_STREAMS);
    }
}
