//! One measured run of the native client against `chat-server`, beside the
//! same work done with `reqwest` and `serde_json` by hand. `bench/run.mjs`
//! runs it (its `native` rows in BENCHMARKS.md):
//!
//! ```text
//! cargo bench -p botpress-chat --bench native -- '{"case":"create","contender":"ours","apiUrl":"http://127.0.0.1:8080/local","n":1000}'
//! ```
//!
//! Cases, as in the JS benchmark (`bench/lib/cases.mjs`):
//! - `create`: `n` sequential `createMessage` calls on one conversation after
//!   20 untimed ones; `perCallUs`. Raw: a `reqwest` POST and a `serde_json`
//!   parse of the answer.
//! - `throughput` (`protocol` `sse` or `websocket`): `burst n` sent to the
//!   echo bot, time until the `n`-th bot `message_created` is received;
//!   `signalsPerSec`. Raw: a `reqwest` body read line by line, each `data:`
//!   line parsed with `serde_json`.
//!
//! `"runtime": "multi"` runs it on tokio's multi-threaded runtime, by default
//! on the current-thread one. Prints one line: `RESULT <json>`.

// The dependencies of the library and of the examples and tests.
#![allow(unused_crate_dependencies)]

use std::time::{Duration, Instant};

use botpress_chat::api::{CreateConversationInput, CreateMessageInput};
use botpress_chat::client::{Auth, AuthenticatedClient, Client, ClientOptions};
use botpress_chat::realtime::{ListenOptions, Protocol};
use botpress_chat::{MessagePayload, Signal};
use futures::StreamExt;
use serde_json::{json, Value};

const WARMUP: usize = 20;
const TIMEOUT: Duration = Duration::from_secs(300);

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

struct Opts {
    case: String,
    contender: String,
    protocol: Protocol,
    api_url: String,
    n: usize,
    runtime: String,
}

fn opts() -> Result<Opts> {
    // `cargo bench` adds `--bench`; the options are the one JSON argument.
    let arg = std::env::args().skip(1).find(|a| a.starts_with('{')).ok_or("give the case as one JSON argument")?;
    let v: Value = serde_json::from_str(&arg)?;
    let text = |k: &str| v[k].as_str().map(str::to_string).ok_or(format!("missing {k}"));
    Ok(Opts {
        case: text("case")?,
        contender: text("contender")?,
        protocol: Protocol::from_name(v["protocol"].as_str().unwrap_or("sse")).ok_or("unknown protocol")?,
        api_url: text("apiUrl")?,
        n: v["n"].as_u64().unwrap_or(1000) as usize,
        runtime: v["runtime"].as_str().unwrap_or("current").to_string(),
    })
}

async fn ours_session(api_url: &str) -> Result<(AuthenticatedClient, String)> {
    let client = Client::new(ClientOptions::new(api_url))?;
    let chat = client.connect(Auth::CreateUser { user_id: None }).await?;
    let conv = chat.create_conversation(&CreateConversationInput::default()).await?.conversation.id;
    Ok((chat, conv))
}

fn message(conv: &str, text: &str) -> CreateMessageInput {
    CreateMessageInput { conversation_id: conv.to_string(), payload: MessagePayload::text(text), metadata: None }
}

/// A user and a conversation by hand: the key and the conversation id.
async fn raw_session(http: &reqwest::Client, api_url: &str) -> Result<(String, String)> {
    let post = |path: &str, key: Option<&str>| {
        let req = http.post(format!("{api_url}{path}")).header("content-type", "application/json").body("{}");
        match key {
            Some(k) => req.header("x-user-key", k),
            None => req,
        }
    };
    let user: Value = serde_json::from_slice(&post("/users", None).send().await?.bytes().await?)?;
    let key = user["key"].as_str().ok_or("no key")?.to_string();
    let conv: Value = serde_json::from_slice(&post("/conversations", Some(&key)).send().await?.bytes().await?)?;
    Ok((key, conv["conversation"]["id"].as_str().ok_or("no conversation")?.to_string()))
}

/// One createMessage by hand: POST, status checked, body parsed.
async fn raw_create(http: &reqwest::Client, api_url: &str, key: &str, conv: &str, text: &str) -> Result<Value> {
    let body = json!({"conversationId": conv, "payload": {"type": "text", "text": text}}).to_string();
    let res = http
        .post(format!("{api_url}/messages"))
        .header("x-user-key", key)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    if !res.status().is_success() {
        return Err(format!("createMessage: {}", res.status()).into());
    }
    Ok(serde_json::from_slice(&res.bytes().await?)?)
}

async fn create(o: &Opts) -> Result<Value> {
    let ms = if o.contender == "ours" {
        let (chat, conv) = ours_session(&o.api_url).await?;
        for _ in 0..WARMUP {
            chat.create_message(&message(&conv, "warm-up")).await?;
        }
        let t0 = Instant::now();
        for _ in 0..o.n {
            chat.create_message(&message(&conv, "m")).await?;
        }
        t0.elapsed()
    } else {
        let http = reqwest::Client::new();
        let (key, conv) = raw_session(&http, &o.api_url).await?;
        for _ in 0..WARMUP {
            raw_create(&http, &o.api_url, &key, &conv, "warm-up").await?;
        }
        let t0 = Instant::now();
        for _ in 0..o.n {
            raw_create(&http, &o.api_url, &key, &conv, "m").await?;
        }
        t0.elapsed()
    };
    let ms = ms.as_secs_f64() * 1000.0;
    Ok(json!({"ms": ms, "perCallUs": ms * 1000.0 / o.n as f64, "n": o.n, "warmup": WARMUP}))
}

async fn throughput(o: &Opts) -> Result<Value> {
    let n = o.n;
    let (elapsed, first) = if o.contender == "ours" {
        let (chat, conv) = ours_session(&o.api_url).await?;
        let options = ListenOptions { protocol: o.protocol, ..Default::default() };
        let mut signals = chat.listen_conversation(&conv, options);
        signals.connected().await?;
        let t0 = Instant::now();
        chat.create_message(&message(&conv, &format!("burst {n}"))).await?;
        // One deadline for the whole burst: a timer per signal would be measured too.
        let first = tokio::time::timeout(TIMEOUT, async {
            let (mut count, mut first) = (0, None);
            while count < n {
                match signals.next().await {
                    Some(Ok(Signal::MessageCreated(m))) if m.is_bot => {
                        count += 1;
                        first.get_or_insert_with(|| t0.elapsed());
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e.into()),
                    None => return Err("the listener ended".into()),
                }
            }
            Ok::<_, Box<dyn std::error::Error>>(first)
        })
        .await??;
        (t0.elapsed(), first.unwrap_or_default())
    } else {
        let http = reqwest::Client::new();
        let (key, conv) = raw_session(&http, &o.api_url).await?;
        let mut res = http
            .get(format!("{}/conversations/{conv}/listen", o.api_url))
            .header("x-user-key", &key)
            .header("accept", "text/event-stream")
            .send()
            .await?;
        let t0 = Instant::now();
        raw_create(&http, &o.api_url, &key, &conv, &format!("burst {n}")).await?;
        let first = tokio::time::timeout(TIMEOUT, async {
            let (mut count, mut first, mut line) = (0, None, Vec::new());
            while count < n {
                let chunk = res.chunk().await?.ok_or("the stream ended")?;
                for &b in chunk.iter() {
                    if b != b'\n' {
                        line.push(b);
                        continue;
                    }
                    if let Some(data) = line.strip_prefix(b"data:") {
                        let v: Value = serde_json::from_slice(data)?;
                        if v["type"] == "message_created" && v["data"]["isBot"] == true {
                            count += 1;
                            first.get_or_insert_with(|| t0.elapsed());
                        }
                    }
                    line.clear();
                }
            }
            Ok::<_, Box<dyn std::error::Error>>(first)
        })
        .await??;
        (t0.elapsed(), first.unwrap_or_default())
    };
    let ms = elapsed.as_secs_f64() * 1000.0;
    Ok(json!({
        "ms": ms,
        "signalsPerSec": n as f64 * 1000.0 / ms,
        "firstToLastMs": ms - first.as_secs_f64() * 1000.0,
        "firstMs": first.as_secs_f64() * 1000.0,
        "n": n,
    }))
}

fn main() {
    let result = opts().and_then(|o| {
        // `"runtime": "multi"`: tokio's multi-threaded runtime (`#[tokio::main]`'s);
        // by default the current-thread one.
        let runtime = match o.runtime.as_str() {
            "multi" => tokio::runtime::Builder::new_multi_thread().enable_all().build()?,
            _ => tokio::runtime::Builder::new_current_thread().enable_all().build()?,
        };
        runtime.block_on(async {
            match o.case.as_str() {
                "create" => create(&o).await,
                "throughput" => throughput(&o).await,
                other => Err(format!("unknown case {other}").into()),
            }
        })
    });
    let line = match result {
        Ok(v) => v,
        Err(e) => json!({"error": e.to_string()}),
    };
    println!("RESULT {line}");
}
