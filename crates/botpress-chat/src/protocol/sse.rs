//! Incremental Server-Sent Events decoder (WHATWG "event stream
//! interpretation"), fed with byte chunks of any size.
//!
//! - Lines end with CRLF, LF or CR, also when the terminator is split across
//!   chunks.
//! - Lines are decoded as UTF-8 only once complete, so a multi-byte sequence
//!   split across chunks is intact; invalid sequences become U+FFFD.
//! - A leading BOM is dropped. Stray bytes before the first frame (the
//!   cloud's `{}` placeholder) fold into the first line's field name and are
//!   ignored, as the standard says.
//! - Memory is bounded: a line or an event's data longer than the limit is an
//!   error instead of unbounded growth.
//!
//! The decoder never panics and yields the same events however the bytes are
//! chunked.

use crate::error::Error;

/// The default limit on one line and on one event's data: 1 MiB.
pub const DEFAULT_MAX_LINE: usize = 1 << 20;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The event type; `"message"` when the frame had no `event:` field.
    pub event: String,
    /// The data lines joined with `\n`.
    pub data: String,
    /// The last event id seen so far, if any.
    pub id: Option<String>,
    /// A `retry:` reconnection time sent with or before this event, in ms.
    pub retry: Option<u64>,
}

impl SseEvent {
    /// Whether this is a plain `message` event (what `EventSource.onmessage`
    /// receives).
    pub fn is_message(&self) -> bool {
        self.event == "message"
    }
}

/// The incremental decoder. Feed it with [`SseDecoder::feed`].
#[derive(Debug)]
pub struct SseDecoder {
    /// Bytes of the current, unterminated line.
    line: Vec<u8>,
    /// The previous chunk ended with CR: a leading LF belongs to it.
    after_cr: bool,
    /// No line has been completed yet (BOM handling).
    at_start: bool,
    event: String,
    data: String,
    has_data: bool,
    last_id: Option<String>,
    retry: Option<u64>,
    max_line: usize,
    failed: bool,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl SseDecoder {
    /// A decoder with the default line limit.
    pub fn new() -> Self {
        Self::with_max_line(DEFAULT_MAX_LINE)
    }

    /// A decoder whose line and event-data limit is `max_line` bytes.
    pub fn with_max_line(max_line: usize) -> Self {
        SseDecoder {
            line: Vec::new(),
            after_cr: false,
            at_start: true,
            event: String::new(),
            data: String::new(),
            has_data: false,
            last_id: None,
            retry: None,
            max_line: max_line.max(1),
            failed: false,
        }
    }

    /// Feeds one chunk; `emit` receives every event completed by it, in
    /// order. After an error the decoder stays failed and ignores input.
    pub fn feed(&mut self, chunk: &[u8], emit: &mut dyn FnMut(SseEvent)) -> Result<(), Error> {
        if self.failed {
            return Err(overflow(self.max_line));
        }
        let mut rest = chunk;
        if self.after_cr {
            if let Some((&b'\n', tail)) = rest.split_first() {
                rest = tail;
            }
            if !chunk.is_empty() {
                self.after_cr = false;
            }
        }
        while let Some(end) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            let (head, tail) = rest.split_at(end);
            let cr = tail[0] == b'\r';
            rest = &tail[1..];
            if cr {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            if self.line.is_empty() {
                self.check_len(head.len())?;
                self.process_line(head, emit)?;
            } else {
                self.check_len(self.line.len() + head.len())?;
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(head);
                let r = self.process_line(&line, emit);
                line.clear();
                self.line = line;
                r?;
            }
        }
        if !rest.is_empty() {
            self.check_len(self.line.len() + rest.len())?;
            self.line.extend_from_slice(rest);
        }
        Ok(())
    }

    /// Convenience: feeds one chunk and returns the completed events.
    pub fn feed_collect(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, Error> {
        let mut out = Vec::new();
        self.feed(chunk, &mut |e| out.push(e))?;
        Ok(out)
    }

    /// The stream ended. Per the standard, an event not terminated by an
    /// empty line is discarded; the decoder is ready for a new stream (the
    /// last event id is kept).
    pub fn reset(&mut self) {
        self.line.clear();
        self.after_cr = false;
        self.at_start = true;
        self.event.clear();
        self.data.clear();
        self.has_data = false;
        self.retry = None;
        self.failed = false;
    }

    /// Bytes held for an unterminated line.
    pub fn buffered(&self) -> usize {
        self.line.len()
    }

    fn check_len(&mut self, len: usize) -> Result<(), Error> {
        if len > self.max_line {
            self.failed = true;
            self.line = Vec::new();
            return Err(overflow(self.max_line));
        }
        Ok(())
    }

    fn process_line(&mut self, line: &[u8], emit: &mut dyn FnMut(SseEvent)) -> Result<(), Error> {
        let mut line = line;
        if self.at_start {
            self.at_start = false;
            if let Some(stripped) = line.strip_prefix(b"\xEF\xBB\xBF") {
                line = stripped;
            }
        }
        if line.is_empty() {
            self.dispatch(emit);
            return Ok(());
        }
        if line[0] == b':' {
            return Ok(());
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match name {
            b"data" => {
                let extra = value.len() + usize::from(self.has_data);
                if self.data.len() + extra > self.max_line {
                    self.failed = true;
                    self.data = String::new();
                    return Err(overflow(self.max_line));
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.has_data = true;
                push_utf8(&mut self.data, value);
            }
            b"event" => {
                self.event.clear();
                push_utf8(&mut self.event, value);
            }
            b"id" if !value.contains(&0) => {
                let mut id = String::new();
                push_utf8(&mut id, value);
                self.last_id = Some(id);
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                self.retry = std::str::from_utf8(value).ok().and_then(|s| s.parse().ok());
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, emit: &mut dyn FnMut(SseEvent)) {
        if !self.has_data {
            self.event.clear();
            return;
        }
        let event = if self.event.is_empty() { "message".to_string() } else { std::mem::take(&mut self.event) };
        self.event.clear();
        self.has_data = false;
        emit(SseEvent {
            event,
            data: std::mem::take(&mut self.data),
            id: self.last_id.clone(),
            retry: self.retry.take(),
        });
    }
}

fn push_utf8(out: &mut String, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(s) => out.push_str(s),
        Err(_) => out.push_str(&String::from_utf8_lossy(bytes)),
    }
}

fn overflow(max: usize) -> Error {
    Error::decode(format!("event stream line or event longer than {max} bytes"))
}

/// What the data of one frame of the Chat API's stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// The keep-alive `ping`: feeds the watchdog, never delivered.
    Ping,
    /// Anything else: a signal envelope (or, if not JSON, an unknown signal).
    Signal,
}

/// Classifies a frame's data (SSE `data` or a WebSocket text frame).
pub fn frame_kind(data: &str) -> FrameKind {
    if data.trim() == "ping" {
        FrameKind::Ping
    } else {
        FrameKind::Signal
    }
}

/// Decodes one frame's data into a signal; `None` for a keep-alive.
///
/// Data that is not JSON becomes `Unknown { kind: "unknown", data: <the
/// string> }`, as the official client emits it.
pub fn decode_frame(data: &str) -> Option<crate::Signal> {
    if frame_kind(data) == FrameKind::Ping {
        return None;
    }
    Some(match serde_json::from_str::<serde_json::Value>(data) {
        Ok(v) => crate::Signal::from_value(v),
        Err(_) => crate::Signal::Unknown { kind: "unknown".into(), data: serde_json::Value::String(data.into()) },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(bytes: &[u8]) -> Vec<SseEvent> {
        SseDecoder::new().feed_collect(bytes).unwrap()
    }

    fn ev(data: &str) -> SseEvent {
        SseEvent { event: "message".into(), data: data.into(), id: None, retry: None }
    }

    #[test]
    fn chat_frames_and_keepalive() {
        let s = b"event: message\ndata: {\"type\":\"x\",\"data\":{}}\n\nevent: message\ndata: ping\n\n";
        assert_eq!(all(s), vec![ev("{\"type\":\"x\",\"data\":{}}"), ev("ping")]);
        assert_eq!(frame_kind("ping"), FrameKind::Ping);
        assert!(decode_frame("ping").is_none());
    }

    #[test]
    fn placeholder_before_first_frame_is_ignored() {
        let s = b"{}event: message\ndata: {\"a\":1}\n\n";
        assert_eq!(all(s), vec![ev("{\"a\":1}")]);
        let s = b"{}\nevent: message\ndata: 1\n\n";
        assert_eq!(all(s), vec![ev("1")]);
    }

    #[test]
    fn line_endings() {
        for s in [&b"data: a\r\ndata: b\r\n\r\n"[..], b"data: a\rdata: b\r\r", b"data: a\ndata: b\n\n"] {
            assert_eq!(all(s), vec![ev("a\nb")]);
        }
        // CR at the end of one chunk, LF at the start of the next: one terminator.
        let mut d = SseDecoder::new();
        let mut out = d.feed_collect(b"data: a\r").unwrap();
        out.extend(d.feed_collect(b"\n\r").unwrap());
        out.extend(d.feed_collect(b"\n").unwrap());
        assert_eq!(out, vec![ev("a")]);
    }

    #[test]
    fn fields_and_comments() {
        let s = b": comment\nevent: custom\nid: 7\nretry: 1500\ndata\ndata:x\ndata:  y\n\n";
        let e = &all(s)[0];
        assert_eq!((e.event.as_str(), e.data.as_str()), ("custom", "\nx\n y"));
        assert_eq!((e.id.as_deref(), e.retry), (Some("7"), Some(1500)));
        // No data: nothing dispatched, event type reset.
        assert_eq!(all(b"event: a\n\ndata: z\n\n"), vec![ev("z")]);
        // BOM at the start only.
        assert_eq!(all(b"\xEF\xBB\xBFdata: q\n\n"), vec![ev("q")]);
        // Unterminated event is not dispatched.
        assert!(all(b"data: partial\n").is_empty());
    }

    #[test]
    fn split_utf8_and_invalid_bytes() {
        let s = "data: héllo 🤖\n\n".as_bytes();
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        for b in s {
            out.extend(d.feed_collect(std::slice::from_ref(b)).unwrap());
        }
        assert_eq!(out, vec![ev("héllo 🤖")]);
        assert_eq!(all(b"data: a\xFFb\n\n"), vec![ev("a\u{FFFD}b")]);
    }

    #[test]
    fn bounded_buffer() {
        let mut d = SseDecoder::with_max_line(16);
        assert!(d.feed_collect(b"data: 0123456789").is_ok());
        assert!(d.feed_collect(b"abcdef").is_err());
        assert!(d.feed_collect(b"\n\n").is_err(), "stays failed");
        d.reset();
        assert_eq!(d.feed_collect(b"data: ok\n\n").unwrap(), vec![ev("ok")]);
        // Many short data lines that add up past the limit.
        let mut d = SseDecoder::with_max_line(16);
        assert!(d.feed_collect(b"data: 0123456\ndata: 0123456\ndata: 0\n").is_err());
        // A huge line never buffers more than the limit.
        let mut d = SseDecoder::with_max_line(1024);
        let chunk = [b'x'; 512];
        let mut failed = false;
        for _ in 0..10 {
            failed |= d.feed_collect(&chunk).is_err();
            assert!(d.buffered() <= 1024);
        }
        assert!(failed);
    }

    #[test]
    fn decode_frame_signals() {
        let s = decode_frame(r#"{"type":"participant_added","data":{"conversationId":"c","participantId":"p"}}"#);
        assert_eq!(s.unwrap().kind(), "participant_added");
        let s = decode_frame("not json").unwrap();
        assert_eq!(s, crate::Signal::Unknown { kind: "unknown".into(), data: serde_json::json!("not json") });
    }
}
