//! State that must hold together: keys and data across restarts of a `--db`
//! server, and clients racing on the same ids.
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]

mod common;

use common::Server;
use futures_util::future::join_all;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::PathBuf;

/// A fresh database path in the temporary directory, removed (with its
/// `-wal` and `-shm` files) on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> TempDb {
        let p = std::env::temp_dir().join(format!("chat-server-{name}-{}.db", std::process::id()));
        let db = TempDb(p);
        db.remove();
        db
    }
    fn arg(&self) -> &str {
        self.0.to_str().unwrap()
    }
    fn remove(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}

#[tokio::test]
async fn shared_key_survives_restarts() {
    let db = TempDb::new("key");
    let s = Server::start(&["--db", db.arg()]);
    let (alice, ka) = s.user(Some("alice")).await;
    let (anon, kb) = s.user(None).await;
    let c = s.conversation(&ka, Some("kept")).await;
    s.text(&ka, &c, "before the restart").await;
    s.stop();

    // The database file (which holds the secret) is readable by its owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&db.0).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "database file mode {mode:o}");
    }

    // Same file, no --shared-key: the keys issued before still work.
    let s = Server::start(&["--db", db.arg()]);
    let v = s.ok("GET", "/users/me", &ka, None).await;
    assert_eq!(v["user"]["id"], alice.as_str());
    let v = s.ok("GET", "/users/me", &kb, None).await;
    assert_eq!(v["user"]["id"], anon.as_str());
    let texts: Vec<Value> = s.all_messages(&ka, &c).await.iter().map(|m| m["payload"]["text"].clone()).collect();
    assert!(texts.contains(&json!("before the restart")), "{texts:?}");
    // Keys issued now are signed with the same secret.
    let (_, kc) = s.user(Some("carol")).await;
    s.stop();

    // --shared-key overrides the stored secret: the stored keys are refused...
    let s = Server::start(&["--db", db.arg(), "--shared-key", "override"]);
    let (st, _) = s.call("GET", "/users/me", Some(&ka), None).await;
    assert_eq!(st, 401);
    let k = chat_server::auth::mint(b"override", "alice", chat_server::util::now_secs());
    assert_eq!(s.ok("GET", "/users/me", &k, None).await["user"]["id"], "alice");
    s.stop();

    // ...without replacing it.
    let s = Server::start(&["--db", db.arg()]);
    for key in [&ka, &kb, &kc] {
        s.ok("GET", "/users/me", key, None).await;
    }
    s.stop();

    // A database of its own has a secret of its own.
    let other = TempDb::new("key-other");
    let s = Server::start(&["--db", other.arg()]);
    let (st, _) = s.call("GET", "/users/me", Some(&ka), None).await;
    assert_eq!(st, 401);
}

/// Status and body of `n` copies of the same call, sent at once.
async fn race(s: &Server, n: usize, method: &str, path: &str, key: &str, body: Option<Value>) -> Vec<(u16, Value)> {
    join_all((0..n).map(|_| s.call(method, path, Some(key), body.clone()))).await
}

fn ids(v: &Value, field: &str) -> Vec<String> {
    v[field].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn racing_clients_end_consistent() {
    let db = TempDb::new("race");
    let s = Server::start(&["--db", db.arg(), "--shared-key", "race", "--page-size", "7"]);
    let key = |id: &str| chat_server::auth::mint(b"race", id, chat_server::util::now_secs());
    let (ka, kb) = (key("racer-a"), key("racer-b"));

    // getOrCreateUser, same id, 16 at once: one user, every answer the same.
    let answers = race(&s, 16, "POST", "/users/get-or-create", &ka, Some(json!({}))).await;
    assert!(answers.iter().all(|(st, _)| *st == 200), "{answers:?}");
    let created: HashSet<String> = answers.iter().map(|(_, v)| v["user"]["createdAt"].to_string()).collect();
    assert_eq!(created.len(), 1, "getOrCreateUser made more than one user: {created:?}");
    s.ok("POST", "/users/get-or-create", &kb, Some(json!({}))).await;

    // createUser, same id, 8 at once: exactly one wins, the others are told it exists.
    let answers = join_all((0..8).map(|_| s.call("POST", "/users", None, Some(json!({"id": "only-one"}))))).await;
    let statuses: Vec<u16> = answers.iter().map(|(st, _)| *st).collect();
    assert_eq!(statuses.iter().filter(|st| **st == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|st| **st == 409).count(), 7, "{statuses:?}");

    // getOrCreateConversation, same id, from both users at once: one owner, one
    // conversation; the owner's calls all answer it, the other user's are refused.
    let body = Some(json!({"id": "contested"}));
    let (a, b) = tokio::join!(
        race(&s, 8, "POST", "/conversations/get-or-create", &ka, body.clone()),
        race(&s, 8, "POST", "/conversations/get-or-create", &kb, body.clone()),
    );
    let a_ok = a.iter().filter(|(st, _)| *st == 200).count();
    let b_ok = b.iter().filter(|(st, _)| *st == 200).count();
    assert!((a_ok, b_ok) == (8, 0) || (a_ok, b_ok) == (0, 8), "owner split: a {a:?} b {b:?}");
    let loser = if a_ok == 8 { &b } else { &a };
    assert!(loser.iter().all(|(st, v)| *st == 403 && v["type"] == "Forbidden"), "{loser:?}");
    let (owner, guest) = if a_ok == 8 { (&ka, &kb) } else { (&kb, &ka) };
    let created: HashSet<String> =
        a.iter().chain(b.iter()).filter(|(st, _)| *st == 200).map(|(_, v)| v.to_string()).collect();
    assert_eq!(created.len(), 1, "{created:?}");
    let listed = ids(&s.ok("GET", "/conversations", owner, None).await, "conversations");
    assert_eq!(listed.iter().filter(|c| *c == "contested").count(), 1, "{listed:?}");

    // addParticipant twice (8 times) at once: one membership, one signal.
    let guest_id = if a_ok == 8 { "racer-b" } else { "racer-a" };
    let mut listener = s.listen(owner, "contested").await;
    let answers =
        race(&s, 8, "POST", "/conversations/contested/participants", owner, Some(json!({"userId": guest_id}))).await;
    assert!(answers.iter().all(|(st, v)| *st == 200 && v["participant"]["id"] == guest_id), "{answers:?}");
    let members = ids(&s.ok("GET", "/conversations/contested/participants", owner, None).await, "participants");
    assert_eq!(members.iter().filter(|m| *m == guest_id).count(), 1, "{members:?}");
    assert_eq!(members.len(), 3, "{members:?}");
    assert_eq!(listener.signal().await["type"], "participant_added");
    // The next signal is the marker message, not a second participant_added.
    s.text(owner, "contested", "marker").await;
    let next = listener.signal().await;
    assert_eq!(
        (next["type"].as_str(), next["data"]["payload"]["text"].as_str()),
        (Some("message_created"), Some("marker"))
    );
    drop(listener);

    // Delete while listing: one client pages through listMessages (7 a page)
    // while the owner deletes messages and then the conversation. Every page is
    // either a 200 in order with no repeats, or 404 once the conversation is gone.
    let conv = s.conversation(owner, Some("shrinking")).await;
    s.ok("POST", &format!("/conversations/{conv}/participants"), owner, Some(json!({"userId": guest_id}))).await;
    let mut sent = Vec::new();
    for i in 0..120 {
        let m = s
            .ok(
                "POST",
                "/messages",
                guest,
                Some(json!({"conversationId": conv, "payload": {"type": "text", "text": format!("m{i}")}})),
            )
            .await;
        sent.push(m["message"]["id"].as_str().unwrap().to_string());
    }
    let lister = async {
        let mut pages = 0;
        let mut seen: Vec<String> = Vec::new();
        let mut ended_by_delete = false;
        for _round in 0..40 {
            let mut token: Option<String> = None;
            let mut this_round: Vec<String> = Vec::new();
            loop {
                let q = token.as_ref().map(|t| format!("?nextToken={t}")).unwrap_or_default();
                let (st, v) = s.call("GET", &format!("/conversations/{conv}/messages{q}"), Some(guest), None).await;
                pages += 1;
                if st == 404 || st == 403 {
                    ended_by_delete = true;
                    break;
                }
                assert_eq!(st, 200, "{v}");
                let page = ids(&v, "messages");
                this_round.extend(page);
                match v["meta"]["nextToken"].as_str() {
                    Some(t) => token = Some(t.to_string()),
                    None => break,
                }
            }
            // Within one pass: no message twice, and in creation order.
            let unique: HashSet<&String> = this_round.iter().collect();
            assert_eq!(unique.len(), this_round.len(), "a message listed twice in one pass");
            let mut sorted = this_round.clone();
            sorted.sort();
            assert_eq!(sorted, this_round, "a pass out of order");
            seen = this_round;
            if ended_by_delete {
                break;
            }
        }
        (pages, seen, ended_by_delete)
    };
    let deleter = async {
        for id in sent.iter().step_by(2) {
            let (st, v) = s.call("DELETE", &format!("/messages/{id}"), Some(guest), None).await;
            assert_eq!(st, 200, "{v}");
        }
        let (st, v) = s.call("DELETE", &format!("/conversations/{conv}"), Some(owner), None).await;
        assert_eq!(st, 200, "{v}");
    };
    let ((pages, _, ended_by_delete), ()) = tokio::join!(lister, deleter);
    assert!(pages > 1);
    // Afterwards: the conversation and its messages are gone for everyone.
    let (st, _) = s.call("GET", &format!("/conversations/{conv}/messages"), Some(guest), None).await;
    assert_eq!(st, 404);
    let (st, _) = s.call("GET", &format!("/messages/{}", sent[1]), Some(guest), None).await;
    assert_eq!(st, 404);
    assert!(!ids(&s.ok("GET", "/conversations", owner, None).await, "conversations").contains(&conv));
    eprintln!("delete while listing: {pages} pages read, deletion seen by the lister: {ended_by_delete}");

    // The same file reopened agrees with what was answered.
    s.stop();
    let s = Server::start(&["--db", db.arg(), "--shared-key", "race", "--page-size", "7"]);
    let members = ids(&s.ok("GET", "/conversations/contested/participants", owner, None).await, "participants");
    assert_eq!(members.iter().filter(|m| *m == guest_id).count(), 1);
    let (st, _) = s.call("GET", &format!("/conversations/{conv}"), Some(owner), None).await;
    assert_eq!(st, 404);
}
