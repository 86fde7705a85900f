//! Load test: many concurrent SSE listeners on one conversation; every
//! signal must reach every listener, in order.
//!
//! cargo run -p chat-server --example load -- [--server target/debug/chat-server] \
//!     [--listeners 1000] [--messages 5] [--burst 200] [--timeout 240]
//!
//! It starts its own server (`--server`, bound to 127.0.0.1, `--exit-after`,
//! killed by pid when the test ends); `--url http://127.0.0.1:PORT/local`
//! runs against a server already running instead.
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]

#[path = "support/spawn.rs"]
mod spawn;

use futures_util::StreamExt;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    server: std::path::PathBuf,
    url: String,
    listeners: usize,
    messages: usize,
    burst: usize,
    timeout: u64,
}

fn args() -> Args {
    let mut a = Args {
        server: "target/debug/chat-server".into(),
        url: String::new(),
        listeners: 1000,
        messages: 5,
        burst: 200,
        timeout: 240,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < v.len() {
        let val = v[i + 1].clone();
        match v[i].as_str() {
            "--server" => a.server = val.into(),
            "--url" => a.url = val.trim_end_matches('/').to_string(),
            "--listeners" => a.listeners = val.parse().expect("--listeners N"),
            "--messages" => a.messages = val.parse().expect("--messages N"),
            "--burst" => a.burst = val.parse().expect("--burst N"),
            "--timeout" => a.timeout = val.parse().expect("--timeout SECS"),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

async fn call(http: &reqwest::Client, method: reqwest::Method, url: String, key: Option<&str>, body: Value) -> Value {
    let mut rb = http.request(method, url).json(&body);
    if let Some(k) = key {
        rb = rb.header("x-user-key", k);
    }
    let resp = rb.send().await.expect("request");
    let status = resp.status();
    let v: Value = resp.json().await.expect("JSON answer");
    assert!(status.is_success(), "{status}: {v}");
    v
}

/// Reads one listener's stream until `expected` message_created signals have arrived.
async fn listen(
    http: reqwest::Client,
    url: String,
    key: String,
    expected: usize,
    connected: Arc<AtomicUsize>,
    ready: Arc<tokio::sync::Notify>,
) -> Result<Vec<String>, String> {
    let resp = http
        .get(url)
        .header("x-user-key", key)
        .header("accept", "text/event-stream")
        .send()
        .await
        .map_err(|e| format!("connect: {e}"))?;
    if resp.status() != 200 {
        return Err(format!("status {}", resp.status()));
    }
    connected.fetch_add(1, Ordering::SeqCst);
    ready.notify_one();
    let mut stream = resp.bytes_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut pos = 0;
    let mut ids = Vec::with_capacity(expected);
    while ids.len() < expected {
        match stream.next().await {
            Some(Ok(b)) => buf.extend_from_slice(&b),
            Some(Err(e)) => return Err(format!("stream error after {} signals: {e}", ids.len())),
            None => return Err(format!("stream ended after {} signals", ids.len())),
        }
        while let Some(i) = buf[pos..].windows(2).position(|w| w == b"\n\n") {
            let frame = std::str::from_utf8(&buf[pos..pos + i]).map_err(|e| e.to_string())?;
            pos += i + 2;
            let data = frame.strip_prefix("event: message\ndata: ").ok_or_else(|| format!("bad frame {frame:?}"))?;
            if data == "ping" {
                continue;
            }
            let v: Value = serde_json::from_str(data).map_err(|e| e.to_string())?;
            if v["type"] == "message_created" {
                ids.push(v["data"]["id"].as_str().unwrap_or_default().to_string());
            }
        }
        if pos > 1 << 20 {
            buf.drain(..pos);
            pos = 0;
        }
    }
    Ok(ids)
}

#[tokio::main]
async fn main() {
    let mut a = args();
    let deadline = Duration::from_secs(a.timeout);
    let mut server = None;
    if a.url.is_empty() {
        let exit_after = (a.timeout + 60).to_string();
        match spawn::spawn(&a.server, ["--bot-delay-ms", "0", "--exit-after", &exit_after]) {
            Ok((child, url)) => {
                a.url = format!("{url}/local");
                server = Some(child);
            }
            Err(e) => {
                eprintln!("load test FAILED: {e}");
                std::process::exit(1);
            }
        }
    }
    let outcome = tokio::time::timeout(deadline, run(a)).await;
    if let Some(mut child) = server {
        let _ = child.kill();
        let _ = child.wait();
    }
    match outcome {
        Ok(Ok(summary)) => println!("{summary}"),
        Ok(Err(e)) => {
            eprintln!("load test FAILED: {e}");
            std::process::exit(1);
        }
        Err(_) => {
            eprintln!("load test FAILED: not done within the overall timeout");
            std::process::exit(1);
        }
    }
}

async fn run(a: Args) -> Result<String, String> {
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().map_err(|e| e.to_string())?;
    let user = call(&http, reqwest::Method::POST, format!("{}/users", a.url), None, json!({})).await;
    let key = user["key"].as_str().unwrap().to_string();
    let conv = call(&http, reqwest::Method::POST, format!("{}/conversations", a.url), Some(&key), json!({})).await;
    let conv = conv["conversation"]["id"].as_str().unwrap().to_string();
    let expected = 2 * a.messages + if a.burst > 0 { 1 + a.burst } else { 0 };

    // Open every listener.
    let t0 = Instant::now();
    let connected = Arc::new(AtomicUsize::new(0));
    let ready = Arc::new(tokio::sync::Notify::new());
    let listen_url = format!("{}/conversations/{conv}/listen", a.url);
    let mut tasks = Vec::with_capacity(a.listeners);
    for _ in 0..a.listeners {
        // One client per listener: one connection each, as separate browsers would.
        let client = reqwest::Client::new();
        tasks.push(tokio::spawn(listen(
            client,
            listen_url.clone(),
            key.clone(),
            expected,
            connected.clone(),
            ready.clone(),
        )));
    }
    while connected.load(Ordering::SeqCst) < a.listeners {
        if tasks.iter().any(|t| t.is_finished()) {
            break;
        }
        let _ = tokio::time::timeout(Duration::from_millis(200), ready.notified()).await;
    }
    let n_connected = connected.load(Ordering::SeqCst);
    if n_connected < a.listeners {
        let mut first_error = String::new();
        for t in tasks {
            if t.is_finished() {
                if let Ok(Err(e)) = t.await {
                    first_error = e;
                    break;
                }
            }
        }
        return Err(format!("only {n_connected}/{} listeners connected: {first_error}", a.listeners));
    }
    let connect_time = t0.elapsed();

    // Send the messages (each gets an echo), then the burst.
    let t1 = Instant::now();
    for i in 0..a.messages {
        let body = json!({"conversationId": conv, "payload": {"type": "text", "text": format!("load {i}")}});
        call(&http, reqwest::Method::POST, format!("{}/messages", a.url), Some(&key), body).await;
    }
    if a.burst > 0 {
        let body = json!({"conversationId": conv, "payload": {"type": "text", "text": format!("burst {}", a.burst)}});
        call(&http, reqwest::Method::POST, format!("{}/messages", a.url), Some(&key), body).await;
    }
    let mut results = Vec::with_capacity(tasks.len());
    for t in tasks {
        results.push(t.await.map_err(|e| e.to_string())?);
    }
    let deliver_time = t1.elapsed();

    // The stored order, page by page.
    let mut stored = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let q = token.as_ref().map(|t| format!("?nextToken={t}")).unwrap_or_default();
        let v = http
            .get(format!("{}/conversations/{conv}/messages{q}", a.url))
            .header("x-user-key", &key)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json::<Value>()
            .await
            .map_err(|e| e.to_string())?;
        stored.extend(v["messages"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()));
        match v["meta"]["nextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    if stored.len() != expected {
        return Err(format!("{} messages stored, {expected} expected", stored.len()));
    }
    let mut failures = 0;
    for (i, r) in results.iter().enumerate() {
        match r {
            Ok(ids) if *ids == stored => {}
            Ok(ids) => {
                failures += 1;
                if failures <= 3 {
                    eprintln!("listener {i}: {} signals, order or content differs from the stored messages", ids.len());
                }
            }
            Err(e) => {
                failures += 1;
                if failures <= 3 {
                    eprintln!("listener {i}: {e}");
                }
            }
        }
    }
    if failures > 0 {
        return Err(format!("{failures}/{} listeners missed signals", a.listeners));
    }
    let deliveries = a.listeners * expected;
    Ok(format!(
        "load test ok: {} listeners connected in {:.2} s; {} signals each ({} messages + echoes, burst {}), \
         {} deliveries in {:.2} s ({:.0}/s), every listener received every signal in stored order",
        a.listeners,
        connect_time.as_secs_f64(),
        expected,
        a.messages,
        a.burst,
        deliveries,
        deliver_time.as_secs_f64(),
        deliveries as f64 / deliver_time.as_secs_f64()
    ))
}
