//! The realtime scenarios, one copy for every platform: in Node and in
//! headless browsers (`tests-wasm/tests/realtime_node.rs`,
//! `realtime_browser.rs`, the servers started by
//! `scripts/wasm-test-runner.sh` for the test binary) and natively
//! (`crates/botpress-chat/tests/realtime.rs`, which starts them for each
//! test). What differs between them comes from the harness's `platform`
//! module. The servers, as fixtures:
//!   apiUrl      http://127.0.0.1:PORT/local   (a chat-server, `--keepalive-secs 1`)
//!   proxyUrl    http://127.0.0.1:PORT/local   (the same through the fault proxy,
//!                                              tests/support/fault-proxy.mjs)
//!   controlUrl  http://127.0.0.1:PORT         (the proxy's control API)
#![allow(dead_code)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use futures::future::{select, Either};
use futures::StreamExt;

use crate::platform::chat::api::{
    AddParticipantInput, CreateConversationInput, CreateEventInput, CreateMessageInput, DeleteMessageInput,
    ListMessagesInput, RemoveParticipantInput,
};
use crate::platform::chat::client::{Auth, AuthenticatedClient, Client, ClientOptions};
use crate::platform::chat::realtime::{
    Backoff, ConnectionState, ListenOptions, Protocol, SignalStream, Since, StreamAssembler, StreamOutcome,
};
use crate::platform::chat::{ApiErrorType, Error, ErrorKind, Message, MessagePayload, Signal};
use crate::platform::{fetch_text, fixtures, log, now_ms, sleep, spawn, Fixtures};

/// The scenario's servers.
struct Servers(Fixtures);

impl Servers {
    /// The servers of this scenario (natively its own, stopped when it ends;
    /// on wasm those of the test binary).
    fn start() -> Servers {
        Servers(fixtures())
    }

    /// The server, directly.
    fn api_url(&self) -> &str {
        self.0.get("apiUrl")
    }

    /// The server through the fault proxy.
    fn proxy_url(&self) -> &str {
        self.0.get("proxyUrl")
    }

    /// A request to the proxy's control API (`/stats` is read, the others
    /// are commands), its JSON answer.
    async fn control(&self, path: &str) -> serde_json::Value {
        let method = if path == "/stats" { "GET" } else { "POST" };
        let text = fetch_text(method, &format!("{}{path}", self.0.get("controlUrl"))).await;
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    /// A client of `user` (key and all) that talks through the fault proxy.
    fn through_proxy(&self, user: &AuthenticatedClient, exactly_once: bool) -> AuthenticatedClient {
        let opts = ClientOptions { timeout_ms: 1_500, exactly_once, ..ClientOptions::new(self.proxy_url()) };
        let client = Client::new(opts).expect("client");
        AuthenticatedClient::from_parts(client, user.user().clone(), user.key().to_string())
    }
}

pub async fn connect(url: &str) -> AuthenticatedClient {
    let client = Client::new(ClientOptions::new(url)).expect("client");
    client.connect(Auth::CreateUser { user_id: None }).await.expect("createUser")
}

/// The next item within `ms`, or a panic naming what was awaited.
pub async fn next_within(stream: &mut SignalStream, ms: u32, what: &str) -> Result<Signal, Error> {
    let next = stream.next();
    let timer = Box::pin(sleep(ms));
    match select(next, timer).await {
        Either::Left((Some(item), _)) => item,
        Either::Left((None, _)) => panic!("stream ended while waiting for {what}"),
        Either::Right(_) => panic!("no signal within {ms} ms while waiting for {what}"),
    }
}

/// Skips signals until `pred` matches.
pub async fn until<T>(stream: &mut SignalStream, what: &str, mut pred: impl FnMut(&Signal) -> Option<T>) -> T {
    for _ in 0..200 {
        let s = next_within(stream, 10_000, what).await.unwrap_or_else(|e| panic!("{what}: stream error {e}"));
        if let Some(t) = pred(&s) {
            return t;
        }
    }
    panic!("{what}: not seen in 200 signals");
}

fn text(s: &str) -> MessagePayload {
    MessagePayload::text(s)
}

pub async fn send(c: &AuthenticatedClient, conv: &str, t: &str) -> Message {
    c.create_message(&CreateMessageInput { conversation_id: conv.into(), payload: text(t), metadata: None })
        .await
        .expect("createMessage")
        .message
}

fn text_of(p: &MessagePayload) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.get("text").and_then(|t| t.as_str()).map(str::to_string))
        .unwrap_or_default()
}

pub fn options(protocol: Protocol) -> ListenOptions {
    ListenOptions { protocol, backoff: Backoff::new(20, 300), ..ListenOptions::default() }
}

/// Every signal kind over one transport; a removed participant's listener ends.
pub async fn signals_roundtrip(protocol: Protocol) {
    let srv = Servers::start();
    let url = srv.api_url();
    let alice = connect(url).await;
    let bob = connect(url).await;
    let conv =
        alice.create_conversation(&CreateConversationInput::default()).await.expect("conversation").conversation.id;
    let mut s = alice.listen_conversation(&conv, options(protocol));
    s.connected().await.expect("connected");

    // Own message, then the bot's echo.
    let m = send(&alice, &conv, "hello").await;
    let own = until(&mut s, "own message_created", |s| match s {
        Signal::MessageCreated(c) => Some(c.clone()),
        _ => None,
    })
    .await;
    assert_eq!((own.id.as_str(), own.is_bot), (m.id.as_str(), false));
    let echo = until(&mut s, "bot message_created", |s| match s {
        Signal::MessageCreated(c) if c.is_bot => Some(c.clone()),
        _ => None,
    })
    .await;
    assert_eq!(text_of(&echo.payload), "hello");

    // message_deleted.
    alice.delete_message(&DeleteMessageInput { id: m.id.clone() }).await.expect("deleteMessage");
    until(&mut s, "message_deleted", |s| matches!(s, Signal::MessageDeleted(_)).then_some(())).await;

    // event_created: the user's own, then the bot's (id null).
    let payload = serde_json::json!({"kind": "ping-pong", "n": 1}).as_object().cloned().expect("object");
    alice.create_event(&CreateEventInput { conversation_id: conv.clone(), payload }).await.expect("createEvent");
    until(&mut s, "own event_created", |s| match s {
        Signal::EventCreated(e) if !e.is_bot => Some(()),
        _ => None,
    })
    .await;
    until(&mut s, "bot event_created", |s| match s {
        Signal::EventCreated(e) if e.is_bot && e.id.is_none() => Some(()),
        _ => None,
    })
    .await;

    // participant_added; bob listens too.
    alice
        .add_participant(&AddParticipantInput { conversation_id: conv.clone(), user_id: bob.user().id.clone() })
        .await
        .expect("addParticipant");
    let added = until(&mut s, "participant_added", |s| match s {
        Signal::ParticipantAdded(p) => Some(p.participant_id.clone()),
        _ => None,
    })
    .await;
    assert_eq!(added, bob.user().id);
    let mut bs = bob.listen_conversation(&conv, options(protocol));
    bs.connected().await.expect("bob connected");
    send(&bob, &conv, "from bob").await;
    until(&mut bs, "bob sees his message", |s| match s {
        Signal::MessageCreated(c) if !c.is_bot => Some(()),
        _ => None,
    })
    .await;

    // The stream signals: `stream 3` gives 3 deltas, complete, then message_created.
    send(&alice, &conv, "stream 3").await;
    let mut asm = StreamAssembler::new();
    let mut deltas = 0;
    let stream_id = loop {
        let sig = next_within(&mut s, 10_000, "stream signals").await.expect("no error");
        if let Signal::MessageStreamDelta(_) = &sig {
            deltas += 1;
        }
        asm.push(&sig);
        if let Signal::MessageStreamComplete(c) = &sig {
            break c.stream_id.clone();
        }
    };
    assert_eq!(deltas, 3);
    let (final_message, assembled) = match asm.outcome(&stream_id) {
        Some(StreamOutcome::Complete { message, text }) => (message.clone(), text.clone()),
        other => panic!("stream outcome {other:?}"),
    };
    assert!(!assembled.is_empty());
    assert_eq!(text_of(&final_message.payload), assembled, "deltas concatenate to the final text");
    let after = until(&mut s, "message_created after stream complete", |s| match s {
        Signal::MessageCreated(c) if c.is_bot => Some(c.id.clone()),
        _ => None,
    })
    .await;
    assert_eq!(after, final_message.id);

    // Removing bob: alice gets participant_removed, bob's listener ends with a final error.
    alice
        .remove_participant(&RemoveParticipantInput { conversation_id: conv.clone(), user_id: bob.user().id.clone() })
        .await
        .expect("removeParticipant");
    until(&mut s, "participant_removed", |s| matches!(s, Signal::ParticipantRemoved(_)).then_some(())).await;
    let mut ended = false;
    for _ in 0..20 {
        let next = bs.next();
        let timer = Box::pin(sleep(10_000));
        match select(next, timer).await {
            Either::Left((Some(Ok(_)), _)) => continue,
            Either::Left((Some(Err(e)), _)) => {
                assert_eq!(e.code, 403, "removed participant: {e}");
                ended = bs.next().await.is_none();
                break;
            }
            Either::Left((None, _)) => panic!("bob's stream ended without an error"),
            Either::Right(_) => panic!("bob's listener did not close after removal"),
        }
    }
    assert!(ended, "bob's stream ends after the final error");
    drop(s);
}

/// A listener whose key is refused fails with a final error at once.
pub async fn refused(protocol: Protocol) {
    let srv = Servers::start();
    let url = srv.api_url();
    let alice = connect(url).await;
    let bob = connect(url).await;
    let conv =
        alice.create_conversation(&CreateConversationInput::default()).await.expect("conversation").conversation.id;
    let mut s = bob.listen_conversation(&conv, options(protocol));
    assert_eq!(s.connected().await.map_err(|e| e.code), Err(403));
    match next_within(&mut s, 10_000, "refusal").await {
        Err(e) => assert_eq!(e.code, 403, "{e}"),
        Ok(sig) => panic!("expected 403, got {sig:?}"),
    }
    assert!(s.next().await.is_none());
}

async fn all_messages(c: &AuthenticatedClient, conv: &str) -> Vec<Message> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = c
            .list_messages(&ListMessagesInput { conversation_id: conv.into(), next_token: token.take() })
            .await
            .expect("listMessages");
        out.extend(page.messages);
        match page.meta.next_token {
            Some(t) => token = Some(t),
            None => return out,
        }
    }
}

/// Sends `text` every 120 ms, `bursts` times (the first was sent already)
/// and more, up to twice as many, until the proxy has cut 20 times since
/// `cuts_before` (how many cuts fit in a number of bursts depends on the
/// machine's speed), while collecting the ids of the `message_created`
/// signals until all `base + sent × per_burst` of them arrived (90 s at
/// most). Returns the ids and the bursts sent. Only listen connections are
/// cut by the proxy; API calls pass through untouched.
#[allow(clippy::too_many_arguments)]
async fn send_and_collect(
    srv: &Servers,
    s: &mut SignalStream,
    alice: &AuthenticatedClient,
    conv: &str,
    text: &str,
    bursts: usize,
    base: usize,
    per_burst: usize,
    cuts_before: u64,
) -> (Vec<String>, usize) {
    let mut seen: Vec<String> = Vec::new();
    let (mut sent, mut last_send, mut sending) = (1, now_ms(), true);
    let deadline = now_ms() + 90_000.0;
    while sending || seen.len() < base + sent * per_burst {
        assert!(now_ms() < deadline, "timed out with {} of {} messages", seen.len(), base + sent * per_burst);
        if sending && now_ms() - last_send > 120.0 {
            let more = sent < bursts
                || (sent < 2 * bursts && srv.control("/stats").await["cuts"].as_u64().unwrap_or(0) - cuts_before < 20);
            if more {
                sent += 1;
                last_send = now_ms();
                send(alice, conv, text).await;
            } else {
                sending = false;
            }
        }
        let next = s.next();
        let timer = Box::pin(sleep(50));
        match select(next, timer).await {
            Either::Left((Some(Ok(Signal::MessageCreated(m))), _)) => seen.push(m.id),
            Either::Left((Some(Ok(_)), _)) => {}
            Either::Left((Some(Err(e)), _)) => panic!("final error during faults: {e}"),
            Either::Left((None, _)) => panic!("stream ended during faults"),
            Either::Right(_) => {}
        }
    }
    (seen, sent)
}

/// The fault test: the proxy cuts the listen connection at random (and
/// mid-frame) at least 20 times while 20 or more × `burst 50` (1,000+ bot
/// messages) are sent; every message must arrive exactly once, in the
/// server's order.
pub async fn faults_lose_nothing(protocol: Protocol) {
    let srv = Servers::start();
    let proxy = srv.proxy_url();
    let alice = connect(proxy).await;
    let conv =
        alice.create_conversation(&CreateConversationInput::default()).await.expect("conversation").conversation.id;
    let before = srv.control("/stats").await["cuts"].as_u64().unwrap_or(0);
    let mut s = alice.listen_conversation(&conv, options(protocol));
    s.connected().await.expect("connected");
    // Delivery through the proxy is sliced and throttled so that cuts land mid-stream.
    srv.control("/chaos?min=40&max=140&count=24&chunk=600&delay=2").await;
    send(&alice, &conv, "burst 50").await;
    let (seen, bursts) = send_and_collect(&srv, &mut s, &alice, &conv, "burst 50", 20, 0, 51, before).await;
    let expected_total = bursts * 51;
    let duplicates = seen.len() - seen.iter().collect::<HashSet<_>>().len();
    let stats = srv.control("/stats").await;
    srv.control("/normal").await;
    let cuts = stats["cuts"].as_u64().unwrap_or(0) - before;
    let truth: Vec<String> = all_messages(&alice, &conv).await.into_iter().map(|m| m.id).collect();
    log(&format!(
        "fault test ({}): {} messages delivered, {} cuts, {} duplicates, {} listen connections",
        protocol.name(),
        seen.len(),
        cuts,
        duplicates,
        stats["listenConnections"]
    ));
    assert_eq!(duplicates, 0);
    assert_eq!(truth.len(), expected_total, "the server stored every message");
    assert_eq!(seen, truth, "delivered exactly once and in order");
    assert!(cuts >= 20, "only {cuts} cuts happened during delivery");
}

/// `since` under faults: a conversation with history, a sender writing
/// continuously, and a listener that starts with `since` = a message in the
/// middle of the history while the proxy cuts its connection at random (20+
/// times): every message after `since` arrives exactly once, in the server's
/// order, and nothing before it.
pub async fn since_with_faults(protocol: Protocol) {
    let srv = Servers::start();
    let proxy = srv.proxy_url();
    let alice = connect(proxy).await;
    let conv =
        alice.create_conversation(&CreateConversationInput::default()).await.expect("conversation").conversation.id;
    send(&alice, &conv, "burst 20").await;
    let mut history = all_messages(&alice, &conv).await;
    for _ in 0..100 {
        if history.len() >= 21 {
            break;
        }
        sleep(50).await;
        history = all_messages(&alice, &conv).await;
    }
    assert_eq!(history.len(), 21, "the history: a message and the bot's 20 replies");
    let since = history[10].id.clone();
    let before = srv.control("/stats").await["cuts"].as_u64().unwrap_or(0);
    // The sender is already writing when the listener starts.
    send(&alice, &conv, "burst 40").await;
    let opts = ListenOptions { since: Some(Since::Message(since.clone())), ..options(protocol) };
    let mut s = alice.listen_conversation(&conv, opts);
    s.connected().await.expect("connected");
    // The cuts start once the first connection is open: a first connection that
    // fails ends a listener by design, and Firefox opens one only at its first
    // bytes (a cut before them would end the test there).
    srv.control("/chaos?min=40&max=140&count=24&chunk=600&delay=2").await;
    let (seen, bursts) = send_and_collect(&srv, &mut s, &alice, &conv, "burst 40", 16, 10, 41, before).await;
    let stats = srv.control("/stats").await;
    srv.control("/normal").await;
    let cuts = stats["cuts"].as_u64().unwrap_or(0) - before;
    let truth: Vec<String> = all_messages(&alice, &conv).await.into_iter().map(|m| m.id).collect();
    let at = truth.iter().position(|id| *id == since).expect("since is stored");
    let duplicates = seen.len() - seen.iter().collect::<HashSet<_>>().len();
    log(&format!(
        "since test ({}): {} messages after since delivered, {} cuts, {} duplicates",
        protocol.name(),
        seen.len(),
        cuts,
        duplicates
    ));
    assert_eq!(truth.len(), 21 + bursts * 41, "the server stored every message");
    assert_eq!(seen, truth[at + 1..].to_vec(), "every message after since, once, in order");
    assert!(cuts >= 20, "only {cuts} cuts happened during delivery");
}

/// A `since` naming no message of the conversation ends the listener with an error.
pub async fn since_unknown(protocol: Protocol) {
    let srv = Servers::start();
    let url = srv.api_url();
    let alice = connect(url).await;
    let conv =
        alice.create_conversation(&CreateConversationInput::default()).await.expect("conversation").conversation.id;
    let opts = ListenOptions { since: Some(Since::Message("msg_not_here".into())), ..options(protocol) };
    let mut s = alice.listen_conversation(&conv, opts);
    s.connected().await.expect("connected");
    let e = next_within(&mut s, 10_000, "the since error").await.expect_err("an error, not a signal");
    assert_eq!(e.api_type(), Some(ApiErrorType::ResourceNotFound), "{e:?}");
    assert!(e.message.contains("msg_not_here"), "{}", e.message);
}

/// The proxy goes silent without closing: the watchdog notices, the listener
/// reconnects by itself and backfills what it missed.
pub async fn watchdog_reconnects(protocol: Protocol) {
    let srv = Servers::start();
    let proxy = srv.proxy_url();
    let alice = connect(proxy).await;
    let conv =
        alice.create_conversation(&CreateConversationInput::default()).await.expect("conversation").conversation.id;
    let mut s = alice.listen_conversation(&conv, ListenOptions { timeout_ms: 1500, ..options(protocol) });
    s.connected().await.expect("connected");
    send(&alice, &conv, "before").await;
    until(&mut s, "message before silence", |s| matches!(s, Signal::MessageCreated(_)).then_some(())).await;
    let stats = srv.control("/stats").await;
    srv.control("/silence").await;
    let m = send(&alice, &conv, "during silence").await;
    let t0 = now_ms();
    until(&mut s, "message sent during silence", |s| match s {
        Signal::MessageCreated(c) if c.id == m.id => Some(()),
        _ => None,
    })
    .await;
    let waited = now_ms() - t0;
    let after = srv.control("/stats").await;
    srv.control("/normal").await;
    assert!(waited >= 1000.0, "delivered after {waited} ms: the silent connection should have held it back");
    assert_eq!(after["cuts"], stats["cuts"], "the proxy closed nothing");
    assert!(
        after["listenConnections"].as_u64() > stats["listenConnections"].as_u64(),
        "the listener opened a new connection by itself"
    );
}

/* ---------- exactly-once sends (botpress-chat's feature `exactly-once`) ---------- */

/// The proxy's count of `createMessage` exchanges it faulted.
fn faulted(stats: &serde_json::Value) -> u64 {
    stats["sendFaults"].as_object().map_or(0, |m| m.values().filter_map(|v| v.as_u64()).sum())
}

/// `n` exactly-once sends with texts that repeat, two at a time, while the
/// proxy makes 35 % of the `createMessage` exchanges fail ambiguously (the
/// answer dropped or held after the request went through, the connection
/// reset before it, a 502 or 503 of its own) and cuts the listener now and
/// then. Every send resolves with its message or fails with `UnknownOutcome`;
/// the server holds each resolved message once and none that nobody
/// resolved beyond the unknown outcomes; the listener delivers each once, in
/// order.
pub async fn exactly_once_sends(protocol: Protocol, n: usize) {
    let srv = Servers::start();
    let direct = connect(srv.api_url()).await;
    let conv =
        direct.create_conversation(&CreateConversationInput::default()).await.expect("conversation").conversation.id;
    let alice = srv.through_proxy(&direct, true);
    let mut s = alice.listen_conversation(&conv, options(protocol));
    s.connected().await.expect("connected");
    assert_eq!(s.state(), ConnectionState::Connected);
    // The listener runs beside the sends: the ids of our messages it
    // delivered, and the error that ended it if one did.
    let delivered = Arc::new(Mutex::new((Vec::<String>::new(), None::<Error>)));
    let me = direct.user().id.clone();
    {
        let delivered = delivered.clone();
        spawn(async move {
            while let Some(item) = s.next().await {
                match item {
                    Ok(Signal::MessageCreated(m)) if m.user_id == me => delivered.lock().unwrap().0.push(m.id),
                    Ok(_) => {}
                    Err(e) => {
                        delivered.lock().unwrap().1 = Some(e);
                        return;
                    }
                }
            }
        });
    }
    let before = srv.control("/stats").await;
    srv.control("/sends?rate=0.35&seed=20").await;
    srv.control("/chaos?min=500&max=1500&count=1000").await;

    let (mut resolved, mut unknown, mut others) = (Vec::new(), 0, Vec::new());
    let send = |i: usize| {
        let input = CreateMessageInput {
            conversation_id: conv.clone(),
            payload: text(&format!("same {}", i % 5)),
            metadata: None,
        };
        let alice = alice.clone();
        async move { alice.create_message(&input).await }
    };
    for i in (0..n).step_by(2) {
        let (a, b) = futures::future::join(send(i), send(i + 1)).await;
        for r in [a, b] {
            match r {
                Ok(out) => resolved.push(out.message.id),
                Err(e) if e.kind == ErrorKind::UnknownOutcome => unknown += 1,
                Err(e) => others.push(e.message),
            }
        }
    }
    srv.control("/normal").await;
    let after = srv.control("/stats").await;
    let attempts = after["sends"].as_u64().unwrap_or(0) - before["sends"].as_u64().unwrap_or(0);
    let faults = faulted(&after) - faulted(&before);

    let stored: Vec<String> = all_messages(&direct, &conv)
        .await
        .into_iter()
        .filter(|m| m.user_id == direct.user().id)
        .map(|m| m.id)
        .collect();
    let nobody = stored.iter().filter(|id| !resolved.contains(id)).count();
    log(&format!(
        "exactly-once sends ({}): {} sends, {} resolved, {} unknown outcome, {} other errors; {} createMessage \
         exchanges, {} failed ambiguously ({:.1} %, {}); {} stored, {} resolved by nobody; {} listener cuts",
        protocol.name(),
        resolved.len() + unknown + others.len(),
        resolved.len(),
        unknown,
        others.len(),
        attempts,
        faults,
        100.0 * faults as f64 / attempts.max(1) as f64,
        after["sendFaults"],
        stored.len(),
        nobody,
        after["cuts"].as_u64().unwrap_or(0) - before["cuts"].as_u64().unwrap_or(0),
    ));
    assert!(others.is_empty(), "every send resolves or has an unknown outcome: {others:?}");
    assert!(faults * 10 >= attempts * 3, "at least 30 % of the exchanges failed ambiguously ({faults}/{attempts})");
    assert_eq!(resolved.len() + unknown, 2 * n.div_ceil(2));
    assert_eq!(resolved.iter().collect::<HashSet<_>>().len(), resolved.len(), "no message resolved two sends");
    for id in &resolved {
        assert_eq!(stored.iter().filter(|s| *s == id).count(), 1, "resolved {id} is stored once");
    }
    assert!(nobody <= unknown, "messages nobody resolved ({nobody}) come only from unknown outcomes ({unknown})");

    let deadline = now_ms() + 20_000.0;
    loop {
        let done = {
            let (ids, failure) = &*delivered.lock().unwrap();
            if let Some(e) = failure {
                panic!("the listener failed: {e}");
            }
            ids.len() >= stored.len() || now_ms() >= deadline
        };
        if done {
            break;
        }
        sleep(100).await;
    }
    assert_eq!(delivered.lock().unwrap().0, stored, "the listener delivered each message once, in order");
}

/// The same faults with exactly-once off: a program that retries every
/// failure duplicates messages, one that gives up loses some and is told
/// "failed" for others that exist.
pub async fn sends_without_exactly_once(n: usize) {
    let srv = Servers::start();
    let direct = connect(srv.api_url()).await;
    let conv =
        direct.create_conversation(&CreateConversationInput::default()).await.expect("conversation").conversation.id;
    let other =
        direct.create_conversation(&CreateConversationInput::default()).await.expect("conversation").conversation.id;
    let alice = srv.through_proxy(&direct, false);
    let before = faulted(&srv.control("/stats").await);
    srv.control("/sends?rate=0.35&seed=21").await;
    let input =
        |conv: &str, t: String| CreateMessageInput { conversation_id: conv.into(), payload: text(&t), metadata: None };
    let mut failures = 0;
    for i in 0..n {
        for _ in 0..5 {
            match alice.create_message(&input(&conv, format!("retry {i}"))).await {
                Ok(_) => break,
                Err(_) => failures += 1,
            }
        }
    }
    let mut gave_up = Vec::new();
    for i in 0..n {
        if alice.create_message(&input(&other, format!("once {i}"))).await.is_err() {
            gave_up.push(format!("once {i}"));
        }
    }
    srv.control("/normal").await;
    let faults = faulted(&srv.control("/stats").await) - before;
    let texts = |ms: Vec<Message>| -> Vec<String> {
        ms.into_iter().filter(|m| m.user_id == direct.user().id).map(|m| text_of(&m.payload)).collect()
    };
    let retried = texts(all_messages(&direct, &conv).await);
    let duplicates = retried.len() - retried.iter().collect::<HashSet<_>>().len();
    let kept: HashSet<String> = texts(all_messages(&direct, &other).await).into_iter().collect();
    let lost = gave_up.iter().filter(|t| !kept.contains(*t)).count();
    let told_failed = gave_up.len() - lost;
    log(&format!(
        "exactly-once off: {faults} ambiguous failures; retrying blindly: {failures} failures, {duplicates} \
         duplicates; giving up: {} failures, {lost} lost, {told_failed} stored though reported failed",
        gave_up.len()
    ));
    assert!(faults > 0, "the scenario produced ambiguous failures");
    assert!(duplicates > 0, "blind retries duplicated messages");
    assert!(lost > 0 && told_failed > 0, "giving up lost messages and misreported others");
}
