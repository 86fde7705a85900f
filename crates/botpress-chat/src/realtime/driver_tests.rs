//! The listening loop over the fake host: live delivery, cuts with backfill,
//! `since`, the watchdog, final refusals. The fake server's messages are a
//! shared list the backfill listing reads; its connections are scripted.

use std::future::Future;

use crate::sync::{Lock, Shared};

use super::*;
use crate::error::ErrorKind;
use crate::fake::{Conn, FakeHost, Step};
use crate::model::{Message, MessagePayload};
use crate::realtime::backoff::Backoff;
use crate::realtime::Since;
use crate::signal::{MessageCreated, Signal};

const ME: &str = "user_me";

fn message(n: u32) -> Message {
    Message {
        id: format!("msg_{n:02}"),
        created_at: format!("2026-01-01T00:00:{n:02}.000Z"),
        conversation_id: "conv".into(),
        user_id: if n % 2 == 0 { "bot".into() } else { ME.into() },
        payload: MessagePayload::text(format!("m{n}")),
        metadata: None,
    }
}

fn frame(n: u32) -> String {
    let m = message(n);
    let is_bot = m.user_id != ME;
    Signal::MessageCreated(MessageCreated::from_message(m, is_bot)).to_json()
}

/// The server's stored messages, oldest first, each with the (virtual) time
/// from which the listing shows it.
type Store = Shared<Lock<Vec<(f64, Message)>>>;

fn store(messages: impl IntoIterator<Item = (f64, u32)>) -> Store {
    Shared::new(Lock::new(messages.into_iter().map(|(at, n)| (at, message(n))).collect()))
}

fn target(host: &FakeHost, store: &Store) -> Shared<Target<Message>> {
    let (store, host) = (store.clone(), host.clone());
    Shared::new(Target {
        api_url: "http://chat.test/api".into(),
        key: "k".into(),
        user_id: ME.into(),
        conversation_id: "conv".into(),
        own: None,
        list_page: Box::new(move |_| {
            let now = host.now();
            let page = store.lock().iter().filter(|(at, _)| *at <= now).map(|(_, m)| m.clone()).collect();
            Box::pin(async move { Ok((page, None)) })
        }),
    })
}

/// What the loop reported, as text.
#[derive(Debug, PartialEq)]
enum Seen {
    Message(String),
    Connected,
    Reconnecting(u32, ErrorKind),
    Reconnected(usize),
    Failed(ErrorKind),
}

fn options() -> ListenOptions {
    ListenOptions { backoff: Backoff::new(2000, 2000), timeout_ms: 30_000, ..Default::default() }
}

/// Runs a listener until it fails or `stop_after` messages arrived.
fn listen(host: &FakeHost, store: &Store, opts: ListenOptions, stop_after: usize) -> Vec<Seen> {
    listen_to(host, target(host, store), opts, stop_after, async {})
}

/// [`listen`] to a given target, with `beside` running alongside.
fn listen_to(
    host: &FakeHost,
    target: Shared<Target<Message>>,
    opts: ListenOptions,
    stop_after: usize,
    beside: impl Future<Output = ()>,
) -> Vec<Seen> {
    let seen = Lock::new(Vec::new());
    let mut emit = |e: Event<Signal>| {
        let mut seen = seen.lock();
        match e {
            Event::Signal(Signal::MessageCreated(m)) => seen.push(Seen::Message(m.id)),
            Event::Signal(_) | Event::Connecting => {}
            Event::Connected => seen.push(Seen::Connected),
            Event::Reconnecting { attempt, error, .. } => seen.push(Seen::Reconnecting(attempt, error.kind)),
            Event::Reconnected { missed, .. } => seen.push(Seen::Reconnected(missed)),
            Event::Failed(e) => seen.push(Seen::Failed(e.kind)),
        }
        seen.iter().filter(|s| matches!(s, Seen::Message(_))).count() < stop_after
    };
    let mut codec = SignalCodec(host.clone());
    let listening = run(host.clone(), target, opts, Shared::new(Progress::default()), &mut codec, &mut emit);
    host.run(futures::future::join(listening, beside));
    seen.take()
}

fn ids(seen: &[Seen]) -> Vec<&str> {
    seen.iter().filter_map(|s| if let Seen::Message(id) = s { Some(id.as_str()) } else { None }).collect()
}

#[test]
fn a_cut_is_backfilled_exactly_once_and_in_order() {
    let host = FakeHost::default();
    // 1 and 2 are history; 3 arrives live, then the connection drops at 20 ms; 4 and 5
    // are stored meanwhile; the new connection brings 5 live again while the listing
    // (1..=5) is taken, then 3 once more (a repeat of what was delivered before the cut) and 6.
    let store = store([(0.0, 1), (0.0, 2), (5.0, 3), (30.0, 4), (40.0, 5), (1500.0, 6)]);
    host.listen([
        Conn::Open(vec![Step::Frames { after_ms: 10, frames: vec![frame(3)] }, Step::Close { after_ms: 10 }]),
        Conn::Open(vec![
            Step::Frames { after_ms: 0, frames: vec![frame(5), "ping".into()] },
            Step::Frames { after_ms: 500, frames: vec![frame(3), frame(6)] },
        ]),
    ]);
    let seen = listen(&host, &store, options(), 4);
    assert_eq!(ids(&seen), vec!["msg_03", "msg_04", "msg_05", "msg_06"], "{seen:?}");
    assert!(seen.contains(&Seen::Reconnecting(1, ErrorKind::Network)), "{seen:?}");
    assert!(seen.contains(&Seen::Reconnected(2)), "{seen:?}");
    // The second connection waited for the backoff (1 s after the cut at 20 ms).
    assert_eq!(host.opened(), vec![0.0, 1020.0]);
}

#[test]
fn the_first_listing_stops_where_live_delivery_began() {
    // Messages 1 and 2 are history; 3 arrives live at 1 ms, 4 to 9 at 100 ms, while
    // the listing reads two messages per page, 10 ms a page: the page with 3 is the
    // last one it needs (a busy conversation would keep it paging for ever).
    let host = FakeHost::default();
    let store = store((1..=9).map(|n| (0.0, n)));
    host.listen([Conn::Open(vec![
        Step::Frames { after_ms: 1, frames: vec![frame(3)] },
        Step::Frames { after_ms: 99, frames: (4..=9).map(frame).collect() },
    ])]);
    let pages = Shared::new(Lock::new(0));
    let (s, h, count) = (store.clone(), host.clone(), pages.clone());
    let mut target = target(&host, &store);
    Shared::get_mut(&mut target).expect("not shared yet").list_page = Box::new(move |token| {
        *count.lock() += 1;
        let from: usize = token.map_or(0, |t| t.parse().unwrap_or(0));
        let all: Vec<Message> = s.lock().iter().map(|(_, m)| m.clone()).collect();
        let page = all.iter().skip(from).take(2).cloned().collect();
        let next = (from + 2 < all.len()).then(|| (from + 2).to_string());
        let h = h.clone();
        Box::pin(async move {
            h.sleep(10).await;
            Ok((page, next))
        })
    });
    let seen = listen_to(&host, target, options(), 7, async {});
    assert_eq!(ids(&seen), vec!["msg_03", "msg_04", "msg_05", "msg_06", "msg_07", "msg_08", "msg_09"], "{seen:?}");
    assert_eq!(*pages.lock(), 2, "pages read");
}

#[test]
fn since_delivers_what_came_after_it_first() {
    let host = FakeHost::default();
    let store = store([(0.0, 1), (0.0, 2), (0.0, 3), (0.0, 4), (5.0, 5)]);
    host.listen([Conn::Open(vec![Step::Frames { after_ms: 5, frames: vec![frame(5)] }])]);
    let opts = ListenOptions { since: Some(Since::Message("msg_02".into())), ..options() };
    let seen = listen(&host, &store, opts, 3);
    assert_eq!(ids(&seen), vec!["msg_03", "msg_04", "msg_05"], "{seen:?}");
}

#[test]
fn a_since_the_listing_does_not_hold_is_a_final_not_found() {
    let host = FakeHost::default();
    let store = store([(0.0, 1), (0.0, 2)]);
    host.listen([Conn::Open(vec![])]);
    let opts = ListenOptions { since: Some(Since::Message("msg_99".into())), ..options() };
    let seen = listen(&host, &store, opts, 1);
    assert_eq!(seen.last(), Some(&Seen::Failed(ErrorKind::Api(crate::ApiErrorType::ResourceNotFound))), "{seen:?}");
    assert_eq!(host.opened().len(), 1, "a missing `since` is not retried");
}

#[test]
fn a_silent_connection_is_dropped_by_the_watchdog() {
    let host = FakeHost::default();
    let store = store([(100.0, 1)]);
    host.listen([Conn::Open(vec![]), Conn::Open(vec![Step::Frames { after_ms: 0, frames: vec![frame(1)] }])]);
    let opts = ListenOptions { timeout_ms: 5000, ..options() };
    let seen = listen(&host, &store, opts, 1);
    assert_eq!(seen[1], Seen::Reconnecting(1, ErrorKind::Timeout), "{seen:?}");
    assert_eq!(host.opened(), vec![0.0, 6000.0], "silence of 5 s, then 1 s of backoff");
    assert_eq!(ids(&seen), vec!["msg_01"]);
}

#[test]
fn a_connection_that_never_opens_times_out_and_is_retried() {
    let host = FakeHost::default();
    let store = store([(100.0, 1)]);
    host.listen([
        Conn::Open(vec![Step::Close { after_ms: 10 }]),
        Conn::Hang,
        Conn::Open(vec![Step::Frames { after_ms: 0, frames: vec![frame(1)] }]),
    ]);
    let opts = ListenOptions { timeout_ms: 5000, ..options() };
    let seen = listen(&host, &store, opts, 1);
    assert_eq!(seen[1], Seen::Reconnecting(1, ErrorKind::Network), "{seen:?}");
    assert_eq!(seen[2], Seen::Reconnecting(2, ErrorKind::Timeout), "{seen:?}");
    // Cut at 10 ms, 1 s of backoff; the hung attempt given up 5 s later, then 1 s of backoff.
    assert_eq!(host.opened(), vec![0.0, 1010.0, 7010.0]);
    assert_eq!(ids(&seen), vec!["msg_01"]);
}

#[test]
fn refusals_end_the_listener_when_final_or_first() {
    // The first connection refused: the end, whatever the error.
    let host = FakeHost::default();
    host.listen([Conn::Refuse(Error::network("connection refused"))]);
    let seen = listen(&host, &store([]), options(), 1);
    assert_eq!(seen, vec![Seen::Failed(ErrorKind::Network)]);

    // A later 403 (the user was removed): no retry.
    let host = FakeHost::default();
    host.listen([
        Conn::Open(vec![Step::Close { after_ms: 10 }]),
        Conn::Refuse(Error::api(crate::ApiErrorType::Forbidden, "not a participant")),
        Conn::Open(vec![]),
    ]);
    let seen = listen(&host, &store([]), options(), 1);
    assert_eq!(seen.last(), Some(&Seen::Failed(ErrorKind::Api(crate::ApiErrorType::Forbidden))), "{seen:?}");
    assert_eq!(host.opened().len(), 2);

    // With reconnecting off, the first cut is the end.
    let host = FakeHost::default();
    host.listen([Conn::Open(vec![Step::Close { after_ms: 10 }]), Conn::Open(vec![])]);
    let seen = listen(&host, &store([]), ListenOptions { reconnect: false, ..options() }, 1);
    assert_eq!(seen, vec![Seen::Connected, Seen::Failed(ErrorKind::Network)]);
}

#[test]
fn a_key_that_cannot_be_a_header_ends_an_sse_listener_before_any_request() {
    let host = FakeHost::default();
    host.listen([Conn::Refuse(Error::network("connection refused"))]);
    let store = store([]);
    let mut target = Shared::into_inner(target(&host, &store)).expect("one owner");
    target.key = "bad\nkey".into();
    let seen = listen_to(&host, Shared::new(target), options(), 1, async {});
    assert_eq!(seen, vec![Seen::Failed(ErrorKind::Config)]);
    assert!(host.opened().is_empty());
}

/// A message this client was creating when the listener started: created
/// (msg_05) before the listener is live, so its signal never comes; the
/// bot's echo (msg_06) comes live at 5 ms, and the send resolves at 30 ms.
fn send_then_listen(watch: bool, stop_after: usize) -> Vec<Seen> {
    let host = FakeHost::default();
    let store = store([(0.0, 1), (0.0, 2), (0.0, 5), (5.0, 6)]);
    host.listen([Conn::Open(vec![Step::Frames { after_ms: 5, frames: vec![frame(6)] }])]);
    let sends = Shared::new(crate::realtime::sends::Sends::default());
    let seq = sends.begin("conv");
    let mut target = target(&host, &store);
    if watch {
        Shared::get_mut(&mut target).expect("not shared yet").own = Some(sends.watch("conv"));
    }
    let resolve = async {
        host.sleep(30).await;
        sends.settle(seq, Some("msg_05".into()));
    };
    listen_to(&host, target, options(), stop_after, resolve)
}

#[test]
fn a_message_sent_while_the_listener_starts_is_delivered_first() {
    let seen = send_then_listen(true, 2);
    assert_eq!(ids(&seen), vec!["msg_05", "msg_06"], "{seen:?}");
    // Without the client's sends, the listing takes it as history: the echo comes first.
    let seen = send_then_listen(false, 1);
    assert_eq!(ids(&seen), vec!["msg_06"], "{seen:?}");
}
