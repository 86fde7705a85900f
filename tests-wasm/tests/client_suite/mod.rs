//! The Rust client against `chat-server`, one suite for every platform: in
//! Node and in a browser (`tests-wasm/tests/client_node.rs`,
//! `client_browser.rs`, the servers started by `scripts/wasm-test-runner.sh`)
//! and natively (`crates/botpress-chat/tests/client.rs`, which starts them
//! for each test). What differs between them comes from the harness's
//! `platform` module. Two servers: `sharedUrl` (shared mode,
//! `--page-size 3 --test-faults`) and `manualUrl` (`--encryption-key`, the
//! fixture `encryptionKey`).

use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::platform::chat::api::*;
use crate::platform::chat::client::{Auth, AuthenticatedClient, CallOptions, Client, ClientOptions};
use crate::platform::chat::protocol::http::RetryPolicy;
use crate::platform::chat::{ApiErrorType, Error, ErrorKind, MessagePayload};
use crate::platform::{abort_after, aborted, async_test, fixtures, random, Fixtures};

/// The suite's servers, and clients of them.
struct Servers(Fixtures);

impl Servers {
    /// The servers of this test (natively its own, stopped when it ends; on
    /// wasm those of the test binary).
    fn start() -> Servers {
        Servers(fixtures())
    }

    fn shared(&self) -> &str {
        self.0.get("sharedUrl")
    }

    fn manual(&self) -> &str {
        self.0.get("manualUrl")
    }

    fn encryption_key(&self) -> &str {
        self.0.get("encryptionKey")
    }

    fn client(&self) -> Client {
        Client::new(ClientOptions::new(format!("{}/local", self.shared()))).unwrap()
    }

    fn fault(&self, case: &str) -> Client {
        let mut o = ClientOptions::new(format!("{}/_fault/{case}", self.shared()));
        o.retry = RetryPolicy { max_retries: 3, base_delay_ms: 0, max_delay_ms: 1000 };
        Client::new(o).unwrap()
    }

    async fn user(&self) -> AuthenticatedClient {
        self.client().connect(Auth::CreateUser { user_id: None }).await.unwrap()
    }

    async fn fault_err(&self, case: &str) -> Error {
        self.fault(case).get_user(Some("k"), &GetUserInput {}).await.unwrap_err()
    }

    async fn flaky_calls(&self) -> u64 {
        let stats = Client::new(ClientOptions::new(format!("{}/_fault/stats", self.shared()))).unwrap();
        stats.call(None, &Stats {}).await.unwrap().flaky_calls
    }
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", (random() * 1e12) as u64)
}

fn api_err(e: &Error, ty: ApiErrorType) {
    assert_eq!(e.kind, ErrorKind::Api(ty), "{e:?}");
    assert_eq!(e.code, ty.code(), "{e:?}");
    assert!(e.id.as_deref().is_some_and(|id| id.starts_with("err_")), "{e:?}");
}

fn text(t: &str) -> MessagePayload {
    MessagePayload::text(t)
}

#[async_test]
async fn shared_mode_user_lifecycle() {
    let srv = Servers::start();
    let c = srv.client();
    assert_eq!(c.api_version(), "1.0.0");
    let me = c.connect(Auth::CreateUser { user_id: None }).await.unwrap();
    assert!(!me.key().is_empty());
    assert_eq!(me.get_user(&GetUserInput {}).await.unwrap().user.id, me.user().id);

    let fields = UserFields { name: Some("Ada".into()), profile: Some("p".into()), ..Default::default() };
    let updated = me.update_user(&UpdateUserInput { fields }).await.unwrap().user;
    assert_eq!(updated.name.as_deref(), Some("Ada"));

    // getOrCreateUser through the key-per-call client; then connect with the key.
    let got = c.get_or_create_user(Some(me.key()), &GetOrCreateUserInput::default()).await.unwrap();
    assert_eq!(got.user.id, me.user().id);
    let again = c.connect(Auth::UserKey(me.key().to_string())).await.unwrap();
    assert_eq!(again.user().name.as_deref(), Some("Ada"));

    me.delete_user(&DeleteUserInput {}).await.unwrap();
    api_err(&me.get_user(&GetUserInput {}).await.unwrap_err(), ApiErrorType::ResourceNotFound);
}

#[async_test]
async fn create_user_with_an_id_and_duplicates() {
    let srv = Servers::start();
    let id = unique("u");
    let me = srv.client().connect(Auth::CreateUser { user_id: Some(id.clone()) }).await.unwrap();
    assert_eq!(me.user().id, id);
    let input = CreateUserInput { id: Some(id), ..Default::default() };
    api_err(&srv.client().create_user(None, &input).await.unwrap_err(), ApiErrorType::AlreadyExists);
    let bad = CreateUserInput { id: Some("not valid!".into()), ..Default::default() };
    api_err(&srv.client().create_user(None, &bad).await.unwrap_err(), ApiErrorType::InvalidPayload);
}

#[async_test]
async fn conversations() {
    let srv = Servers::start();
    let me = srv.user().await;
    let id = unique("conv");
    let conv = me.create_conversation(&CreateConversationInput { id: Some(id.clone()) }).await.unwrap().conversation;
    assert_eq!(conv.id, id);
    assert!(conv.created_at.ends_with('Z'));
    let got = me.get_conversation(&GetConversationInput { id: id.clone() }).await.unwrap();
    assert_eq!(got.conversation.id, id);
    let same = me.get_or_create_conversation(&GetOrCreateConversationInput { id: id.clone() }).await.unwrap();
    assert_eq!(same.conversation.id, id);
    let listed = me.list_conversations(&ListConversationsInput::default()).await.unwrap();
    assert!(listed.conversations.iter().any(|c| c.id == id));
    api_err(
        &me.create_conversation(&CreateConversationInput { id: Some(id.clone()) }).await.unwrap_err(),
        ApiErrorType::AlreadyExists,
    );
    me.delete_conversation(&DeleteConversationInput { id: id.clone() }).await.unwrap();
    api_err(&me.get_conversation(&GetConversationInput { id }).await.unwrap_err(), ApiErrorType::ResourceNotFound);
}

#[async_test]
async fn messages_and_events() {
    let srv = Servers::start();
    let me = srv.user().await;
    let conv = me.create_conversation(&CreateConversationInput::default()).await.unwrap().conversation;
    let mut meta = serde_json::Map::new();
    meta.insert("k".into(), serde_json::json!({"n": 1, "s": [true, null]}));
    let input =
        CreateMessageInput { conversation_id: conv.id.clone(), payload: text("hello"), metadata: Some(meta.clone()) };
    let msg = me.create_message(&input).await.unwrap().message;
    assert_eq!(msg.payload, text("hello"));
    assert_eq!(msg.metadata.as_ref(), Some(&meta));
    assert_eq!(msg.user_id, me.user().id);

    let got = me.get_message(&GetMessageInput { id: msg.id.clone() }).await.unwrap().message;
    assert_eq!((got.id.as_str(), got.metadata.as_ref()), (msg.id.as_str(), Some(&meta)));
    let listed =
        me.list_messages(&ListMessagesInput { conversation_id: conv.id.clone(), next_token: None }).await.unwrap();
    assert!(listed.messages.iter().any(|m| m.id == msg.id));

    // Every payload kind goes through.
    let kinds = [
        serde_json::json!({"type":"markdown","markdown":"**b**"}),
        serde_json::json!({"type":"image","imageUrl":"https://x/i.png"}),
        serde_json::json!({"type":"location","latitude":1.5,"longitude":-2.25,"title":"T"}),
        serde_json::json!({"type":"card","title":"C","actions":[{"action":"url","label":"L","value":"https://x"}]}),
        serde_json::json!({"type":"carousel","items":[{"type":"card","title":"C","actions":[]}]}),
        serde_json::json!({"type":"bloc","items":[{"type":"text","text":"a"},{"type":"file","fileUrl":"https://x/f"}]}),
    ];
    for k in kinds {
        let payload: MessagePayload = serde_json::from_value(k.clone()).unwrap();
        let input = CreateMessageInput { conversation_id: conv.id.clone(), payload: payload.clone(), metadata: None };
        assert_eq!(me.create_message(&input).await.unwrap().message.payload, payload, "{k}");
    }

    me.delete_message(&DeleteMessageInput { id: msg.id.clone() }).await.unwrap();
    api_err(&me.get_message(&GetMessageInput { id: msg.id }).await.unwrap_err(), ApiErrorType::ResourceNotFound);

    let mut payload = serde_json::Map::new();
    payload.insert("kind".into(), "ping".into());
    let ev = me
        .create_event(&CreateEventInput { conversation_id: conv.id.clone(), payload: payload.clone() })
        .await
        .unwrap()
        .event;
    assert_eq!(ev.payload, payload);
    let got = me.get_event(&GetEventInput { id: ev.id.clone() }).await.unwrap().event;
    assert_eq!(got.id, ev.id);
}

#[async_test]
async fn participants_and_permissions() {
    let srv = Servers::start();
    let owner = srv.user().await;
    let other = srv.user().await;
    let conv = owner.create_conversation(&CreateConversationInput::default()).await.unwrap().conversation;

    // Not a participant yet.
    api_err(
        &other.get_conversation(&GetConversationInput { id: conv.id.clone() }).await.unwrap_err(),
        ApiErrorType::Forbidden,
    );
    let input = CreateMessageInput { conversation_id: conv.id.clone(), payload: text("x"), metadata: None };
    api_err(&other.create_message(&input).await.unwrap_err(), ApiErrorType::Forbidden);

    let added = owner
        .add_participant(&AddParticipantInput { conversation_id: conv.id.clone(), user_id: other.user().id.clone() })
        .await
        .unwrap();
    assert_eq!(added.participant.id, other.user().id);
    let p = owner
        .get_participant(&GetParticipantInput { conversation_id: conv.id.clone(), user_id: other.user().id.clone() })
        .await
        .unwrap();
    assert_eq!(p.participant.id, other.user().id);
    let list = other
        .list_participants(&ListParticipantsInput { conversation_id: conv.id.clone(), next_token: None })
        .await
        .unwrap();
    // The owner and the new participant (the server may list its bot too).
    for id in [&owner.user().id, &other.user().id] {
        assert!(list.participants.iter().any(|p| &p.id == id), "{id}");
    }
    // Only the owner may add, and the owner cannot leave.
    api_err(
        &other
            .add_participant(&AddParticipantInput {
                conversation_id: conv.id.clone(),
                user_id: other.user().id.clone(),
            })
            .await
            .unwrap_err(),
        ApiErrorType::Forbidden,
    );
    api_err(
        &owner
            .remove_participant(&RemoveParticipantInput {
                conversation_id: conv.id.clone(),
                user_id: owner.user().id.clone(),
            })
            .await
            .unwrap_err(),
        ApiErrorType::InvalidPayload,
    );
    owner
        .remove_participant(&RemoveParticipantInput {
            conversation_id: conv.id.clone(),
            user_id: other.user().id.clone(),
        })
        .await
        .unwrap();
    api_err(&other.create_message(&input).await.unwrap_err(), ApiErrorType::Forbidden);
}

/// A route the server knows, with a method it does not.
#[derive(Serialize, Deserialize)]
struct PutConversations {}

impl Operation for PutConversations {
    const NAME: &'static str = "putConversations";
    const METHOD: Method = Method::Put;
    const PATH: &'static str = "/conversations";
    type Output = Empty;
}

/// `GET /_fault/stats`.
#[derive(Serialize, Deserialize)]
struct Stats {}

botpress_chat::record! {
    #[derive(Serialize, Deserialize)]
    pub struct StatsOutput {
        flaky_calls as "flakyCalls": u64,
    }
}

impl Operation for Stats {
    const NAME: &'static str = "stats";
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/";
    const KEYED: bool = false;
    type Output = StatsOutput;
}

#[async_test]
async fn server_error_types() {
    let srv = Servers::start();
    let me = srv.user().await;
    let c = srv.client();
    api_err(&c.get_user(Some("not-a-jwt"), &GetUserInput {}).await.unwrap_err(), ApiErrorType::Unauthorized);
    api_err(&me.call(&PutConversations {}).await.unwrap_err(), ApiErrorType::MethodNotFound);
    api_err(
        &me.get_message(&GetMessageInput { id: "msg_nope".into() }).await.unwrap_err(),
        ApiErrorType::ResourceNotFound,
    );
    api_err(
        &me.create_conversation(&CreateConversationInput { id: Some("bad id!".into()) }).await.unwrap_err(),
        ApiErrorType::InvalidPayload,
    );
}

#[async_test]
async fn invalid_calls_fail_before_any_request() {
    // A client for an unreachable URL: nothing below may try to connect.
    let c = Client::new(ClientOptions::new("http://127.0.0.1:9")).unwrap();
    let e = c.get_user(None, &GetUserInput {}).await.unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (
            ErrorKind::Api(ApiErrorType::Unauthorized),
            "getUser: x-user-key is required (checked by the client before sending)"
        )
    );
    let e = c.get_message(Some("k"), &GetMessageInput { id: String::new() }).await.unwrap_err();
    assert_eq!(
        (e.kind, e.code, e.message.as_str()),
        (
            ErrorKind::Api(ApiErrorType::InvalidPayload),
            400,
            "getMessage: id: must be a non-empty string (checked by the client before sending)"
        )
    );
    let input = CreateMessageInput { conversation_id: "c".into(), payload: text(""), metadata: None };
    let e = c.create_message(Some("k"), &input).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Api(ApiErrorType::InvalidPayload));
    assert!(e.message.starts_with("createMessage: payload.text"), "{}", e.message);

    assert_eq!(Client::new(ClientOptions::default()).unwrap_err().kind, ErrorKind::Config);
    assert_eq!(Client::new(ClientOptions::new("ftp://x")).unwrap_err().kind, ErrorKind::Config);
    let e = Client::new(ClientOptions::webhook("abc")).unwrap();
    assert_eq!(e.api_url(), "https://chat.botpress.cloud/abc");
    let e = c.connect(Auth::EncryptionKey { encryption_key: "k".into(), user_id: String::new() }).await;
    // The hello check comes first and fails on the unreachable URL.
    assert_eq!(e.unwrap_err().kind, ErrorKind::Connect);
}

#[async_test]
async fn hello_check_failures() {
    let srv = Servers::start();
    let e = Client::new(ClientOptions::new("http://127.0.0.1:9"))
        .unwrap()
        .connect(Auth::CreateUser { user_id: None })
        .await;
    let e = e.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Connect);
    assert!(e.message.starts_with("Failed to connect to url \"http://127.0.0.1:9\""), "{}", e.message);
    let e = Client::new(ClientOptions::new(format!("{}/nowhere/at/all", srv.shared())))
        .unwrap()
        .get_user(Some("k"), &GetUserInput {})
        .await
        .unwrap_err();
    assert_eq!(e.code, 404, "{e:?}");
    assert!(e.message.starts_with("Failed to connect"), "{}", e.message);
}

#[async_test]
async fn manual_mode_signed_keys() {
    let srv = Servers::start();
    let c = Client::new(ClientOptions::new(format!("{}/local", srv.manual()))).unwrap();
    let id = unique("manual");
    let me = c
        .connect(Auth::EncryptionKey { encryption_key: srv.encryption_key().into(), user_id: id.clone() })
        .await
        .unwrap();
    assert_eq!(me.user().id, id);
    let conv = me.create_conversation(&CreateConversationInput::default()).await.unwrap().conversation;
    let input = CreateMessageInput { conversation_id: conv.id, payload: text("signed"), metadata: None };
    assert_eq!(me.create_message(&input).await.unwrap().message.user_id, id);
    // The same key again, then a key signed with the wrong secret.
    assert_eq!(c.connect(Auth::UserKey(me.key().into())).await.unwrap().user().id, id);
    let e = c.connect(Auth::EncryptionKey { encryption_key: "wrong-key".into(), user_id: id }).await.unwrap_err();
    api_err(&e, ApiErrorType::Unauthorized);
    assert!(!format!("{e:?}").contains(srv.encryption_key()));
    // createUser is refused in manual mode.
    api_err(&c.connect(Auth::CreateUser { user_id: None }).await.unwrap_err(), ApiErrorType::Unauthorized);
}

#[async_test]
async fn pagination_over_several_pages() {
    let srv = Servers::start();
    let me = srv.user().await;
    let conv = me.create_conversation(&CreateConversationInput::default()).await.unwrap().conversation;
    for i in 0..7 {
        me.create_conversation(&CreateConversationInput::default()).await.unwrap();
        let input =
            CreateMessageInput { conversation_id: conv.id.clone(), payload: text(&format!("m{i}")), metadata: None };
        me.create_message(&input).await.unwrap();
    }
    // Page size 3 on this server.
    let first = me.list_conversations(&ListConversationsInput::default()).await.unwrap();
    assert_eq!(first.conversations.len(), 3);
    assert!(first.meta.next_token.is_some());
    let all: Vec<_> = me.list_all_conversations().collect().await;
    assert_eq!(all.len(), 8);
    let mut ids: Vec<String> = all.into_iter().map(|c| c.unwrap().id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 8);
    // The bot replies too: at least the 7 messages of ours.
    let msgs: Vec<_> = me.list_all_messages(&conv.id).collect().await;
    let ours = msgs.iter().filter(|m| m.as_ref().unwrap().user_id == me.user().id).count();
    assert_eq!(ours, 7);
    let people: Vec<_> = me.list_all_participants(&conv.id).collect().await;
    assert!(people.iter().any(|p| p.as_ref().unwrap().id == me.user().id));
    // Errors end the stream.
    let mut s = me.list_all_messages("conv_unknown");
    let e = s.next().await.unwrap().unwrap_err();
    assert!(matches!(e.api_type(), Some(ApiErrorType::Forbidden | ApiErrorType::ResourceNotFound)), "{e:?}");
    assert!(s.next().await.is_none());
}

#[async_test]
async fn timeout_and_abort() {
    let srv = Servers::start();
    let mut o = ClientOptions::new(format!("{}/_fault/slow", srv.shared()));
    o.timeout_ms = 400;
    let c = Client::new(o).unwrap();
    let e = c.get_user(Some("k"), &GetUserInput {}).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout, "{e:?}");
    assert!(e.message.contains("400 ms"), "{}", e.message);

    let slow = srv.fault("slow");
    let opts = CallOptions { timeout_ms: Some(300), ..Default::default() };
    assert_eq!(slow.call_with(Some("k"), &GetUserInput {}, &opts).await.unwrap_err().kind, ErrorKind::Timeout);

    let opts = CallOptions { signal: Some(abort_after(200)), ..Default::default() };
    let e = slow.call_with(Some("k"), &GetUserInput {}, &opts).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Aborted, "{e:?}");

    let opts = CallOptions { signal: Some(aborted()), ..Default::default() };
    let e = slow.call_with(Some("k"), &GetUserInput {}, &opts).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Aborted);
}

#[async_test]
async fn malformed_responses() {
    let srv = Servers::start();
    let e = srv.fault_err("html500").await;
    assert_eq!(e.kind, ErrorKind::Decode);
    assert!(e.message.starts_with("getUser: HTTP 500: expected JSON, got HTML"), "{}", e.message);

    let e = srv.fault_err("text500").await;
    assert_eq!(
        (e.kind, e.code, e.message.as_str()),
        (ErrorKind::Api(ApiErrorType::Unknown), 500, "HTTP 500: Internal Server Error")
    );

    let e = srv.fault_err("empty200").await;
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Decode, "getUser: HTTP 200: expected JSON, got an empty body")
    );

    let e = srv.fault_err("empty500").await;
    assert_eq!((e.kind, e.code), (ErrorKind::Api(ApiErrorType::Unknown), 500));

    let e = srv.fault_err("truncated").await;
    assert_eq!(e.kind, ErrorKind::Decode);
    assert!(e.message.starts_with("getUser: HTTP 200: invalid or truncated JSON"), "{}", e.message);

    let e = srv.fault_err("wrongtypes").await;
    assert_eq!(e.kind, ErrorKind::Decode);
    // `{"user":{"id":5,"createdAt":true}}`: the first bad field found is named.
    assert!(e.message.starts_with("getUser: unexpected response: user."), "{}", e.message);
    assert!(e.message.contains("invalid type"), "{}", e.message);

    let e = srv.fault_err("huge").await;
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Decode, "getUser: the response body exceeds the limit of 1048576 bytes")
    );

    let e = srv.fault_err("code2xx").await;
    assert_eq!((e.kind, e.code, e.message.as_str()), (ErrorKind::Http, 429, "slow down"));

    let e = srv.fault_err("bare400").await;
    assert_eq!((e.kind, e.code), (ErrorKind::Api(ApiErrorType::Unknown), 400));
    assert_eq!(e.message, "must have required property 'body'");

    let e = srv.fault_err("bare404").await;
    assert_eq!((e.kind, e.code, e.id), (ErrorKind::Api(ApiErrorType::Unknown), 404, None));

    let e = srv.fault_err("notjson200").await;
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Decode, "getUser: HTTP 200: expected JSON, got HTML: <html>oops</html>")
    );

    // A compressed body declares a small length; it is measured again once decoded.
    let e = srv.fault_err("gzipped").await;
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Decode, "getUser: the response body exceeds the limit of 1048576 bytes")
    );

    // Without Content-Length the body is counted while it is read: a small
    // one arrives whole, a large one stops at the limit.
    let c = srv.fault("chunked");
    assert_eq!(c.get_user(Some("k"), &GetUserInput {}).await.unwrap().user.id, "fault_user");
    let e = srv.fault_err("hugechunked").await;
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Decode, "getUser: the response body exceeds the limit of 1048576 bytes")
    );

    // A larger limit lets the huge answer through.
    let mut o = ClientOptions::new(format!("{}/_fault/huge", srv.shared()));
    o.max_response_bytes = 4 << 20;
    let c = Client::new(o).unwrap();
    assert_eq!(c.get_user(Some("k"), &GetUserInput {}).await.unwrap().user.id, "fault_user");
}

#[async_test]
async fn retries_of_reads() {
    let srv = Servers::start();
    let before = srv.flaky_calls().await;
    // A write is never retried: the first 503 is the answer.
    let e = srv.fault("flaky").create_conversation(Some("k"), &CreateConversationInput::default()).await.unwrap_err();
    assert_eq!(e.code, 503);
    // A read is retried past the 503s (Retry-After: 0).
    let user = srv.fault("flaky").get_user(Some("k"), &GetUserInput {}).await.unwrap().user;
    assert_eq!(user.id, "fault_user");
    assert_eq!(srv.flaky_calls().await - before, 3);

    // Always 429: bounded retries, then the error.
    let e = srv.fault_err("ratelimit").await;
    assert_eq!((e.kind, e.code), (ErrorKind::Api(ApiErrorType::RateLimited), 429));

    let mut o = ClientOptions::new(format!("{}/_fault/flaky", srv.shared()));
    o.retry = RetryPolicy::NONE;
    let e = Client::new(o).unwrap().get_user(Some("k"), &GetUserInput {}).await.unwrap_err();
    assert_eq!(e.code, 503);
    // Leave the flaky case at its start for other runs.
    let _ = srv.fault("flaky").get_user(Some("k"), &GetUserInput {}).await;
}

#[async_test]
async fn extra_headers() {
    let srv = Servers::start();
    let mut o = ClientOptions::new(format!("{}/local", srv.shared()));
    o.headers = vec![("x-extra".into(), "1".into())];
    let me = Client::new(o).unwrap().connect(Auth::CreateUser { user_id: None }).await.unwrap();
    me.get_user(&GetUserInput {}).await.unwrap();
    let mut o = ClientOptions::new(format!("{}/local", srv.shared()));
    o.headers = vec![("bad header".into(), "1".into())];
    let e = Client::new(o).unwrap().create_user(None, &CreateUserInput::default()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Config, "{e:?}");
    let mut o = ClientOptions::new(format!("{}/local", srv.shared()));
    o.headers = vec![("x-extra".into(), "line\r\nbreak".into())];
    let e = Client::new(o).unwrap().create_user(None, &CreateUserInput::default()).await.unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::Config, "header \"x-extra\": not a valid header name or value")
    );
    // A user key that cannot be a header value fails before any request.
    let e = srv.client().get_user(Some("key\nwith a line break"), &GetUserInput {}).await.unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Config, "getUser: x-user-key is not a valid header value"));
}
