//! Test harness: runs the `chat-server` binary on a free port and talks to
//! it over HTTP, SSE and WebSocket.
#![allow(dead_code)]

use futures_util::StreamExt;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const WAIT: Duration = Duration::from_secs(10);

/// A running server, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// `http://127.0.0.1:PORT/local`
    pub base: String,
    pub http: reqwest::Client,
}

impl Server {
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chat-server"))
            .args(["--addr", "127.0.0.1:0", "--exit-after", "300", "--bot-delay-ms", "5"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("CHAT_SERVER_LOG").is_some() { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .expect("spawn chat-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("first line");
        let url =
            line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {line:?}")).to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        let webhook_id = args
            .iter()
            .position(|a| *a == "--webhook-id")
            .map(|i| args[i + 1].to_string())
            .unwrap_or_else(|| "local".into());
        let base = format!("{url}/{webhook_id}");
        Server { child, url, base, http: reqwest::Client::new() }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process and waits for it.
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Any request; the answer as (status, JSON body or the text as a JSON string).
    pub async fn raw(&self, method: &str, path: &str, key: Option<&str>, body: Option<String>) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.http.request(m, format!("{}{}", self.base, path));
        if let Some(k) = key {
            rb = rb.header("x-user-key", k);
        }
        if let Some(b) = body {
            rb = rb.header("content-type", "application/json").body(b);
        }
        let resp = rb.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, v)
    }

    pub async fn call(&self, method: &str, path: &str, key: Option<&str>, body: Option<Value>) -> (u16, Value) {
        self.raw(method, path, key, body.map(|b| b.to_string())).await
    }

    /// Calls and asserts a 200.
    pub async fn ok(&self, method: &str, path: &str, key: &str, body: Option<Value>) -> Value {
        let (s, v) = self.call(method, path, Some(key), body).await;
        assert_eq!(s, 200, "{method} {path}: {v}");
        v
    }

    /// createUser; returns (user id, key).
    pub async fn user(&self, id: Option<&str>) -> (String, String) {
        let body = match id {
            Some(id) => json!({ "id": id }),
            None => json!({}),
        };
        let (s, v) = self.call("POST", "/users", None, Some(body)).await;
        assert_eq!(s, 200, "{v}");
        (v["user"]["id"].as_str().unwrap().to_string(), v["key"].as_str().unwrap().to_string())
    }

    /// createConversation; returns its id.
    pub async fn conversation(&self, key: &str, id: Option<&str>) -> String {
        let body = match id {
            Some(id) => json!({ "id": id }),
            None => json!({}),
        };
        let v = self.ok("POST", "/conversations", key, Some(body)).await;
        v["conversation"]["id"].as_str().unwrap().to_string()
    }

    pub async fn text(&self, key: &str, conv: &str, text: &str) -> Value {
        let body = json!({"conversationId": conv, "payload": {"type": "text", "text": text}});
        self.ok("POST", "/messages", key, Some(body)).await["message"].clone()
    }

    /// Opens an SSE listener with the key in the header.
    pub async fn listen(&self, key: &str, conv: &str) -> Sse {
        let resp = self
            .http
            .get(format!("{}/conversations/{conv}/listen", self.base))
            .header("x-user-key", key)
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        Sse::new(resp)
    }

    /// Every message of a conversation, following nextToken.
    pub async fn all_messages(&self, key: &str, conv: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let q = token.as_ref().map(|t| format!("?nextToken={t}")).unwrap_or_default();
            let v = self.ok("GET", &format!("/conversations/{conv}/messages{q}"), key, None).await;
            out.extend(v["messages"].as_array().unwrap().iter().cloned());
            match v["meta"]["nextToken"].as_str() {
                Some(t) => token = Some(t.to_string()),
                None => return out,
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An SSE response read frame by frame.
pub struct Sse {
    pub headers: reqwest::header::HeaderMap,
    stream: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    /// Everything received so far, byte for byte.
    pub raw: Vec<u8>,
    pos: usize,
}

impl Sse {
    pub fn new(resp: reqwest::Response) -> Sse {
        Sse { headers: resp.headers().clone(), stream: Box::pin(resp.bytes_stream()), raw: Vec::new(), pos: 0 }
    }

    /// The next raw frame (without the blank line), or `None` when the stream ended.
    pub async fn frame(&mut self) -> Option<String> {
        loop {
            if let Some(i) = self.raw[self.pos..].windows(2).position(|w| w == b"\n\n") {
                let f = String::from_utf8(self.raw[self.pos..self.pos + i].to_vec()).unwrap();
                self.pos += i + 2;
                return Some(f);
            }
            match tokio::time::timeout(WAIT, self.stream.next()).await.expect("SSE frame timed out") {
                Some(Ok(b)) => self.raw.extend_from_slice(&b),
                _ => return None,
            }
        }
    }

    /// The next signal envelope, skipping keep-alives.
    pub async fn signal(&mut self) -> Value {
        loop {
            let f = self.frame().await.expect("stream ended");
            let data = f.strip_prefix("event: message\ndata: ").unwrap_or_else(|| panic!("frame {f:?}"));
            if data != "ping" {
                return serde_json::from_str(data).unwrap();
            }
        }
    }

    /// The next signal of the given type.
    pub async fn signal_of(&mut self, kind: &str) -> Value {
        loop {
            let s = self.signal().await;
            if s["type"] == kind {
                return s;
            }
        }
    }

    /// Waits for the server to end the stream.
    pub async fn ended(&mut self) -> bool {
        loop {
            match self.frame().await {
                None => return true,
                Some(_) => continue,
            }
        }
    }
}

/// HS256 key signed by the caller (manual mode).
pub fn sign(secret: &str, id: &str) -> String {
    chat_server::auth::mint(secret.as_bytes(), id, chat_server::util::now_secs())
}
