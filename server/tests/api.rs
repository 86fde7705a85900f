//! Request/response operations, validation, errors and the auth matrix.
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]

mod common;

use common::{sign, Server};
use serde_json::{json, Value};

fn assert_error(status: u16, v: &Value, code: u16, ty: &str, msg_part: &str) {
    assert_eq!(status, code, "{v}");
    assert_eq!(v["code"], code, "{v}");
    assert_eq!(v["type"], ty, "{v}");
    let m = v["message"].as_str().unwrap();
    assert!(m.contains(msg_part), "message {m:?} lacks {msg_part:?}");
    let id = v["id"].as_str().unwrap();
    assert!(id.starts_with("err_") && id.len() == 27 && &id[18..19] == "x", "{id}");
    assert!(id[4..18].chars().all(|c| c.is_ascii_digit()), "{id}");
    assert!(id[19..].chars().all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)), "{id}");
}

fn is_iso(s: &Value) -> bool {
    let s = s.as_str().unwrap_or("");
    s.len() == 24 && s.ends_with('Z') && &s[10..11] == "T" && &s[19..20] == "."
}

#[tokio::test]
async fn hello_cors_and_preflight() {
    let s = Server::start(&[]);
    let r = s.http.get(format!("{}/hello/", s.base)).header("origin", "http://page:1").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "http://page:1");
    assert_eq!(r.headers()["access-control-allow-credentials"], "true");
    assert_eq!(r.headers()["access-control-expose-headers"], "retry-after");
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    assert_eq!(r.text().await.unwrap(), "Hello, Botpress User 🤖");

    let r = s.http.get(format!("{}//local//hello", s.url)).send().await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(r.text().await.unwrap(), "Hello, Botpress User 🤖");

    for path in ["/local/users/me", "/nowhere/at/all", "/"] {
        let r = s
            .http
            .request(reqwest::Method::OPTIONS, format!("{}{path}", s.url))
            .header("origin", "http://a.b")
            .header("access-control-request-headers", "x-custom, content-type")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let h = r.headers().clone();
        assert_eq!(h["access-control-allow-origin"], "http://a.b");
        let allow = h["access-control-allow-headers"].to_str().unwrap();
        assert!(allow.contains("x-user-key") && allow.contains("x-custom"), "{allow}");
        assert_eq!(h["access-control-allow-methods"], "GET, POST, PUT, DELETE, OPTIONS");
        assert_eq!(r.text().await.unwrap(), "");
    }
    // Errors carry CORS headers too.
    let r = s.http.get(format!("{}/users/me", s.base)).header("origin", "http://o").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["access-control-allow-origin"], "http://o");
}

#[tokio::test]
async fn users() {
    let s = Server::start(&[]);
    let (s1, v) = s
        .call("POST", "/users", None, Some(json!({"id": "alice", "name": "Alice", "pictureUrl": "p", "profile": "x"})))
        .await;
    assert_eq!(s1, 200);
    let u = &v["user"];
    assert_eq!(
        (u["id"].as_str(), u["name"].as_str(), u["pictureUrl"].as_str()),
        (Some("alice"), Some("Alice"), Some("p"))
    );
    assert!(is_iso(&u["createdAt"]) && is_iso(&u["updatedAt"]));
    let key = v["key"].as_str().unwrap().to_string();

    // Taken fid, bad fids, empty id counts as absent.
    let (st, e) = s.call("POST", "/users", None, Some(json!({"id": "alice"}))).await;
    assert_error(st, &e, 409, "AlreadyExists", "User with id alice already exists");
    let (st, e) = s.call("POST", "/users", None, Some(json!({"id": "a b"}))).await;
    assert_error(st, &e, 400, "InvalidPayload", "Fid contains invalid characters");
    let (st, e) = s.call("POST", "/users", None, Some(json!({"id": "a".repeat(71)}))).await;
    assert_error(st, &e, 400, "InvalidPayload", "Fid length exceeds the maximum allowed length of 70");
    let (st, e) = s.call("POST", "/users", None, Some(json!({"profile": "p".repeat(1001)}))).await;
    assert_error(st, &e, 400, "InvalidPayload", "profile");
    let (st, e) = s.call("POST", "/users", None, Some(json!({"name": 5}))).await;
    assert_error(st, &e, 400, "InvalidPayload", "name: invalid type");
    let (st, v) = s.call("POST", "/users", None, Some(json!({"id": ""}))).await;
    assert_eq!(st, 200);
    let anon = v["user"]["id"].as_str().unwrap();
    assert!(anon.starts_with("user_"), "{anon}");

    // getUser echoes the key's id; updateUser keeps omitted fields.
    let v = s.ok("GET", "/users/me", &key, None).await;
    assert_eq!(v["user"]["id"], "alice");
    let v = s.ok("PUT", "/users/me", &key, Some(json!({"name": "Al"}))).await;
    assert_eq!((v["user"]["name"].as_str(), v["user"]["pictureUrl"].as_str()), (Some("Al"), Some("p")));
    let v = s.ok("POST", "/users/get-or-create", &key, Some(json!({"profile": "new"}))).await;
    assert_eq!((v["user"]["name"].as_str(), v["user"]["profile"].as_str()), (Some("Al"), Some("new")));
    assert!(v.get("key").is_none());

    // deleteUser: the key still verifies but the user is gone; the fid is free again.
    assert_eq!(s.ok("DELETE", "/users/me", &key, None).await, json!({}));
    let (st, e) = s.call("GET", "/users/me", Some(&key), None).await;
    assert_error(st, &e, 404, "ResourceNotFound", "alice");
    let (st, _) = s.call("POST", "/users", None, Some(json!({"id": "alice"}))).await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn conversations_and_participants() {
    let s = Server::start(&["--page-size", "2"]);
    let (_, ka) = s.user(Some("alice")).await;
    let (bob, kb) = s.user(None).await;
    let (_, kc) = s.user(Some("carol")).await;

    let c = s.conversation(&ka, Some("room-1")).await;
    assert_eq!(c, "room-1");
    let (st, e) = s.call("POST", "/conversations", Some(&ka), Some(json!({"id": "room-1"}))).await;
    assert_error(st, &e, 409, "AlreadyExists", "Conversation with id room-1 already exists");
    let (st, e) = s.call("POST", "/conversations", Some(&ka), Some(json!({"id": "bad id!"}))).await;
    assert_error(st, &e, 400, "InvalidPayload", "Fid contains invalid characters");
    let internal = s.conversation(&ka, None).await;
    assert!(internal.starts_with("conv_"));

    // getConversation echoes the path id; participants only.
    let v = s.ok("GET", "/conversations/room-1", &ka, None).await;
    assert_eq!(v["conversation"]["id"], "room-1");
    let (st, e) = s.call("GET", "/conversations/room-1", Some(&kb), None).await;
    assert_error(st, &e, 403, "Forbidden", "not a participant");
    let (st, e) = s.call("GET", "/conversations/nope", Some(&ka), None).await;
    assert_error(st, &e, 404, "ResourceNotFound", "nope");

    // getOrCreateConversation: owner gets it back, others are refused, new ids are created.
    let v = s.ok("POST", "/conversations/get-or-create", &ka, Some(json!({"id": "room-1"}))).await;
    assert_eq!(v["conversation"]["id"], "room-1");
    let (st, e) = s.call("POST", "/conversations/get-or-create", Some(&kb), Some(json!({"id": "room-1"}))).await;
    assert_error(st, &e, 403, "Forbidden", "You are not the owner of this conversation");
    let v = s.ok("POST", "/conversations/get-or-create", &kb, Some(json!({"id": "bobs"}))).await;
    assert_eq!(v["conversation"]["id"], "bobs");
    let (st, e) = s.call("POST", "/conversations/get-or-create", Some(&kb), Some(json!({}))).await;
    assert_error(st, &e, 400, "InvalidPayload", "missing field `id`");

    // Participants: owner-gated changes, the bot is always there.
    let (st, e) = s.call("POST", "/conversations/room-1/participants", Some(&kb), Some(json!({"userId": bob}))).await;
    assert_error(st, &e, 403, "Forbidden", "owner");
    let (st, e) =
        s.call("POST", "/conversations/room-1/participants", Some(&ka), Some(json!({"userId": "ghost"}))).await;
    assert_error(st, &e, 404, "ResourceNotFound", "ghost");
    let v = s.ok("POST", "/conversations/room-1/participants", &ka, Some(json!({"userId": bob}))).await;
    assert_eq!(v["participant"]["id"], bob.as_str());
    s.ok("POST", "/conversations/room-1/participants", &ka, Some(json!({"userId": "carol"}))).await;
    // listParticipants pages (page size 2): alice, bot, bob, carol.
    let v = s.ok("GET", "/conversations/room-1/participants", &kb, None).await;
    let ids: Vec<&str> = v["participants"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["alice", "bot_echo"]);
    let t = v["meta"]["nextToken"].as_str().unwrap();
    let v = s.ok("GET", &format!("/conversations/room-1/participants?nextToken={t}"), &kb, None).await;
    let ids: Vec<&str> = v["participants"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [bob.as_str(), "carol"]);
    assert!(v["meta"].get("nextToken").is_none());
    let (st, e) = s.call("GET", "/conversations/room-1/participants?nextToken=zzz", Some(&kb), None).await;
    assert_error(st, &e, 400, "InvalidPayload", "nextToken");

    // getParticipant: owner only; non-members are 404.
    let v = s.ok("GET", "/conversations/room-1/participants/carol", &ka, None).await;
    assert_eq!(v["participant"]["id"], "carol");
    let (st, e) = s.call("GET", "/conversations/room-1/participants/carol", Some(&kb), None).await;
    assert_error(st, &e, 403, "Forbidden", "owner");
    let (st, e) = s.call("GET", "/conversations/bobs/participants/carol", Some(&kb), None).await;
    assert_error(st, &e, 404, "ResourceNotFound", "carol");

    // removeParticipant: not the owner, not by others.
    let (st, e) = s.call("DELETE", "/conversations/room-1/participants/alice", Some(&ka), None).await;
    assert_error(
        st,
        &e,
        400,
        "InvalidPayload",
        "You cannot remove yourself from the conversation because you are its owner",
    );
    let (st, e) = s.call("DELETE", "/conversations/room-1/participants/carol", Some(&kb), None).await;
    assert_error(st, &e, 403, "Forbidden", "owner");
    assert_eq!(s.ok("DELETE", "/conversations/room-1/participants/carol", &ka, None).await, json!({}));
    let (st, e) = s.call("GET", "/conversations/room-1", Some(&kc), None).await;
    assert_error(st, &e, 403, "Forbidden", "participant");
    let (st, _) = s.call("DELETE", "/conversations/room-1/participants/carol", Some(&ka), None).await;
    assert_eq!(st, 404);

    // listConversations: the caller's conversations, paged, oldest first.
    let v = s.ok("GET", "/conversations", &ka, None).await;
    let ids: Vec<&str> = v["conversations"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["room-1", internal.as_str()]);
    assert!(v["meta"].get("nextToken").is_none());
    let v = s.ok("GET", "/conversations", &kb, None).await;
    let ids: Vec<&str> = v["conversations"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["bobs", "room-1"]);

    // deleteConversation: owner only; the fid becomes free.
    let (st, e) = s.call("DELETE", "/conversations/room-1", Some(&kb), None).await;
    assert_error(st, &e, 403, "Forbidden", "owner");
    assert_eq!(s.ok("DELETE", "/conversations/room-1", &ka, None).await, json!({}));
    let (st, _) = s.call("GET", "/conversations/room-1", Some(&ka), None).await;
    assert_eq!(st, 404);
    assert_eq!(s.conversation(&ka, Some("room-1")).await, "room-1");
    // Internal ids reach resources that have a fid.
    let v = s.ok("GET", &format!("/conversations/{internal}"), &ka, None).await;
    assert_eq!(v["conversation"]["id"], internal.as_str());
}

#[tokio::test]
async fn messages_and_events() {
    let s = Server::start(&["--page-size", "3", "--bot-delay-ms", "0"]);
    let (_, ka) = s.user(Some("alice")).await;
    let (bob, kb) = s.user(None).await;
    let c = s.conversation(&ka, Some("chat")).await;

    let mut sse = s.listen(&ka, &c).await;
    let body = json!({"conversationId": c, "payload": {"type": "text", "text": "hello"}, "metadata": {"k": [1, 2]}});
    let m = s.ok("POST", "/messages", &ka, Some(body)).await["message"].clone();
    assert_eq!((m["conversationId"].as_str(), m["userId"].as_str()), (Some("chat"), Some("alice")));
    assert_eq!(m["metadata"], json!({"k": [1, 2]}));
    assert!(m["payload"].get("metadata").is_none());
    assert!(is_iso(&m["createdAt"]));
    let mid = m["id"].as_str().unwrap().to_string();
    assert!(mid.starts_with("msg_"));
    let sig = sse.signal_of("message_created").await;
    assert_eq!(sig["data"]["isBot"], false);
    assert_eq!(sig["data"]["id"], mid.as_str());
    let echo = sse.signal_of("message_created").await;
    assert_eq!((echo["data"]["isBot"].as_bool(), echo["data"]["userId"].as_str()), (Some(true), Some("bot_echo")));
    assert_eq!(echo["data"]["payload"], json!({"type": "text", "text": "hello"}));
    assert!(echo["data"].get("metadata").is_none());

    // getMessage: the real author.
    let v = s.ok("GET", &format!("/messages/{mid}"), &ka, None).await;
    assert_eq!(
        (v["message"]["userId"].as_str(), v["message"]["conversationId"].as_str()),
        (Some("alice"), Some("chat"))
    );
    let bot_id = echo["data"]["id"].as_str().unwrap();
    let v = s.ok("GET", &format!("/messages/{bot_id}"), &ka, None).await;
    assert_eq!(v["message"]["userId"], "bot_echo");
    let (st, e) = s.call("GET", &format!("/messages/{mid}"), Some(&kb), None).await;
    assert_error(st, &e, 403, "Forbidden", "You are not a participant in this message's conversation");
    let (st, e) = s.call("GET", "/messages/msg_nope", Some(&ka), None).await;
    assert_error(st, &e, 404, "ResourceNotFound", "msg_nope");

    // Non-participants cannot post or list.
    let (st, e) = s
        .call(
            "POST",
            "/messages",
            Some(&kb),
            Some(json!({"conversationId": c, "payload": {"type": "text", "text": "x"}})),
        )
        .await;
    assert_error(st, &e, 403, "Forbidden", "participant");
    let (st, e) = s.call("GET", "/conversations/chat/messages", Some(&kb), None).await;
    assert_error(st, &e, 403, "Forbidden", "participant");

    // More messages, then list them oldest first across pages.
    for i in 0..3 {
        s.text(&ka, &c, &format!("n{i}")).await;
    }
    for _ in 0..6 {
        sse.signal_of("message_created").await;
    }
    let all = s.all_messages(&ka, "chat").await;
    assert_eq!(all.len(), 8);
    assert_eq!(all[0]["id"], mid.as_str());
    assert_eq!(all[0]["metadata"], json!({"k": [1, 2]}));
    for w in all.windows(2) {
        assert!(w[0]["createdAt"].as_str() < w[1]["createdAt"].as_str(), "{} {}", w[0], w[1]);
    }
    assert!(all.iter().all(|m| m["conversationId"] == "chat"));
    assert_eq!(all.iter().filter(|m| m["userId"] == "bot_echo").count(), 4);

    // deleteMessage: sender only.
    s.ok("POST", "/conversations/chat/participants", &ka, Some(json!({"userId": bob}))).await;
    let (st, e) = s.call("DELETE", &format!("/messages/{mid}"), Some(&kb), None).await;
    assert_error(st, &e, 403, "Forbidden", "You are not the sender of this message");
    assert_eq!(s.ok("DELETE", &format!("/messages/{mid}"), &ka, Some(json!({}))).await, json!({}));
    let d = sse.signal_of("message_deleted").await;
    assert_eq!(d["data"], json!({"id": mid, "conversationId": "chat", "userId": "alice"}));
    let (st, _) = s.call("GET", &format!("/messages/{mid}"), Some(&ka), None).await;
    assert_eq!(st, 404);

    // Events: stored, signalled, answered by the bot with an unstored event.
    let body = json!({"conversationId": "chat", "payload": {"kind": "typing", "n": 1}});
    let ev = s.ok("POST", "/events", &kb, Some(body)).await["event"].clone();
    assert_eq!((ev["userId"].as_str(), ev["conversationId"].as_str()), (Some(bob.as_str()), Some("chat")));
    let eid = ev["id"].as_str().unwrap();
    assert!(eid.starts_with("evt_"));
    let e1 = sse.signal_of("event_created").await;
    assert_eq!((e1["data"]["id"].as_str(), e1["data"]["isBot"].as_bool()), (Some(eid), Some(false)));
    let e2 = sse.signal_of("event_created").await;
    assert_eq!(e2["data"]["id"], Value::Null);
    assert_eq!(e2["data"]["isBot"], true);
    assert_eq!(e2["data"]["userId"], "bot_echo");
    assert_eq!(e2["data"]["payload"], json!({"kind": "typing", "n": 1}));
    let v = s.ok("GET", &format!("/events/{eid}"), &ka, None).await;
    assert_eq!((v["event"]["userId"].as_str(), v["event"]["payload"]["n"].as_i64()), (Some(bob.as_str()), Some(1)));
    let (st, e) = s.call("GET", "/events/evt_nope", Some(&ka), None).await;
    assert_error(st, &e, 404, "ResourceNotFound", "evt_nope");
    let (_, kc) = s.user(None).await;
    let (st, e) = s.call("GET", &format!("/events/{eid}"), Some(&kc), None).await;
    assert_error(st, &e, 403, "Forbidden", "You are not a participant in this event's conversation");
    let (st, e) = s.call("POST", "/events", Some(&kc), Some(json!({"conversationId": "chat", "payload": {}}))).await;
    assert_error(st, &e, 403, "Forbidden", "event's conversation");
    let (st, e) = s.call("POST", "/events", Some(&kb), Some(json!({"conversationId": "chat", "payload": "x"}))).await;
    assert_error(st, &e, 400, "InvalidPayload", "payload: invalid type");
}

#[tokio::test]
async fn validation_errors() {
    let s = Server::start(&[]);
    let (_, k) = s.user(Some("v")).await;
    let c = s.conversation(&k, Some("vc")).await;
    let cases: Vec<(&str, &str, Option<&str>, &str)> = vec![
        ("POST", "/messages", None, "body: a JSON object body is required"),
        ("POST", "/messages", Some("{not json"), "body: invalid JSON"),
        ("POST", "/messages", Some("[1]"), "body: must be a JSON object"),
        ("POST", "/messages", Some("{}"), "missing field `conversationId`"),
        ("POST", "/messages", Some(r#"{"conversationId":5}"#), "conversationId: invalid type"),
        ("POST", "/messages", Some(r#"{"conversationId":""}"#), "conversationId: must be a non-empty string"),
        ("POST", "/messages", Some(r#"{"conversationId":"vc"}"#), "missing field `payload`"),
        ("POST", "/messages", Some(r#"{"conversationId":"vc","payload":"hi"}"#), "payload: invalid type"),
        ("POST", "/messages", Some(r#"{"conversationId":"vc","payload":{"type":"poll"}}"#), "payload.type"),
        ("POST", "/messages", Some(r#"{"conversationId":"vc","payload":{"text":"x"}}"#), "payload"),
        ("POST", "/messages", Some(r#"{"conversationId":"vc","payload":{"type":"text","text":5}}"#), "payload"),
        (
            "POST",
            "/messages",
            Some(r#"{"conversationId":"vc","payload":{"type":"image","imageUrl":""}}"#),
            "payload.imageUrl",
        ),
        (
            "POST",
            "/messages",
            Some(
                r#"{"conversationId":"vc","payload":{"type":"bloc","items":[{"type":"card","title":"t","actions":[]}]}}"#,
            ),
            "payload",
        ),
        (
            "POST",
            "/messages",
            Some(r#"{"conversationId":"vc","payload":{"type":"text","text":"x"},"metadata":3}"#),
            "metadata: invalid type",
        ),
        (
            "POST",
            "/messages",
            Some(r#"{"conversationId":"vc","payload":{"type":"text","text":"x","metadata":{}}}"#),
            "payload.metadata",
        ),
        ("PUT", "/users/me", None, "body: a JSON object body is required"),
        ("DELETE", "/users/me", Some("{oops"), "body: invalid JSON"),
        ("POST", "/conversations/vc/participants", Some("{}"), "missing field `userId`"),
    ];
    for (method, path, body, msg) in cases {
        let (st, e) = s.raw(method, path, Some(&k), body.map(String::from)).await;
        assert_error(st, &e, 400, "InvalidPayload", msg);
    }
    // Missing key is a 400 that names the header.
    let (st, e) = s.raw("GET", "/users/me", None, None).await;
    assert_error(st, &e, 400, "InvalidPayload", "x-user-key");
    // Every payload kind is accepted.
    let kinds = [
        json!({"type":"text","text":"hi"}),
        json!({"type":"markdown","markdown":"**b**"}),
        json!({"type":"image","imageUrl":"http://x/i.png"}),
        json!({"type":"audio","audioUrl":"http://x/a.mp3"}),
        json!({"type":"video","videoUrl":"http://x/v.mp4"}),
        json!({"type":"file","fileUrl":"http://x/f.pdf","title":"F"}),
        json!({"type":"location","latitude":1.5,"longitude":-2.0,"address":"","title":""}),
        json!({"type":"card","title":"C","actions":[{"action":"url","label":"L","value":"V"}]}),
        json!({"type":"choice","text":"Pick","options":[{"label":"A","value":"a"}]}),
        json!({"type":"dropdown","text":"Pick","options":[]}),
        json!({"type":"carousel","items":[{"type":"card","title":"C","actions":[]}]}),
        json!({"type":"bloc","items":[{"type":"text","text":"a"},{"type":"location","latitude":0.0,"longitude":0.0}]}),
    ];
    for p in kinds {
        let m = s.ok("POST", "/messages", &k, Some(json!({"conversationId": c, "payload": p.clone()}))).await;
        assert_eq!(m["message"]["payload"], p);
    }
    // Bodies over 1 MiB.
    let big = format!(r#"{{"conversationId":"vc","payload":{{"type":"text","text":"{}"}}}}"#, "x".repeat(1_100_000));
    let (st, e) = s.raw("POST", "/messages", Some(&k), Some(big)).await;
    assert_error(st, &e, 413, "PayloadTooLarge", "body");
    // Unknown routes and wrong methods.
    let (st, e) = s.raw("GET", "/nope/deeper", Some(&k), None).await;
    assert_error(st, &e, 404, "ResourceNotFound", "Route doesn't exist");
    let (st, e) = s.raw("GET", "/conversations/get-or-create", Some(&k), None).await;
    assert_error(st, &e, 405, "MethodNotFound", "Method doesn't exist");
    let (st, e) = s.raw("PUT", "/messages", Some(&k), Some("{}".into())).await;
    assert_error(st, &e, 405, "MethodNotFound", "POST");
    let r = s.http.get(format!("{}/elsewhere", s.url)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // Trailing and doubled slashes, percent-encoded segments.
    let v = s.ok("GET", "//conversations//vc//", &k, None).await;
    assert_eq!(v["conversation"]["id"], "vc");
    s.conversation(&k, Some("a/b")).await;
    let v = s.ok("GET", "/conversations/a%2Fb", &k, None).await;
    assert_eq!(v["conversation"]["id"], "a/b");
}

#[tokio::test]
async fn auth_matrix_shared_mode() {
    let s = Server::start(&["--shared-key", "topsecret"]);
    let (alice, ka) = s.user(Some("alice")).await;
    let (_, kb) = s.user(Some("bob")).await;
    assert_eq!(alice, "alice");
    // The minted key is {id, iat} signed with the shared key.
    assert_eq!(chat_server::auth::verify(b"topsecret", &ka, chat_server::util::now_secs()), Ok("alice".to_string()));
    let c = s.conversation(&ka, Some("private")).await;

    let forged = chat_server::auth::mint(b"not-the-key", "alice", 0);
    let none = {
        use base64::Engine;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.", e.encode(r#"{"alg":"none","typ":"JWT"}"#), e.encode(r#"{"id":"alice"}"#))
    };
    let hs512 = chat_server::auth::sign(b"topsecret", &json!({"alg": "HS512"}), &json!({"id": "alice"}));
    let expired = chat_server::auth::sign(b"topsecret", &json!({"alg": "HS256"}), &json!({"id": "alice", "exp": 1000}));
    let future = chat_server::auth::sign(
        b"topsecret",
        &json!({"alg": "HS256"}),
        &json!({"id": "alice", "nbf": 99_999_999_999u64}),
    );
    let no_id = chat_server::auth::sign(b"topsecret", &json!({"alg": "HS256"}), &json!({"sub": "alice"}));
    let num_id = chat_server::auth::sign(b"topsecret", &json!({"alg": "HS256"}), &json!({"id": 7}));
    for bad in [forged.as_str(), &none, &hs512, &expired, &future, &no_id, &num_id, "not-a-jwt"] {
        let (st, e) = s.call("GET", "/users/me", Some(bad), None).await;
        assert_error(st, &e, 401, "Unauthorized", "Invalid user key");
        let (st, _) = s.call("GET", &format!("/conversations/{c}/messages"), Some(bad), None).await;
        assert_eq!(st, 401);
    }
    // A valid key of another user: not a participant, not the owner.
    let (st, e) = s.call("GET", &format!("/conversations/{c}/messages"), Some(&kb), None).await;
    assert_error(st, &e, 403, "Forbidden", "participant");
    let (st, e) = s.call("DELETE", &format!("/conversations/{c}"), Some(&kb), None).await;
    assert_error(st, &e, 403, "Forbidden", "owner");
    let (st, _) =
        s.call("POST", &format!("/conversations/{c}/participants"), Some(&kb), Some(json!({"userId": "bob"}))).await;
    assert_eq!(st, 403);
    // A key for a user that does not exist.
    let ghost = chat_server::auth::mint(b"topsecret", "ghost", 0);
    let (st, e) = s.call("GET", "/users/me", Some(&ghost), None).await;
    assert_error(st, &e, 404, "ResourceNotFound", "ghost");
    // getOrCreateUser creates it (shared mode too).
    let v = s.ok("POST", "/users/get-or-create", &ghost, Some(json!({}))).await;
    assert_eq!(v["user"]["id"], "ghost");
    // The bot's identity cannot be used.
    let botkey = chat_server::auth::mint(b"topsecret", "bot_echo", 0);
    let (st, _) = s.call("GET", "/users/me", Some(&botkey), None).await;
    assert_eq!(st, 401);
}

#[tokio::test]
async fn manual_mode() {
    let s = Server::start(&["--encryption-key", "dev-key"]);
    let (st, e) = s.call("POST", "/users", None, Some(json!({"id": "x"}))).await;
    assert_error(
        st,
        &e,
        401,
        "Unauthorized",
        "The \"createUser\" operation can only be called when using the shared encryption key.",
    );
    let k = sign("dev-key", "manual-user");
    let (st, _) = s.call("GET", "/users/me", Some(&k), None).await;
    assert_eq!(st, 404);
    let v = s.ok("POST", "/users/get-or-create", &k, Some(json!({"name": "M"}))).await;
    assert_eq!((v["user"]["id"].as_str(), v["user"]["name"].as_str()), (Some("manual-user"), Some("M")));
    let v = s.ok("GET", "/users/me", &k, None).await;
    assert_eq!(v["user"]["name"], "M");
    // jsonwebtoken-style header with typ and no iat.
    let k2 = chat_server::auth::sign(b"dev-key", &json!({"alg": "HS256", "typ": "JWT"}), &json!({"id": "other"}));
    s.ok("POST", "/users/get-or-create", &k2, Some(json!({}))).await;
    let k3 = sign("wrong-key", "manual-user");
    let (st, _) = s.call("GET", "/users/me", Some(&k3), None).await;
    assert_eq!(st, 401);
    let bad = sign("dev-key", "bad id");
    let (st, e) = s.call("POST", "/users/get-or-create", Some(&bad), Some(json!({}))).await;
    assert_error(st, &e, 400, "InvalidPayload", "Fid contains invalid characters");
    let c = s.conversation(&k, None).await;
    s.text(&k, &c, "hi").await;
}

#[tokio::test]
async fn static_files_and_webhook_id() {
    let root = std::env::temp_dir().join(format!("chat-server-static-{}", std::process::id()));
    let (a, b) = (root.join("a"), root.join("b"));
    std::fs::create_dir_all(a.join("sub")).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(a.join("index.html"), "<h1>a</h1>").unwrap();
    std::fs::write(a.join("app.js"), "export default 1").unwrap();
    std::fs::write(b.join("app.js"), "shadowed").unwrap();
    std::fs::write(b.join("pkg.wasm"), [0u8, 97, 115, 109]).unwrap();
    std::fs::write(a.join("sub").join("index.html"), "sub").unwrap();
    let s = Server::start(&["--static", a.to_str().unwrap(), "--static", b.to_str().unwrap(), "--webhook-id", "wh-1"]);
    let get = |p: &str| s.http.get(format!("{}{p}", s.url)).send();
    let r = get("/").await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(r.text().await.unwrap(), "<h1>a</h1>");
    let r = get("/app.js").await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(r.text().await.unwrap(), "export default 1");
    let r = get("/pkg.wasm").await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/wasm");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &[0u8, 97, 115, 109]);
    assert_eq!(get("/sub/").await.unwrap().text().await.unwrap(), "sub");
    assert_eq!(get("/missing.js").await.unwrap().status(), 404);
    assert_eq!(get("/%2E%2E/a/index.html").await.unwrap().status(), 404);
    // The API lives under the webhook id.
    assert_eq!(get("/wh-1/hello").await.unwrap().text().await.unwrap(), "Hello, Botpress User 🤖");
    assert_eq!(get("/local/hello").await.unwrap().status(), 404);
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test]
async fn fault_injector() {
    let s = Server::start(&["--test-faults"]);
    let f = |p: &str| s.http.get(format!("{}/_fault/{p}", s.url)).send();
    let r = f("html500/hello").await.unwrap();
    assert_eq!(r.text().await.unwrap(), "Hello, Botpress User 🤖");
    let r = f("html500/users/me").await.unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let expect: Vec<(&str, u16, Option<&str>)> = vec![
        ("text500", 500, Some("Internal Server Error")),
        ("empty200", 200, Some("")),
        ("empty500", 500, Some("")),
        ("truncated", 200, Some(r#"{"user":{"id":"u"#)),
        ("wrongtypes", 200, Some(r#"{"user":{"id":5,"createdAt":true}}"#)),
        ("code2xx", 200, Some(r#"{"code":429,"message":"slow down"}"#)),
        ("bare400", 400, Some(r#"{"message":"must have required property 'body'"}"#)),
        ("bare404", 404, Some(r#"{"message":"Route doesn't exist"}"#)),
        ("notjson200", 200, Some("<html>oops</html>")),
        ("huge", 200, None),
    ];
    for (case, status, body) in expect {
        let r = s.http.post(format!("{}/_fault/{case}/messages", s.url)).body("{}").send().await.unwrap();
        assert_eq!(r.status(), status, "{case}");
        let text = r.text().await.unwrap();
        match body {
            Some(b) => assert_eq!(text, b, "{case}"),
            None => {
                assert!(text.len() > 2 * 1024 * 1024);
                let v: Value = serde_json::from_str(&text).unwrap();
                assert!(v.is_object());
            }
        }
    }
    let r = f("ratelimit/users/me").await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "0");
    assert_eq!(r.json::<Value>().await.unwrap()["type"], "RateLimited");
    for round in 0..2 {
        for _ in 0..2 {
            let r = f("flaky/users/me").await.unwrap();
            assert_eq!(r.status(), 503, "round {round}");
            assert_eq!(r.headers()["retry-after"], "0");
        }
        let r = f("flaky/users/me").await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["user"]["id"], "fault_user");
    }
    let v: Value = f("stats").await.unwrap().json().await.unwrap();
    assert_eq!(v, json!({"flakyCalls": 6}));
    // Without the switch there is no injector.
    let plain = Server::start(&[]);
    let r = plain.http.get(format!("{}/_fault/html500/x", plain.url)).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn sequential_creates_are_fast() {
    let s = Server::start(&["--bot-delay-ms", "0"]);
    let (_, k) = s.user(None).await;
    let c = s.conversation(&k, None).await;
    let t = std::time::Instant::now();
    for i in 0..300 {
        s.text(&k, &c, &format!("m{i}")).await;
    }
    let per = t.elapsed() / 300;
    // Debug build, client included; release is far faster.
    assert!(per < std::time::Duration::from_millis(20), "{per:?} per createMessage");
}

#[tokio::test]
async fn openapi_description() {
    let s = Server::start(&["--webhook-id", "wh"]);
    let r = s.http.get(format!("{}/openapi.json", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let d: Value = r.json().await.unwrap();
    assert!(d["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(d["servers"][0]["url"], "/wh");
    // 21 operations: the 20 of the shared table and listenConversation, each once.
    let mut ids: Vec<String> = d["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values().map(|op| op["operationId"].as_str().unwrap().to_string()))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 21, "{ids:?}");
    // Every schema an answer refers to is described.
    let text = d.to_string();
    for name in text.split("#/components/schemas/").skip(1).map(|t| t.split('"').next().unwrap()) {
        assert!(d["components"]["schemas"][name].is_object(), "answers refer to an undescribed schema {name}");
    }
    // Every path the description names is routed here: a request without a key is
    // refused by the operation (400 for the key), never 404/405 for the route.
    for (path, item) in d["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let concrete = path.replace('{', "x").replace('}', "");
            let body = (method == "post" || method == "put").then(|| "{}".to_string());
            let (st, v) = s.raw(&method.to_uppercase(), &concrete, None, body).await;
            assert!(st == 400 || st == 200, "{method} {path}: {st} {v}");
        }
    }
}
