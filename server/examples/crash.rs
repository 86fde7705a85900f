//! Crash test: writers and listeners against a `--db` chat-server that is
//! killed with SIGKILL at random moments and restarted on the same file.
//! Every write that was acknowledged (2xx received) must be there afterwards,
//! the file must pass `PRAGMA integrity_check`, and a listener of each
//! restarted server must receive a new signal.
//!
//! cargo run -p chat-server --example crash -- --server target/debug/chat-server \
//!     --db /tmp/crash.db [--kills 12] [--writers 6] [--listeners 4] [--seed N] [--timeout 100]
//!
//! The servers it starts bind 127.0.0.1 only, get `--exit-after`, and are
//! killed by this program (by pid) whatever happens.
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]

#[path = "support/spawn.rs"]
mod spawn;

use futures_util::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Args {
    server: PathBuf,
    db: PathBuf,
    kills: usize,
    writers: usize,
    listeners: usize,
    seed: u64,
    timeout: u64,
}

fn args() -> Args {
    let mut a = Args {
        server: PathBuf::from("target/debug/chat-server"),
        db: PathBuf::new(),
        kills: 12,
        writers: 6,
        listeners: 4,
        seed: rand::thread_rng().gen(),
        timeout: 100,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < v.len() {
        let val = v[i + 1].clone();
        match v[i].as_str() {
            "--server" => a.server = PathBuf::from(val),
            "--db" => a.db = PathBuf::from(val),
            "--kills" => a.kills = val.parse().expect("--kills N"),
            "--writers" => a.writers = val.parse().expect("--writers N"),
            "--listeners" => a.listeners = val.parse().expect("--listeners N"),
            "--seed" => a.seed = val.parse().expect("--seed N"),
            "--timeout" => a.timeout = val.parse().expect("--timeout SECS"),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    assert!(!a.db.as_os_str().is_empty(), "--db PATH is required");
    a
}

/// The server running now, killed by pid on every way out of this program.
static CURRENT: Mutex<Option<Child>> = Mutex::new(None);

fn kill_current() {
    if let Some(mut c) = CURRENT.lock().unwrap_or_else(|e| e.into_inner()).take() {
        let _ = c.kill(); // SIGKILL
        let _ = c.wait();
    }
}

/// Starts chat-server on the database; returns its API base URL.
fn start(a: &Args) -> Result<String, String> {
    let args = ["--exit-after", "150", "--bot-delay-ms", "0", "--page-size", "50", "--db"];
    let (child, url) = spawn::spawn(&a.server, args.iter().map(OsStr::new).chain([a.db.as_os_str()]))?;
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = Some(child);
    Ok(format!("{url}/local"))
}

#[derive(Clone)]
struct Acked {
    user: String,
    key: String,
}

/// What the server acknowledged, and what is in doubt.
#[derive(Default)]
struct Ledger {
    users: Vec<Acked>,
    /// (conversation, owner's key)
    conversations: Vec<(String, String)>,
    /// (message id, conversation, author's key, text)
    messages: Vec<(String, String, String, String)>,
    /// Messages whose deletion was acknowledged: (id, a key that could read it).
    deleted: Vec<(String, String)>,
    /// Deletions sent without an answer: the message may or may not be there.
    in_doubt: usize,
    /// (conversation, user, owner's key)
    participants: Vec<(String, String, String)>,
    /// (event id, author's key)
    events: Vec<(String, String)>,
    /// Writes sent without a 2xx answer (killed, refused or failed).
    unacknowledged: usize,
}

type Shared = Arc<Mutex<Ledger>>;

fn lock(l: &Shared) -> std::sync::MutexGuard<'_, Ledger> {
    l.lock().unwrap_or_else(|e| e.into_inner())
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    key: Option<&str>,
    body: Option<Value>,
) -> Result<(u16, Value), String> {
    let mut rb = http.request(method, url);
    if let Some(k) = key {
        rb = rb.header("x-user-key", k);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let resp = rb.send().await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let text = resp.text().await.map_err(|e| e.to_string())?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
}

fn ok(r: &Result<(u16, Value), String>) -> Option<&Value> {
    match r {
        Ok((s, v)) if (200..300).contains(s) => Some(v),
        _ => None,
    }
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// One writer: random writes of every kind until the server dies.
async fn writer(http: reqwest::Client, base: String, ledger: Shared, seed: u64, counter: Arc<AtomicUsize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    loop {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let (users, convs, msgs) = {
            let l = lock(&ledger);
            (l.users.clone(), l.conversations.clone(), l.messages.clone())
        };
        let roll: u32 = if users.len() < 2 {
            0
        } else if convs.is_empty() {
            15
        } else {
            rng.gen_range(0..100)
        };
        let pick = |rng: &mut StdRng, n: usize| rng.gen_range(0..n);
        let failed = match roll {
            0..=9 => {
                let r = call(
                    &http,
                    reqwest::Method::POST,
                    format!("{base}/users"),
                    None,
                    Some(json!({"id": format!("cu{n}")})),
                )
                .await;
                match ok(&r) {
                    Some(v) => {
                        lock(&ledger).users.push(Acked { user: s(&v["user"]["id"]), key: s(&v["key"]) });
                        false
                    }
                    None => true,
                }
            }
            10..=19 => {
                let u = &users[pick(&mut rng, users.len())];
                let body = json!({"id": format!("cc{n}")});
                let r =
                    call(&http, reqwest::Method::POST, format!("{base}/conversations"), Some(&u.key), Some(body)).await;
                match ok(&r) {
                    Some(v) => {
                        lock(&ledger).conversations.push((s(&v["conversation"]["id"]), u.key.clone()));
                        false
                    }
                    None => true,
                }
            }
            20..=29 => {
                let (c, owner) = &convs[pick(&mut rng, convs.len())];
                let u = &users[pick(&mut rng, users.len())];
                let body = json!({"userId": u.user});
                let url = format!("{base}/conversations/{c}/participants");
                let r = call(&http, reqwest::Method::POST, url, Some(owner), Some(body)).await;
                match ok(&r) {
                    Some(_) => {
                        lock(&ledger).participants.push((c.clone(), u.user.clone(), owner.clone()));
                        false
                    }
                    None => true,
                }
            }
            30..=39 => {
                let (c, owner) = &convs[pick(&mut rng, convs.len())];
                let body = json!({"conversationId": c, "payload": {"n": n, "kind": "crash-test"}});
                let r = call(&http, reqwest::Method::POST, format!("{base}/events"), Some(owner), Some(body)).await;
                match ok(&r) {
                    Some(v) => {
                        lock(&ledger).events.push((s(&v["event"]["id"]), owner.clone()));
                        false
                    }
                    None => true,
                }
            }
            40..=49 if !msgs.is_empty() => {
                // Delete one of the acknowledged messages (its author does).
                let victim = {
                    let mut l = lock(&ledger);
                    if l.messages.is_empty() {
                        None
                    } else {
                        let i = rng.gen_range(0..l.messages.len());
                        Some(l.messages.swap_remove(i))
                    }
                };
                match victim {
                    None => false,
                    Some((id, _c, key, _t)) => {
                        let r = call(&http, reqwest::Method::DELETE, format!("{base}/messages/{id}"), Some(&key), None)
                            .await;
                        let mut l = lock(&ledger);
                        match ok(&r) {
                            Some(_) => {
                                l.deleted.push((id, key));
                                false
                            }
                            None => {
                                l.in_doubt += 1;
                                true
                            }
                        }
                    }
                }
            }
            _ => {
                let (c, owner) = &convs[pick(&mut rng, convs.len())];
                let text = format!("crash message {n}");
                let body = json!({"conversationId": c, "payload": {"type": "text", "text": text}});
                let r = call(&http, reqwest::Method::POST, format!("{base}/messages"), Some(owner), Some(body)).await;
                match ok(&r) {
                    Some(v) => {
                        lock(&ledger).messages.push((s(&v["message"]["id"]), c.clone(), owner.clone(), text));
                        false
                    }
                    None => true,
                }
            }
        };
        if failed {
            lock(&ledger).unacknowledged += 1;
            // The server is probably gone: slow down until this task is stopped.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Reads a listener's stream; counts its signals; returns at the first
/// `message_created` whose text is `want` (when given).
async fn listen(
    http: reqwest::Client,
    url: String,
    key: String,
    want: Option<String>,
    signals: Arc<AtomicUsize>,
    ready: Arc<tokio::sync::Notify>,
) -> Result<(), String> {
    let resp = http
        .get(url)
        .header("x-user-key", key)
        .header("accept", "text/event-stream")
        .send()
        .await
        .map_err(|e| format!("connect: {e}"))?;
    if resp.status() != 200 {
        return Err(format!("listen answered {}", resp.status()));
    }
    ready.notify_one();
    let mut stream = resp.bytes_stream();
    let mut buf: Vec<u8> = Vec::new();
    loop {
        match stream.next().await {
            Some(Ok(b)) => buf.extend_from_slice(&b),
            Some(Err(e)) => return Err(format!("stream error: {e}")),
            None => return Err("stream ended".into()),
        }
        while let Some(i) = buf.windows(2).position(|w| w == b"\n\n") {
            let frame = String::from_utf8_lossy(&buf[..i]).into_owned();
            buf.drain(..i + 2);
            let Some(data) = frame.strip_prefix("event: message\ndata: ") else { continue };
            if data == "ping" {
                continue;
            }
            signals.fetch_add(1, Ordering::SeqCst);
            let v: Value = serde_json::from_str(data).map_err(|e| e.to_string())?;
            if want.is_some()
                && v["type"] == "message_created"
                && v["data"]["payload"]["text"].as_str() == want.as_deref()
            {
                return Ok(());
            }
        }
    }
}

/// After a restart: a listener on an acknowledged conversation receives a new message.
async fn check_listener(http: &reqwest::Client, base: &str, ledger: &Shared, round: usize) -> Result<(), String> {
    let (conv, key) = {
        let l = lock(ledger);
        match l.conversations.first() {
            Some(c) => c.clone(),
            None => return Ok(()),
        }
    };
    let ready = Arc::new(tokio::sync::Notify::new());
    let want = format!("after restart {round}");
    let task = tokio::spawn(listen(
        http.clone(),
        format!("{base}/conversations/{conv}/listen"),
        key.clone(),
        Some(want.clone()),
        Arc::new(AtomicUsize::new(0)),
        ready.clone(),
    ));
    tokio::time::timeout(Duration::from_secs(5), ready.notified())
        .await
        .map_err(|_| format!("round {round}: the listener did not connect"))?;
    let body = json!({"conversationId": conv, "payload": {"type": "text", "text": want}});
    let r = call(http, reqwest::Method::POST, format!("{base}/messages"), Some(&key), Some(body)).await;
    let v = ok(&r).ok_or_else(|| format!("round {round}: createMessage failed: {r:?}"))?;
    lock(ledger).messages.push((s(&v["message"]["id"]), conv, key, want));
    match tokio::time::timeout(Duration::from_secs(5), task).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(e))) => Err(format!("round {round}: listener: {e}")),
        Ok(Err(e)) => Err(format!("round {round}: listener task: {e}")),
        Err(_) => Err(format!("round {round}: the listener got no signal within 5 s")),
    }
}

fn integrity(db: &std::path::Path) -> Result<(), String> {
    let c = rusqlite::Connection::open(db).map_err(|e| e.to_string())?;
    let r: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|e| e.to_string())?;
    if r == "ok" {
        Ok(())
    } else {
        Err(format!("PRAGMA integrity_check: {r}"))
    }
}

/// Counts acknowledged writes found on the final server; returns the report.
async fn verify(http: &reqwest::Client, base: &str, l: &Ledger) -> (String, Vec<String>) {
    let mut missing = Vec::new();
    let get = |path: String, key: String| {
        let http = http.clone();
        let url = format!("{base}{path}");
        async move { call(&http, reqwest::Method::GET, url, Some(&key), None).await }
    };
    let mut found = [0usize; 6];
    for u in &l.users {
        match get("/users/me".into(), u.key.clone()).await {
            Ok((200, v)) if v["user"]["id"] == u.user.as_str() => found[0] += 1,
            other => missing.push(format!("user {}: {other:?}", u.user)),
        }
    }
    for (c, key) in &l.conversations {
        match get(format!("/conversations/{c}"), key.clone()).await {
            Ok((200, _)) => found[1] += 1,
            other => missing.push(format!("conversation {c}: {other:?}")),
        }
    }
    for (id, _, key, text) in &l.messages {
        match get(format!("/messages/{id}"), key.clone()).await {
            Ok((200, v)) if v["message"]["payload"]["text"] == text.as_str() => found[2] += 1,
            other => missing.push(format!("message {id}: {other:?}")),
        }
    }
    for (id, key) in &l.deleted {
        match get(format!("/messages/{id}"), key.clone()).await {
            Ok((404, _)) => found[3] += 1,
            other => missing.push(format!("deleted message {id} is back: {other:?}")),
        }
    }
    for (c, u, key) in &l.participants {
        match get(format!("/conversations/{c}/participants/{u}"), key.clone()).await {
            Ok((200, _)) => found[4] += 1,
            other => missing.push(format!("participant {u} of {c}: {other:?}")),
        }
    }
    for (id, key) in &l.events {
        match get(format!("/events/{id}"), key.clone()).await {
            Ok((200, _)) => found[5] += 1,
            other => missing.push(format!("event {id}: {other:?}")),
        }
    }
    let acked =
        [l.users.len(), l.conversations.len(), l.messages.len(), l.deleted.len(), l.participants.len(), l.events.len()];
    let names = ["users", "conversations", "messages", "message deletions", "participants", "events"];
    let mut report = String::new();
    for i in 0..6 {
        report.push_str(&format!("  {:<18} acknowledged {:>5}   found {:>5}\n", names[i], acked[i], found[i]));
    }
    report.push_str(&format!(
        "  total              acknowledged {:>5}   found {:>5}\n",
        acked.iter().sum::<usize>(),
        found.iter().sum::<usize>()
    ));
    (report, missing)
}

async fn run(a: Args) -> Result<String, String> {
    let t0 = Instant::now();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", a.db.display()));
    }
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().map_err(|e| e.to_string())?;
    let ledger: Shared = Arc::default();
    let counter = Arc::new(AtomicUsize::new(0));
    let signals = Arc::new(AtomicUsize::new(0));
    let mut rng = StdRng::seed_from_u64(a.seed);
    let mut listener_checks = 0;
    for round in 0..a.kills {
        let base = start(&a)?;
        if round > 0 {
            check_listener(&http, &base, &ledger, round).await?;
            listener_checks += 1;
        }
        let mut tasks = Vec::new();
        for w in 0..a.writers {
            tasks.push(tokio::spawn(writer(
                http.clone(),
                base.clone(),
                ledger.clone(),
                a.seed ^ ((round * 1000 + w) as u64),
                counter.clone(),
            )));
        }
        let convs = lock(&ledger).conversations.clone();
        for i in 0..a.listeners.min(convs.len()) {
            let (c, key) = convs[(i * 7 + round) % convs.len()].clone();
            let url = format!("{base}/conversations/{c}/listen");
            let (ready, signals) = (Arc::new(tokio::sync::Notify::new()), signals.clone());
            tasks.push(tokio::spawn(async move {
                let _ = listen(reqwest::Client::new(), url, key, None, signals, ready).await;
            }));
        }
        // A random moment: the writers are mid-flight whenever it comes.
        let ms = rng.gen_range(150..700);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        kill_current();
        for t in &tasks {
            t.abort();
        }
        for t in tasks {
            let _ = t.await;
        }
        if round % 4 == 3 {
            integrity(&a.db).map_err(|e| format!("after kill {}: {e}", round + 1))?;
        }
    }
    // The last restart: check the listener once more, then everything acknowledged.
    let base = start(&a)?;
    check_listener(&http, &base, &ledger, a.kills).await?;
    listener_checks += 1;
    let (report, missing) = {
        let l = std::mem::take(&mut *lock(&ledger));
        let (report, missing) = verify(&http, &base, &l).await;
        (
            format!(
                "{report}  unacknowledged writes (killed in flight): {}, deletions in doubt: {}\n",
                l.unacknowledged, l.in_doubt
            ),
            missing,
        )
    };
    kill_current();
    integrity(&a.db)?;
    let summary = format!(
        "crash test (seed {}): {} SIGKILLs, {} requests, {:.1} s\n{report}  listeners of restarted servers that received a new signal: {listener_checks}/{listener_checks}\n  background listener signals: {}\n  PRAGMA integrity_check: ok",
        a.seed,
        a.kills,
        counter.load(Ordering::SeqCst),
        t0.elapsed().as_secs_f64(),
        signals.load(Ordering::SeqCst),
    );
    if !missing.is_empty() {
        let shown: Vec<&String> = missing.iter().take(20).collect();
        return Err(format!("{summary}\n{} acknowledged writes are missing:\n{shown:#?}", missing.len()));
    }
    Ok(summary)
}

#[tokio::main]
async fn main() {
    let a = args();
    let deadline = Duration::from_secs(a.timeout);
    let outcome = tokio::time::timeout(deadline, run(a)).await;
    kill_current();
    match outcome {
        Ok(Ok(summary)) => println!("{summary}"),
        Ok(Err(e)) => {
            eprintln!("crash test FAILED: {e}");
            std::process::exit(1);
        }
        Err(_) => {
            eprintln!("crash test FAILED: not done within the overall timeout");
            std::process::exit(1);
        }
    }
}
