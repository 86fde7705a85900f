//! The client's own rules over the fake host (`crate::fake`): retries and
//! `Retry-After`, the `/hello` check, timeouts, cancellation, what is checked
//! before sending and what an answer must look like.

use crate::sync::{Lock, Shared};

use futures::future::join;
use serde_json::json;

use super::*;
use crate::api::{CreateMessageInput, GetMessageInput, GetUserInput, Operation};
use crate::error::ApiErrorType;
use crate::fake::{FakeHost, Reply};
use crate::model::MessagePayload;

const USER: &str =
    r#"{"user":{"id":"u1","createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z"}}"#;
const MESSAGE: &str = r#"{"message":{"id":"m1","createdAt":"2026-01-01T00:00:00.000Z","conversationId":"c1","userId":"u1","payload":{"type":"text","text":"hi"},"extra":7}}"#;

fn client(host: &FakeHost) -> Client<FakeHost> {
    client_with(host, |_| {})
}

fn client_with(host: &FakeHost, edit: impl FnOnce(&mut ClientOptions)) -> Client<FakeHost> {
    let mut opts = ClientOptions::new("http://chat.test/api");
    edit(&mut opts);
    Client::with_host(host.clone(), opts).unwrap()
}

fn text(s: &str) -> CreateMessageInput {
    CreateMessageInput { conversation_id: "c1".into(), payload: MessagePayload::text(s), metadata: None }
}

#[test]
fn a_read_is_retried_on_503_with_growing_backoff() {
    let host = FakeHost::default();
    host.reply([Reply::status(503, ""), Reply::status(503, ""), Reply::status(200, USER)]);
    let out = host.run(client(&host).get_user(Some("k"), &GetUserInput {})).unwrap();
    assert_eq!(out.user.id, "u1");
    let at: Vec<f64> = host.seen().iter().filter(|s| s.url.ends_with("/users/me")).map(|s| s.at_ms).collect();
    // Base 300 ms doubling, half fixed and half jitter (the fake's dice say 0.5).
    assert_eq!(at, vec![0.0, 225.0, 225.0 + 450.0]);
}

#[test]
fn retry_after_is_waited_for_or_the_error_returned_when_too_long() {
    let host = FakeHost::default();
    host.reply([Reply::retry_after(429, "2"), Reply::status(200, USER)]);
    host.run(client(&host).get_user(Some("k"), &GetUserInput {})).unwrap();
    assert_eq!(host.now(), 2000.0);

    let host = FakeHost::default();
    host.reply([Reply::retry_after(503, "60")]);
    let e = host.run(client(&host).get_user(Some("k"), &GetUserInput {})).unwrap_err();
    assert_eq!(e.code, 503);
    assert_eq!((host.count("/users/me"), host.now()), (1, 0.0));
}

#[test]
fn retries_stop_after_the_policy_s_count_and_never_touch_writes() {
    let host = FakeHost::default();
    host.reply((0..4).map(|_| Reply::status(502, "")));
    let e = host.run(client(&host).get_user(Some("k"), &GetUserInput {})).unwrap_err();
    assert_eq!((e.code, host.count("/users/me")), (502, 4));

    let host = FakeHost::default();
    host.reply([Reply::status(503, "")]);
    // (A send's own rules when its outcome is unknown: the exactly-once tests below.)
    let c = client_with(&host, |o| o.exactly_once = false);
    let e = host.run(c.create_message(Some("k"), &text("hi"))).unwrap_err();
    assert_eq!((e.code, host.count("/messages")), (503, 1));

    let host = FakeHost::default();
    host.reply([Reply::status(503, "")]);
    let c = client_with(&host, |o| o.retry = RetryPolicy::NONE);
    host.run(c.get_user(Some("k"), &GetUserInput {})).unwrap_err();
    assert_eq!(host.count("/users/me"), 1);
}

#[test]
fn hello_runs_once_for_concurrent_and_later_calls() {
    let host = FakeHost::default();
    host.hello([Reply::Answer { after_ms: 50, status: 200, retry_after: None, body: "{}".into() }]);
    host.reply([Reply::status(200, USER), Reply::status(200, USER), Reply::status(200, USER)]);
    let c = client(&host);
    let (a, b) = host.run(join(c.get_user(Some("k"), &GetUserInput {}), c.get_user(Some("k"), &GetUserInput {})));
    a.unwrap();
    b.unwrap();
    host.run(c.get_user(Some("k"), &GetUserInput {})).unwrap();
    assert_eq!(host.count("/hello"), 1);
    assert_eq!(host.count("/users/me"), 3);
}

#[test]
fn a_failed_hello_is_a_connect_error_and_is_tried_again_by_the_next_call() {
    let host = FakeHost::default();
    host.hello([Reply::status(500, "down")]);
    host.reply([Reply::status(200, USER)]);
    let c = client(&host);
    let e = host.run(c.get_user(Some("k"), &GetUserInput {})).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Connect);
    assert!(e.message.starts_with("Failed to connect to url \"http://chat.test/api\""), "{}", e.message);
    assert_eq!(host.count("/users/me"), 0);
    host.run(c.get_user(Some("k"), &GetUserInput {})).unwrap();
    assert_eq!(host.count("/hello"), 2);
}

#[test]
fn a_call_with_no_answer_times_out_at_its_deadline() {
    let host = FakeHost::default();
    host.reply([Reply::Hang, Reply::Hang]);
    let c = client_with(&host, |o| o.timeout_ms = 1500);
    let e = host.run(c.get_user(Some("k"), &GetUserInput {})).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout);
    assert_eq!(e.message, "getUser: no response within 1500 ms");
    assert_eq!(host.now(), 1500.0);

    let opts = CallOptions { timeout_ms: Some(200), ..Default::default() };
    let e = host.run(c.call_with(Some("k"), &GetUserInput {}, &opts)).unwrap_err();
    assert_eq!((e.kind, host.now()), (ErrorKind::Timeout, 1700.0));
}

#[test]
fn an_answer_in_time_is_not_a_timeout() {
    let host = FakeHost::default();
    host.reply([Reply::Answer { after_ms: 999, status: 200, retry_after: None, body: USER.into() }]);
    let c = client_with(&host, |o| o.timeout_ms = 1000);
    host.run(c.get_user(Some("k"), &GetUserInput {})).unwrap();
}

#[test]
fn an_aborted_signal_stops_the_call_and_its_retries() {
    let host = FakeHost::default();
    let signal = Shared::new(Lock::new(true));
    host.reply([Reply::status(200, USER)]);
    let opts = CallOptions { signal: Some(signal.clone()), ..Default::default() };
    let c = client(&host);
    let e = host.run(c.call_with(Some("k"), &GetUserInput {}, &opts)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Aborted);

    // Fired while waiting to retry: no second request.
    let host = FakeHost::default();
    host.reply([Reply::status(503, "")]);
    let signal = Shared::new(Lock::new(false));
    let opts = CallOptions { signal: Some(signal.clone()), ..Default::default() };
    let c = client(&host);
    let call = c.call_with(Some("k"), &GetUserInput {}, &opts);
    let fire = async {
        host.sleep(100).await;
        signal.set(true);
    };
    let (e, ()) = host.run(join(call, fire));
    assert_eq!(e.unwrap_err().kind, ErrorKind::Aborted);
    assert_eq!(host.count("/users/me"), 1);
}

#[test]
fn mistakes_are_caught_before_any_request() {
    let host = FakeHost::default();
    let c = client(&host);
    let e = host.run(c.get_user(None, &GetUserInput {})).unwrap_err();
    assert_eq!(e.api_type(), Some(ApiErrorType::Unauthorized));
    let e = host.run(c.get_message(Some("k"), &GetMessageInput { id: String::new() })).unwrap_err();
    assert_eq!(e.api_type(), Some(ApiErrorType::InvalidPayload));
    assert!(e.message.starts_with("getMessage: id: must be a non-empty string"), "{}", e.message);
    let e = host.run(c.create_message(Some("k"), &text(""))).unwrap_err();
    assert!(e.message.starts_with("createMessage: payload.text"), "{}", e.message);
    let c = client_with(&host, |o| o.headers = vec![("bad name".into(), "v".into())]);
    let e = host.run(c.get_user(Some("k"), &GetUserInput {})).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Config);
    assert!(host.seen().iter().all(|s| s.url.ends_with("/hello")), "{:?}", host.seen());
}

#[test]
fn json_arguments_take_the_typed_path_and_the_answer_text_is_kept() {
    let host = FakeHost::default();
    host.reply([Reply::status(200, MESSAGE)]);
    let c = client(&host);
    let args = json!({"conversationId": "c1", "payload": {"type": "text", "text": "hi"}, "unknown": 1});
    let text = host.run(c.call_json(Some("k"), &CreateMessageInput::SPEC, &args, &CallOptions::default())).unwrap();
    assert_eq!(text, MESSAGE);
    let sent = host.seen().into_iter().find(|s| s.url.ends_with("/messages")).unwrap();
    assert_eq!((sent.method, sent.user_key.as_deref()), ("POST", Some("k")));
    assert_eq!(sent.body.as_deref(), Some(r#"{"conversationId":"c1","payload":{"text":"hi","type":"text"}}"#));

    let refuse =
        |args: Value| host.run(c.call_json(Some("k"), &CreateMessageInput::SPEC, &args, &CallOptions::default()));
    let e = refuse(json!([1])).unwrap_err();
    assert_eq!(e.message, "createMessage: expected an object argument (checked by the client before sending)");
    let e = refuse(json!({"payload": {"type": "text", "text": "hi"}})).unwrap_err();
    assert!(e.message.starts_with("createMessage: missing field `conversationId`"), "{}", e.message);
    let e = refuse(json!({"conversationId": 5, "payload": {"type": "text", "text": "hi"}})).unwrap_err();
    assert!(e.message.contains("conversationId: invalid type: integer `5`"), "{}", e.message);
    assert_eq!(host.count("/messages"), 1);
}

#[test]
fn answers_of_the_wrong_shape_are_decode_errors() {
    let host = FakeHost::default();
    host.reply([Reply::status(200, r#"{"message":{"id":5}}"#), Reply::status(200, "<html>"), Reply::status(200, "[]")]);
    let c = client(&host);
    for _ in 0..3 {
        let e = host.run(c.create_message(Some("k"), &text("hi"))).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Decode, "{}", e.message);
        assert!(e.message.starts_with("createMessage: "), "{}", e.message);
    }
}

#[test]
fn failures_of_the_exchange_name_the_operation() {
    let host = FakeHost::default();
    host.reply([
        Reply::Fail { after_ms: 0, failure: Failure::Network("connection reset".into()) },
        Reply::Fail { after_ms: 0, failure: Failure::TooLarge },
    ]);
    let c = client_with(&host, |o| {
        o.max_response_bytes = 10;
        o.exactly_once = false;
    });
    let e = host.run(c.create_message(Some("k"), &text("hi"))).unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Network, "createMessage: connection reset"));
    let e = host.run(c.create_message(Some("k"), &text("hi"))).unwrap_err();
    assert_eq!(e.message, "createMessage: the response body exceeds the limit of 10 bytes");
}

#[test]
fn debug_logs_each_exchange_without_the_key() {
    let host = FakeHost::default();
    host.reply([Reply::status(503, ""), Reply::status(200, USER)]);
    let c = client_with(&host, |o| o.debug = true);
    host.run(c.get_user(Some("secret-key"), &GetUserInput {})).unwrap();
    assert_eq!(
        host.logged(),
        vec!["getUser GET http://chat.test/api/users/me 503", "getUser GET http://chat.test/api/users/me 200"]
    );
    assert!(client(&host).options().debug.eq(&false));
}

#[test]
fn connect_creates_a_user_or_binds_a_key() {
    let host = FakeHost::default();
    host.reply([Reply::status(200, &USER.replace("}}", "},\"key\":\"minted\"}")), Reply::status(200, USER)]);
    let c = client(&host);
    let chat = host.run(c.connect(Auth::CreateUser { user_id: Some("u1".into()) })).unwrap();
    assert_eq!((chat.user().id.as_str(), chat.key()), ("u1", "minted"));
    let chat = host.run(c.connect(Auth::UserKey("given".into()))).unwrap();
    assert_eq!(chat.key(), "given");
    let seen = host.seen();
    let sent: Vec<_> = seen.iter().filter(|s| !s.url.ends_with("/hello")).collect();
    assert_eq!(sent[0].body.as_deref(), Some(r#"{"id":"u1"}"#));
    assert_eq!(
        (sent[1].url.as_str(), sent[1].user_key.as_deref()),
        ("http://chat.test/api/users/get-or-create", Some("given"))
    );
}

#[test]
fn an_encryption_key_signs_the_user_key_and_is_never_sent() {
    use jwt_compact::alg::{Hs256, Hs256Key};
    use jwt_compact::{AlgorithmExt, UntrustedToken};

    #[derive(serde::Deserialize)]
    struct Claims {
        id: String,
    }

    let host = FakeHost::default();
    host.reply([Reply::status(200, USER)]);
    let c = client(&host);
    let auth = Auth::EncryptionKey { encryption_key: "s3cret-key".into(), user_id: "u\"1".into() };
    let chat = host.run(c.connect(auth)).unwrap();
    let token = UntrustedToken::new(chat.key()).unwrap();
    let checked = Hs256.validator::<Claims>(&Hs256Key::new(b"s3cret-key")).validate(&token).unwrap();
    assert_eq!(checked.claims().custom.id, "u\"1");
    let sent = host.seen().into_iter().find(|s| s.url.ends_with("/users/get-or-create")).unwrap();
    assert_eq!(sent.user_key.as_deref(), Some(chat.key()));
    assert!(host.seen().iter().all(|s| !format!("{s:?}").contains("s3cret-key")));

    let e = host.run(c.connect(Auth::EncryptionKey { encryption_key: String::new(), user_id: "u".into() }));
    assert_eq!(e.unwrap_err().kind, ErrorKind::Config);
}

/* ---------- exactly-once createMessage (crate::once) ---------- */

#[cfg(feature = "exactly-once")]
mod once_sends {
    use super::*;

    /// A listed message, `at_ms` on the fake clock.
    fn listed(id: &str, at_ms: i64, user: &str, text: &str) -> serde_json::Value {
        json!({"id": id, "createdAt": crate::realtime::backfill::iso_string(at_ms), "conversationId": "c1",
               "userId": user, "payload": {"type": "text", "text": text}})
    }

    fn page(items: &[serde_json::Value], next: Option<&str>) -> Reply {
        let meta = match next {
            Some(t) => json!({"nextToken": t}),
            None => json!({}),
        };
        Reply::status(200, &json!({"messages": items, "meta": meta}).to_string())
    }

    fn created(id: &str, at_ms: i64, text: &str) -> Reply {
        Reply::status(200, &json!({"message": listed(id, at_ms, "u1", text)}).to_string())
    }

    fn posts(host: &FakeHost) -> usize {
        host.seen().iter().filter(|s| s.method == "POST" && s.url.ends_with("/messages")).count()
    }

    /// Starts the fake clock well past the epoch, so that "before the send" exists.
    fn later(host: &FakeHost) {
        host.run(host.sleep(60_000));
    }

    #[test]
    fn a_send_that_succeeds_costs_one_request() {
        let host = FakeHost::default();
        later(&host);
        host.reply([created("m1", 60_010, "hi")]);
        let out = host.run(client(&host).create_message(Some("k"), &text("hi"))).unwrap();
        assert_eq!(out.message.id, "m1");
        assert_eq!(host.seen().len(), 2, "/hello and the send: {:?}", host.seen());
    }

    #[test]
    fn after_a_timeout_the_check_finds_the_message_and_nothing_is_sent_again() {
        let host = FakeHost::default();
        later(&host);
        host.reply([
            Reply::Hang,
            Reply::status(200, USER),
            page(
                &[
                    listed("bot1", 62_000, "bot", "hi"),
                    listed("m1", 60_005, "u1", "hi"),
                    listed("old", 1_000, "u1", "hi"),
                ],
                None,
            ),
        ]);
        let c = client_with(&host, |o| o.timeout_ms = 3000);
        let out = host.run(c.create_message(Some("k"), &text("hi"))).unwrap();
        assert_eq!(out.message.id, "m1");
        assert_eq!(posts(&host), 1);
        // The attempt kept a third of the time for the check.
        assert_eq!(host.now(), 62_000.0);
    }

    #[test]
    fn after_a_502_a_check_that_shows_nothing_sends_again() {
        let host = FakeHost::default();
        later(&host);
        host.reply([
            Reply::status(502, "bad gateway"),
            Reply::status(200, USER),
            page(&[listed("bot1", 50_000, "bot", "hi")], Some("more")),
            created("m2", 60_020, "hi"),
        ]);
        let out = host.run(client(&host).create_message(Some("k"), &text("hi")));
        let out = out.unwrap_or_else(|e| panic!("{e:?} {:#?}", host.seen()));
        assert_eq!(out.message.id, "m2");
        assert_eq!(posts(&host), 2);
        assert_eq!(host.count("/messages?nextToken=more"), 0, "the first page reached back before the send");
    }

    #[test]
    fn a_429_is_sent_again_without_a_check() {
        let host = FakeHost::default();
        later(&host);
        host.reply([
            Reply::status(429, ""),
            Reply::status(429, r#"{"type":"RateLimited","code":429,"message":"slow down","id":"err_1"}"#),
            created("m1", 60_500, "hi"),
        ]);
        let out = host.run(client(&host).create_message(Some("k"), &text("hi"))).unwrap();
        assert_eq!(out.message.id, "m1");
        assert_eq!((posts(&host), host.count("/users/me")), (3, 0));
        assert_eq!(host.now(), 60_000.0 + 100.0 + 200.0, "pauses of 100 then 200 ms");
    }

    #[test]
    fn a_check_that_cannot_see_far_enough_back_reports_an_unknown_outcome() {
        let host = FakeHost::default();
        later(&host);
        // Pages of messages newer than the send, each taking 400 ms: the time runs out first.
        let busy = |n: i64| {
            let body =
                json!({"messages": [listed(&format!("b{n}"), 61_000 - n, "bot", "x")], "meta": {"nextToken": "n"}});
            Reply::Answer { after_ms: 400, status: 200, retry_after: None, body: body.to_string() }
        };
        host.reply([Reply::status(503, ""), Reply::status(200, USER)]);
        host.reply((1..=10).map(busy));
        let c = client_with(&host, |o| o.timeout_ms = 3000);
        let e = host.run(c.create_message(Some("k"), &text("hi"))).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownOutcome, "{}", e.message);
        assert!(
            e.message.starts_with("createMessage: the message may or may not have been created (HTTP 503"),
            "{}",
            e.message
        );
        assert_eq!(posts(&host), 1, "never a blind second send");
        assert!(host.count("nextToken=n") >= 5, "it read on while there was time");
        assert!(host.now() <= 63_000.0, "within the timeout: {}", host.now());
    }

    #[test]
    fn a_check_that_keeps_failing_until_the_deadline_reports_an_unknown_outcome() {
        let host = FakeHost::default();
        later(&host);
        let reset = || Reply::Fail { after_ms: 0, failure: Failure::Network("reset".into()) };
        host.reply([reset(), reset(), reset(), reset(), reset(), reset(), reset(), reset()]);
        let c = client_with(&host, |o| o.timeout_ms = 1000);
        let e = host.run(c.create_message(Some("k"), &text("hi"))).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownOutcome, "{}", e.message);
        assert!(e.message.contains("(createMessage: reset)"), "{}", e.message);
        assert_eq!(posts(&host), 1);
        assert!(host.now() <= 61_000.0);
    }

    #[test]
    fn with_exactly_once_off_an_ambiguous_failure_is_the_answer() {
        let host = FakeHost::default();
        host.reply([Reply::status(504, "")]);
        let opts = CallOptions { exactly_once: Some(false), ..Default::default() };
        let e = host.run(client(&host).call_with(Some("k"), &text("hi"), &opts)).unwrap_err();
        assert_eq!(e.code, 504);
        assert_eq!(host.seen().len(), 2);
    }

    #[test]
    fn a_message_another_send_resolved_with_is_not_claimed_again() {
        let host = FakeHost::default();
        later(&host);
        let c = client(&host);
        host.reply([created("m1", 60_001, "ok")]);
        host.run(c.create_message(Some("k"), &text("ok"))).unwrap();
        // The same text again; it times out, and the only match is m1, the
        // first send's: this one's was not created, so it is sent again.
        host.reply([
            Reply::Hang,
            Reply::status(200, USER),
            page(&[listed("m1", 60_001, "u1", "ok"), listed("old", 50_000, "bot", "x")], None),
            created("m2", 100_000, "ok"),
        ]);
        let out = host.run(c.create_message(Some("k"), &text("ok"))).unwrap();
        assert_eq!(out.message.id, "m2");
        assert_eq!(posts(&host), 3);
    }

    #[test]
    fn sends_to_one_conversation_go_one_at_a_time_in_call_order() {
        let host = FakeHost::default();
        later(&host);
        host.reply([
            Reply::Answer { after_ms: 500, status: 200, retry_after: None, body: MESSAGE.into() },
            Reply::Answer { after_ms: 0, status: 200, retry_after: None, body: MESSAGE.into() },
        ]);
        let c = client(&host);
        let (a, b) =
            host.run(join(c.create_message(Some("k"), &text("one")), c.create_message(Some("k"), &text("two"))));
        a.unwrap();
        b.unwrap();
        let sent: Vec<(f64, String)> = host
            .seen()
            .into_iter()
            .filter(|s| s.method == "POST")
            .map(|s| (s.at_ms, s.body.unwrap_or_default()))
            .collect();
        assert_eq!(sent.len(), 2);
        assert!(sent[0].1.contains("\"one\"") && sent[1].1.contains("\"two\""), "{sent:?}");
        assert!(sent[1].0 >= sent[0].0 + 500.0, "the second waits for the first: {sent:?}");
    }

    #[test]
    fn a_queued_send_whose_caller_gives_up_ends_before_its_turn() {
        let host = FakeHost::default();
        later(&host);
        host.reply([Reply::Answer { after_ms: 5_000, status: 200, retry_after: None, body: MESSAGE.into() }]);
        let c = client(&host);
        let signal = Shared::new(Lock::new(false));
        let opts = CallOptions { signal: Some(signal.clone()), ..Default::default() };
        let (one, two) = (text("one"), text("two"));
        let first = c.create_message(Some("k"), &one);
        let second = async {
            let r = c.call_with(Some("k"), &two, &opts).await;
            (r, host.now())
        };
        let give_up = async {
            host.sleep(1_000).await;
            signal.set(true);
        };
        let (a, (b, at), ()) = host.run(futures::future::join3(first, second, give_up));
        a.unwrap();
        assert_eq!(b.unwrap_err().kind, ErrorKind::Aborted);
        assert!(at < 62_000.0, "it ended before the first send settled: {at}");
        assert_eq!(posts(&host), 1, "the second was never sent");
    }

    #[test]
    fn a_send_made_offline_waits_for_the_network_within_its_timeout() {
        let host = FakeHost::default();
        later(&host);
        host.run(client(&host).hello()).unwrap();
        host.set_offline(true);
        host.reply([created("m1", 61_000, "hi")]);
        let c = client_with(&host, |o| o.timeout_ms = 5000);
        let back = async {
            host.sleep(1000).await;
            host.set_offline(false);
        };
        let (out, ()) = host.run(join(c.create_message(Some("k"), &text("hi")), back));
        assert_eq!(out.unwrap().message.id, "m1");
        let post = host.seen().into_iter().find(|s| s.method == "POST").unwrap();
        assert!(post.at_ms >= 61_000.0, "sent once back online: {}", post.at_ms);

        host.set_offline(true);
        let e = host.run(c.create_message(Some("k"), &text("hi"))).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Timeout);
        assert_eq!(e.message, "createMessage: waited for the network for 5000 ms");
    }
}
