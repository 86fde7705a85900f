//! Property tests of the realtime decode path: SSE framing and signal
//! decoding never panic on arbitrary input, and give the same result however
//! the byte stream is chunked.
#![cfg(not(target_arch = "wasm32"))]

use botpress_chat_wasm::protocol::sse::{decode_frame, SseDecoder, SseEvent};
use botpress_chat_wasm::signal::{MessageStreamDelta, ParticipantChange};
use botpress_chat_wasm::{Message, MessagePayload, Signal};
use proptest::prelude::*;

/// Feeds `bytes` split at `cuts` (positions, any order, possibly out of
/// range) and returns the events and whether the decoder failed.
fn decode_chunked(bytes: &[u8], cuts: &[usize], max: usize) -> (Vec<SseEvent>, bool) {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.push(0);
    points.push(bytes.len());
    points.sort_unstable();
    let mut d = SseDecoder::with_max_line(max);
    let mut out = Vec::new();
    for w in points.windows(2) {
        if d.feed(&bytes[w[0]..w[1]], &mut |e| out.push(e)).is_err() {
            return (out, true);
        }
    }
    (out, false)
}

fn signals(events: &[SseEvent]) -> Vec<Signal> {
    events.iter().filter(|e| e.is_message()).filter_map(|e| decode_frame(&e.data)).collect()
}

fn eol() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("\n"), Just("\r\n"), Just("\r")]
}

fn text() -> impl Strategy<Value = String> {
    // Includes multi-byte characters, quotes and backslashes.
    "[a-zA-Z0-9 éü🤖\"\\\\{}:,]{0,24}"
}

fn signal() -> impl Strategy<Value = Signal> {
    prop_oneof![
        (text(), text(), any::<bool>()).prop_map(|(id, t, bot)| {
            let m = Message {
                id: format!("m{id}"),
                created_at: "2025-01-01T00:00:00.000Z".into(),
                conversation_id: "c".into(),
                user_id: "u".into(),
                payload: MessagePayload::text(format!("x{t}")),
                metadata: None,
            };
            Signal::MessageCreated(botpress_chat_wasm::signal::MessageCreated::from_message(m, bot))
        }),
        (text(), any::<u32>(), text()).prop_map(|(s, seq, d)| Signal::MessageStreamDelta(MessageStreamDelta {
            stream_id: s,
            conversation_id: "c".into(),
            user_id: "bot".into(),
            created_at: "t".into(),
            client_message_id: None,
            sequence: seq as u64,
            delta: d,
        })),
        (text(), text()).prop_map(|(c, p)| Signal::ParticipantAdded(ParticipantChange {
            conversation_id: c,
            participant_id: p
        })),
        (text(), text()).prop_map(|(k, v)| Signal::Unknown {
            kind: format!("future_{k}"),
            data: serde_json::json!({ "v": v }),
        }),
    ]
}

/// One frame as a server (or the cloud proxy) may write it.
fn frame(sig: Signal) -> impl Strategy<Value = (String, Option<Signal>)> {
    (eol(), any::<bool>(), any::<bool>()).prop_map(move |(nl, ping, comment)| {
        let mut s = String::new();
        if comment {
            s.push_str(": keep");
            s.push_str(nl);
        }
        s.push_str("event: message");
        s.push_str(nl);
        if ping {
            s.push_str("data: ping");
        } else {
            s.push_str("data: ");
            s.push_str(&sig.to_json());
        }
        s.push_str(nl);
        s.push_str(nl);
        (s, if ping { None } else { Some(sig.clone()) })
    })
}

fn stream() -> impl Strategy<Value = (Vec<u8>, Vec<Signal>)> {
    (any::<bool>(), prop::collection::vec(signal().prop_flat_map(frame), 0..12)).prop_map(|(placeholder, frames)| {
        let mut bytes = Vec::new();
        if placeholder {
            bytes.extend_from_slice(b"{}");
        }
        let mut expected = Vec::new();
        for (f, s) in frames {
            bytes.extend_from_slice(f.as_bytes());
            expected.extend(s);
        }
        (bytes, expected)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_and_chunking_does_not_matter(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        cuts in prop::collection::vec(any::<usize>(), 0..64),
        max in prop_oneof![Just(64usize), Just(1usize << 20)],
    ) {
        let whole = decode_chunked(&bytes, &[], max);
        let chunked = decode_chunked(&bytes, &cuts, max);
        prop_assert_eq!(&whole, &chunked);
        prop_assert_eq!(signals(&whole.0), signals(&chunked.0));
    }

    #[test]
    fn sse_like_noise_is_chunking_invariant(
        parts in prop::collection::vec(prop_oneof![
            Just("data: ".to_string()), Just("event: message".to_string()), Just("\n".to_string()),
            Just("\r".to_string()), Just("\r\n".to_string()), Just(":".to_string()), Just("ping".to_string()),
            Just("\u{FEFF}".to_string()), Just("{\"type\":\"message_deleted\",\"data\":{\"id\":\"a\",\"conversationId\":\"c\",\"userId\":\"u\"}}".to_string()),
            "[a-z🤖é]{0,4}",
        ], 0..64),
        cuts in prop::collection::vec(any::<usize>(), 0..64),
    ) {
        let bytes = parts.concat().into_bytes();
        let whole = decode_chunked(&bytes, &[], 1 << 20);
        let chunked = decode_chunked(&bytes, &cuts, 1 << 20);
        prop_assert!(!whole.1);
        prop_assert_eq!(&whole, &chunked);
        prop_assert_eq!(signals(&whole.0), signals(&chunked.0));
    }

    #[test]
    fn server_streams_decode_to_the_signals_sent(
        (bytes, expected) in stream(),
        cuts in prop::collection::vec(any::<usize>(), 0..32),
    ) {
        let (events, failed) = decode_chunked(&bytes, &cuts, 1 << 20);
        prop_assert!(!failed);
        prop_assert_eq!(signals(&events), expected);
    }

    #[test]
    fn arbitrary_frame_text_decodes_without_panic(data in ".{0,256}") {
        let _ = decode_frame(&data);
    }
}
