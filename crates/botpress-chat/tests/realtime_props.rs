//! Property tests of the realtime decode path: SSE framing and signal
//! decoding never panic on arbitrary input, and give the same result however
//! the byte stream is chunked.
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]
#![cfg(not(target_arch = "wasm32"))]

use botpress_chat::protocol::sse::{decode_frame, SseDecoder, SseEvent};
use botpress_chat::realtime::backfill::Since;
use botpress_chat::signal::{MessageStreamDelta, ParticipantChange};
use botpress_chat::{Message, MessagePayload, Signal};
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
            Signal::MessageCreated(botpress_chat::signal::MessageCreated::from_message(m, bot))
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
        (text(), text())
            .prop_map(|(c, p)| Signal::ParticipantAdded(ParticipantChange { conversation_id: c, participant_id: p })),
        (text(), text())
            .prop_map(|(k, v)| Signal::Unknown { kind: format!("future_{k}"), data: serde_json::json!({ "v": v }) }),
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

    /// A `since` string (from JS or Rust) and a listed `createdAt` (from the
    /// network) go through the same reader: any text is a time or a message
    /// id, never a panic; a well-formed time is a time, whatever its zone.
    #[test]
    fn since_strings_read_without_panic(
        text in ".{0,40}",
        shaped in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,7})?([Zz]|[+-][0-9]{2}:[0-9]{2})?.{0,2}",
        (y, mo, d, h, mi, s, ms) in (0..10_000u32, 1..=12u32, 1..=28u32, 0..24u32, 0..60u32, 0..60u32, 0..1000u32),
    ) {
        let _ = Since::parse(&text);
        // Every prefix of a time-shaped text too: the reader must not index
        // past a short one.
        for cut in 0..=shaped.len() {
            if let Some(prefix) = shaped.get(..cut) {
                let _ = Since::parse(prefix);
            }
        }
        let utc = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z");
        let Since::Time(at) = Since::parse(&utc) else { panic!("{utc} was not read as a time") };
        let offset = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}+00:00");
        prop_assert_eq!(Since::parse(&offset), Since::Time(at));
    }
}

mod delivery {
    use super::*;
    use botpress_chat::realtime::{Delivered, StreamAssembler, StreamOutcome};

    fn msg(i: usize, tick: usize) -> Message {
        Message {
            id: format!("m{i}"),
            created_at: format!("2025-01-01T00:00:{:02}.{:03}Z", tick / 1000, tick % 1000),
            conversation_id: "c".into(),
            user_id: if i % 3 == 0 { "me".into() } else { "bot".into() },
            payload: MessagePayload::text("x"),
            metadata: None,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Messages are created one after another (timestamps may tie); the
        /// connection drops and comes back at random. While it is down
        /// messages are missed; after each reconnect the listing (taken a
        /// little later, so it can also contain messages that arrive live
        /// meanwhile, which the driver holds back) is backfilled, then the
        /// held-back live ones are delivered. Every message comes out exactly
        /// once, in order.
        #[test]
        fn reconnects_deliver_every_message_once_in_order(
            n in 1usize..120,
            ties in prop::collection::vec(any::<bool>(), 120),
            down in prop::collection::vec(any::<bool>(), 120),
            lag in prop::collection::vec(0usize..4, 120),
            newest_first in any::<bool>(),
            page in 1usize..25,
        ) {
            let mut tick = 0;
            // Equal timestamps keep listing order, which is only known for an
            // oldest-first listing when every listed timestamp is equal.
            let all: Vec<Message> = (0..n).map(|i| { if !ties[i] || newest_first { tick += 1; } msg(i, tick) }).collect();
            let mut d = Delivered::default();
            let mut out: Vec<String> = Vec::new();
            let mut up = true;
            let mut i = 0;
            // Reconnects before message `at`: messages at..at+lag arrive live while
            // the listing is read (held back), the listing holds all up to them.
            let reconnect = |d: &mut Delivered, out: &mut Vec<String>, at: usize, lag: usize| -> Result<usize, TestCaseError> {
                let upto = (at + lag).min(n);
                let mut listing: Vec<Message> = all[..upto].to_vec();
                if newest_first { listing.reverse(); }
                let mut collected = Vec::new();
                for chunk in listing.chunks(page) {
                    collected.extend_from_slice(chunk);
                    if d.page_reaches_watermark(chunk) { break; }
                }
                for m in d.backfill(collected, "me") {
                    prop_assert_eq!(m.is_bot, m.user_id != "me");
                    out.push(m.id);
                }
                for m in &all[at..upto] {
                    if d.observe(&m.id, &m.created_at) { out.push(m.id.clone()); }
                }
                Ok(upto)
            };
            while i < n {
                if up {
                    if down[i] {
                        up = false;        // dropped; message i is missed
                        i += 1;
                        continue;
                    }
                    if d.observe(&all[i].id, &all[i].created_at) { out.push(all[i].id.clone()); }
                    i += 1;
                } else if down[i] {
                    i += 1;                // still down: missed
                } else {
                    i = reconnect(&mut d, &mut out, i, lag[i])?;
                    up = true;
                }
            }
            if !up {
                reconnect(&mut d, &mut out, n, 0)?;
            }
            let expected: Vec<String> = all.iter().map(|m| m.id.clone()).collect();
            prop_assert_eq!(out, expected);
        }

        #[test]
        fn stream_assembly_is_order_independent(
            parts in prop::collection::vec("[a-zé🤖 ]{0,6}", 0..20),
            order in Just(()).prop_perturb(|_, mut rng| { let mut v: Vec<u32> = (0..20).collect(); for i in (1..v.len()).rev() { let j = (rng.next_u32() as usize) % (i + 1); v.swap(i, j); } v }),
        ) {
            let mut a: StreamAssembler<()> = StreamAssembler::new();
            for &k in order.iter().filter(|&&k| (k as usize) < parts.len()) {
                a.delta("s", k as u64, &parts[k as usize]);
            }
            let expected = parts.concat();
            prop_assert_eq!(a.text("s").unwrap_or_default(), expected.clone());
            match a.complete("s", ()) {
                StreamOutcome::Complete { text, .. } => prop_assert_eq!(text, expected),
                StreamOutcome::Aborted => prop_assert!(false),
            }
        }
    }
}
