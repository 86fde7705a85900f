//! SSE and WebSocket listeners, the echo bot and webhook delivery.
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]

mod common;

use common::{Server, WAIT};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as Ws;

async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, f).await.expect("timed out")
}

#[tokio::test]
async fn sse_framing_is_exact() {
    let s = Server::start(&["--keepalive-secs", "1", "--bot-delay-ms", "0"]);
    let (_, k) = s.user(Some("u1")).await;
    let c = s.conversation(&k, Some("c1")).await;
    let mut sse = s.listen(&k, &c).await;
    assert_eq!(sse.headers["content-type"], "text/event-stream");
    assert_eq!(sse.headers["cache-control"], "no-cache");
    assert!(sse.headers.get("content-length").is_none());
    // Nothing happens for a second: the keep-alive frame.
    let ping = sse.frame().await.unwrap();
    assert_eq!(ping, "event: message\ndata: ping");
    assert_eq!(sse.raw, b"event: message\ndata: ping\n\n");
    let m = s.text(&k, &c, "exact").await;
    let start = sse.raw.len();
    let f = sse.frame().await.unwrap();
    let expected = format!(
        "event: message\ndata: {{\"type\":\"message_created\",\"data\":{{\"id\":\"{}\",\"createdAt\":\"{}\",\"conversationId\":\"c1\",\"userId\":\"u1\",\"payload\":{{\"type\":\"text\",\"text\":\"exact\"}},\"isBot\":false}}}}\n\n",
        m["id"].as_str().unwrap(),
        m["createdAt"].as_str().unwrap()
    );
    assert_eq!(format!("{f}\n\n"), expected);
    assert_eq!(&sse.raw[start..start + expected.len()], expected.as_bytes());
    // The bot's echo follows, then pings resume after idleness.
    let echo = sse.signal().await;
    assert_eq!(echo["data"]["isBot"], true);
    loop {
        if sse.frame().await.unwrap() == "event: message\ndata: ping" {
            break;
        }
    }
}

#[tokio::test]
async fn sse_key_in_query_and_errors_before_stream() {
    let s = Server::start(&[]);
    let (_, k) = s.user(Some("q")).await;
    let (_, other) = s.user(Some("other")).await;
    let c = s.conversation(&k, Some("qc")).await;
    let url = format!("{}/conversations/{c}/listen", s.base);
    let r = s.http.get(format!("{url}?x-user-key={k}")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let mut sse = common::Sse::new(r);
    s.text(&k, &c, "via query").await;
    assert_eq!(sse.signal().await["data"]["payload"]["text"], "via query");

    let r = s.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["type"], "InvalidPayload");
    let r = s.http.get(&url).header("x-user-key", "bad.key.here").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = s.http.get(&url).header("x-user-key", &other).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["message"], "You are not a participant in this conversation");
    let r = s.http.get(format!("{}/conversations/nope/listen", s.base)).header("x-user-key", &k).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn fan_out_and_participant_signals() {
    let s = Server::start(&["--bot-delay-ms", "0"]);
    let (_, ka) = s.user(Some("owner")).await;
    let (_, kb) = s.user(Some("guest")).await;
    let c = s.conversation(&ka, Some("party")).await;
    let mut a1 = s.listen(&ka, &c).await;
    let mut a2 = s.listen(&ka, &c).await;
    s.ok("POST", "/conversations/party/participants", &ka, Some(json!({"userId": "guest"}))).await;
    let mut b = s.listen(&kb, &c).await;
    for l in [&mut a1, &mut a2] {
        let sig = l.signal().await;
        assert_eq!(
            sig,
            json!({"type": "participant_added", "data": {"conversationId": "party", "participantId": "guest"}})
        );
    }
    s.text(&kb, &c, "from guest").await;
    for l in [&mut a1, &mut a2, &mut b] {
        let m = l.signal().await;
        assert_eq!((m["type"].as_str(), m["data"]["userId"].as_str()), (Some("message_created"), Some("guest")));
        let e = l.signal().await;
        assert_eq!(e["data"]["isBot"], true);
    }
    // removeParticipant closes the removed user's stream; the others get the signal.
    s.ok("DELETE", "/conversations/party/participants/guest", &ka, None).await;
    assert!(within(b.ended()).await);
    let sig = a1.signal().await;
    assert_eq!(
        sig,
        json!({"type": "participant_removed", "data": {"conversationId": "party", "participantId": "guest"}})
    );
    assert!(!b.raw.windows(19).any(|w| w == b"participant_removed"));
    // Deleting the conversation ends its streams.
    s.ok("DELETE", "/conversations/party", &ka, None).await;
    assert!(within(a1.ended()).await);
    assert!(within(a2.ended()).await);
}

#[tokio::test]
async fn websocket_listener() {
    let s = Server::start(&["--keepalive-secs", "1", "--bot-delay-ms", "0"]);
    let (_, ka) = s.user(Some("w1")).await;
    let (_, kb) = s.user(Some("w2")).await;
    let c = s.conversation(&ka, Some("wc")).await;
    let ws_url = s.base.replace("http://", "ws://") + "/conversations/wc/listen";

    // Refused upgrades answer with the JSON error and its status.
    for (url, status, msg) in [
        (ws_url.clone(), 401, "x-user-key should be specified as a query param."),
        (format!("{ws_url}?x-user-key=nope"), 401, "Invalid user key"),
        (format!("{ws_url}?x-user-key={kb}"), 403, "You are not a participant in this conversation"),
    ] {
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status().as_u16(), status);
                let body: Value = serde_json::from_slice(resp.body().as_deref().unwrap()).unwrap();
                assert_eq!(body["message"], msg);
            }
            other => panic!("expected a refused upgrade, got {other:?}"),
        }
    }

    let (mut ws, resp) = tokio_tungstenite::connect_async(format!("{ws_url}?x-user-key={ka}")).await.unwrap();
    assert_eq!(resp.status().as_u16(), 101);
    // Keep-alive: a bare `ping` text frame.
    let first = within(ws.next()).await.unwrap().unwrap();
    assert_eq!(first, Ws::Text("ping".into()));
    let m = s.text(&ka, &c, "over ws").await;
    let frame = loop {
        match within(ws.next()).await.unwrap().unwrap() {
            Ws::Text(t) if t.as_str() == "ping" => continue,
            Ws::Text(t) => break t.to_string(),
            other => panic!("{other:?}"),
        }
    };
    let expected = json!({"type": "message_created", "data": {"id": m["id"], "createdAt": m["createdAt"],
        "conversationId": "wc", "userId": "w1", "payload": {"type": "text", "text": "over ws"}, "isBot": false}});
    assert_eq!(serde_json::from_str::<Value>(&frame).unwrap(), expected);
    assert!(!frame.contains('\n'));

    // The client closes: the server answers with the same code.
    ws.send(Ws::Close(Some(CloseFrame { code: CloseCode::Library(4001), reason: "bye".into() }))).await.unwrap();
    loop {
        match within(ws.next()).await {
            Some(Ok(Ws::Close(Some(f)))) => {
                assert_eq!(u16::from(f.code), 4001);
                break;
            }
            Some(Ok(Ws::Text(_))) => continue,
            other => panic!("{other:?}"),
        }
    }

    // removeParticipant closes the socket.
    s.ok("POST", "/conversations/wc/participants", &ka, Some(json!({"userId": "w2"}))).await;
    let (mut wb, _) = tokio_tungstenite::connect_async(format!("{ws_url}?x-user-key={kb}")).await.unwrap();
    s.ok("DELETE", "/conversations/wc/participants/w2", &ka, None).await;
    loop {
        match within(wb.next()).await {
            Some(Ok(Ws::Close(_))) | None | Some(Err(_)) => break,
            Some(Ok(Ws::Text(t))) => assert!(!t.contains("participant_removed"), "{t}"),
            Some(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn echo_bot_replies() {
    let s = Server::start(&["--bot-delay-ms", "0"]);
    let (_, k) = s.user(Some("talker")).await;
    let c = s.conversation(&k, Some("bot-room")).await;
    let mut sse = s.listen(&k, &c).await;
    let send = |payload: Value, metadata: Option<Value>| {
        let mut body = json!({"conversationId": "bot-room", "payload": payload});
        if let Some(m) = metadata {
            body["metadata"] = m;
        }
        s.ok("POST", "/messages", &k, Some(body))
    };
    async fn reply(sse: &mut common::Sse) -> Value {
        let mine = sse.signal_of("message_created").await;
        assert_eq!(mine["data"]["isBot"], false);
        let r = sse.signal_of("message_created").await;
        assert_eq!(r["data"]["isBot"], true);
        assert_eq!(r["data"]["conversationId"], "bot-room");
        assert!(r["data"]["createdAt"].as_str() > mine["data"]["createdAt"].as_str());
        r["data"].clone()
    }
    send(json!({"type": "text", "text": "metadata"}), Some(json!({"trace": "abc", "n": 2}))).await;
    let r = reply(&mut sse).await;
    assert_eq!(r["metadata"], json!({"trace": "abc", "n": 2}));
    send(json!({"type": "text", "text": "bloc"}), None).await;
    let r = reply(&mut sse).await;
    let kinds: Vec<&str> =
        r["payload"]["items"].as_array().unwrap().iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!((r["payload"]["type"].as_str(), kinds), (Some("bloc"), vec!["text", "image", "markdown"]));
    send(json!({"type": "image", "imageUrl": "http://x/y.png"}), None).await;
    let r = reply(&mut sse).await;
    assert_eq!(r["payload"], json!({"type": "text", "text": "Received a image message"}));
    send(json!({"type": "text", "text": "plain words"}), Some(json!({"ignored": true}))).await;
    let r = reply(&mut sse).await;
    assert_eq!(r["payload"], json!({"type": "text", "text": "plain words"}));
    assert!(r.get("metadata").is_none());

    // stream N
    send(json!({"type": "text", "text": "stream 25"}), None).await;
    let mine = sse.signal_of("message_created").await;
    assert_eq!(mine["data"]["isBot"], false);
    let mut text = String::new();
    let mut stream_id = String::new();
    for i in 0..25u64 {
        let d = sse.signal().await;
        assert_eq!(d["type"], "message_stream_delta", "{d}");
        assert_eq!((d["data"]["sequence"].as_u64(), d["data"]["userId"].as_str()), (Some(i), Some("bot_echo")));
        assert_eq!(d["data"]["conversationId"], "bot-room");
        if i == 0 {
            stream_id = d["data"]["streamId"].as_str().unwrap().to_string();
        }
        assert_eq!(d["data"]["streamId"], stream_id.as_str());
        text.push_str(d["data"]["delta"].as_str().unwrap());
    }
    let done = sse.signal().await;
    assert_eq!(done["type"], "message_stream_complete");
    assert_eq!(done["data"]["streamId"], stream_id.as_str());
    assert_eq!(done["data"]["message"]["payload"]["text"], text.as_str());
    assert_eq!(done["data"]["message"]["metadata"]["streamId"], stream_id.as_str());
    assert!(done["data"]["message"].get("isBot").is_none());
    let created = sse.signal().await;
    assert_eq!(created["type"], "message_created");
    assert_eq!(created["data"]["id"], done["data"]["message"]["id"]);
    assert_eq!(created["data"]["isBot"], true);
    let all = s.all_messages(&k, "bot-room").await;
    assert_eq!(all.last().unwrap()["payload"]["text"], text.as_str());

    // A custom event comes back as a bot event with the same payload.
    s.ok("POST", "/events", &k, Some(json!({"conversationId": "bot-room", "payload": {"ping": [1]}}))).await;
    let mine = sse.signal_of("event_created").await;
    assert_eq!(mine["data"]["isBot"], false);
    let bot = sse.signal_of("event_created").await;
    assert_eq!(bot["data"]["id"], Value::Null);
    assert_eq!(bot["data"]["payload"], json!({"ping": [1]}));
}

#[tokio::test]
async fn burst_is_stored_and_signalled_in_order() {
    let s = Server::start(&["--bot-delay-ms", "0", "--page-size", "500"]);
    let (_, k) = s.user(None).await;
    let c = s.conversation(&k, None).await;
    let mut sse = s.listen(&k, &c).await;
    let t = std::time::Instant::now();
    s.text(&k, &c, "burst 3000").await;
    let answered = t.elapsed();
    assert_eq!(sse.signal().await["data"]["isBot"], false);
    for i in 1..=3000 {
        let m = sse.signal().await;
        assert_eq!(m["data"]["payload"]["text"], format!("burst {i}/3000"));
    }
    let elapsed = t.elapsed();
    assert!(answered < elapsed, "the createMessage answer waited for the burst");
    let all = s.all_messages(&k, &c).await;
    assert_eq!(all.len(), 3001);
    for w in all.windows(2) {
        assert!(w[0]["createdAt"].as_str() < w[1]["createdAt"].as_str());
    }
}

/// A one-shot HTTP listener that records the requests it receives.
async fn hook_listener() -> (String, tokio::sync::mpsc::UnboundedReceiver<(String, Value)>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/chat", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let n = sock.read(&mut chunk).await.unwrap();
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..i]).to_string();
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap();
                    if buf.len() >= i + 4 + len {
                        let body: Value = serde_json::from_slice(&buf[i + 4..i + 4 + len]).unwrap();
                        sock.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await.unwrap();
                        let _ = tx.send((head, body));
                        break;
                    }
                }
            }
        }
    });
    (url, rx)
}

#[tokio::test]
async fn webhook_delivery() {
    let (url, mut rx) = hook_listener().await;
    let s = Server::start(&["--webhook-url", &url, "--webhook-secret", "s3cret", "--bot-delay-ms", "0"]);
    let (_, k) = s.user(Some("hooked")).await;
    let c = s.conversation(&k, Some("hc")).await;
    let m = s.text(&k, &c, "to the hook").await;
    let (head, body) = within(rx.recv()).await.unwrap();
    let first = head.lines().next().unwrap();
    assert_eq!(first, "POST /hooks/chat HTTP/1.1");
    let lower = head.to_ascii_lowercase();
    assert!(lower.contains("\r\nx-secret-key: s3cret"), "{head}");
    assert!(lower.contains("\r\ncontent-type: application/json"), "{head}");
    assert_eq!(body["type"], "message_created");
    assert_eq!(body["data"]["id"], m["id"]);
    assert_eq!(body["data"]["isBot"], false);
    let (_, echo) = within(rx.recv()).await.unwrap();
    assert_eq!((echo["type"].as_str(), echo["data"]["isBot"].as_bool()), (Some("message_created"), Some(true)));
}

#[tokio::test]
async fn persistence_across_restart() {
    let db = std::env::temp_dir().join(format!("chat-server-test-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let args = ["--db", db.to_str().unwrap(), "--shared-key", "persist", "--bot-delay-ms", "0"];
    let (ka, kb, mid, eid, internal_conv) = {
        let s = Server::start(&args);
        let (_, ka) = s.user(Some("keeper")).await;
        let (_, kb) = s.user(None).await;
        let bob = s.ok("GET", "/users/me", &kb, None).await["user"]["id"].as_str().unwrap().to_string();
        let c = s.conversation(&ka, Some("kept")).await;
        let internal_conv = s.conversation(&ka, None).await;
        s.ok("POST", "/conversations/kept/participants", &ka, Some(json!({"userId": bob}))).await;
        let mut sse = s.listen(&ka, &c).await;
        let m = s.text(&ka, &c, "remember me").await;
        sse.signal_of("message_created").await;
        sse.signal_of("message_created").await;
        let ev = s.ok("POST", "/events", &ka, Some(json!({"conversationId": "kept", "payload": {"x": 1}}))).await;
        s.stop();
        (ka, kb, m["id"].as_str().unwrap().to_string(), ev["event"]["id"].as_str().unwrap().to_string(), internal_conv)
    };
    let s = Server::start(&args);
    assert_eq!(s.ok("GET", "/users/me", &ka, None).await["user"]["id"], "keeper");
    s.ok("GET", "/users/me", &kb, None).await;
    assert_eq!(s.ok("GET", "/conversations/kept", &kb, None).await["conversation"]["id"], "kept");
    let all = s.all_messages(&ka, "kept").await;
    assert_eq!(all.len(), 2);
    assert_eq!((all[0]["id"].as_str(), all[1]["userId"].as_str()), (Some(mid.as_str()), Some("bot_echo")));
    assert_eq!(s.ok("GET", &format!("/events/{eid}"), &ka, None).await["event"]["payload"], json!({"x": 1}));
    let v = s.ok("GET", "/conversations", &ka, None).await;
    let ids: Vec<&str> = v["conversations"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["kept", internal_conv.as_str()]);
    let (st, _) = s.call("POST", "/users", None, Some(json!({"id": "keeper"}))).await;
    assert_eq!(st, 409);
    // New messages sort after the old ones.
    s.text(&ka, "kept", "after restart").await;
    let all = s.all_messages(&ka, "kept").await;
    assert!(all[1]["createdAt"].as_str() < all[2]["createdAt"].as_str());
    drop(s);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[tokio::test]
async fn exit_after_ends_the_process() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chat-server"))
        .args(["--addr", "127.0.0.1:0", "--exit-after", "0.5"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
        assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
        child.wait().unwrap()
    });
    let status = tokio::time::timeout(Duration::from_secs(10), status).await.unwrap().unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn websocket_close_without_code_is_answered() {
    let s = Server::start(&[]);
    let (_, k) = s.user(None).await;
    let c = s.conversation(&k, None).await;
    let url = format!("{}/conversations/{c}/listen?x-user-key={k}", s.base.replace("http://", "ws://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    ws.send(Ws::Close(None)).await.unwrap();
    match within(ws.next()).await {
        Some(Ok(Ws::Close(None))) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_lagging_listener_is_disconnected_not_starved() {
    // A listener that reads nothing while a burst goes out falls behind the
    // (here tiny) buffer: its stream ends, so it can reconnect and backfill.
    let s = Server::start(&["--listener-buffer", "8", "--bot-delay-ms", "0"]);
    let (_, k) = s.user(None).await;
    let c = s.conversation(&k, None).await;
    let mut slow = s.listen(&k, &c).await;
    let mut fast = s.listen(&k, &c).await;
    s.text(&k, &c, "burst 20000").await;
    // The fast reader keeps up for a while (it may lag too on a busy machine).
    let mut got = 0;
    while got < 20 {
        match fast.frame().await {
            Some(_) => got += 1,
            None => break,
        }
    }
    assert!(within(slow.ended()).await);
    let frames = slow.raw.windows(15).filter(|w| w == b"event: message\n").count();
    assert!(frames < 20001, "{frames}");
}
