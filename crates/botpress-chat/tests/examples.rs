//! The examples, run as a user runs them: the terminal chat driven through
//! its stdin (lines out, the bot's replies in, a streamed reply growing, a
//! second run resuming), and the webhook service behind a chat-server that
//! posts its signals to it. The binaries are the ones `cargo test -p
//! botpress-chat` builds beside the tests (a run filtered with `--test`
//! builds no example: `cargo build --examples` first).
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]
#![cfg(not(target_arch = "wasm32"))]

// The examples' tests use the servers of the support module, not its platform.
#[allow(unused_imports)]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use botpress_chat::api::{CreateConversationInput, CreateMessageInput};
use botpress_chat::client::{Auth, Client, ClientOptions};
use botpress_chat::model::KnownPayload;
use botpress_chat::realtime::ListenOptions;
use botpress_chat::{MessagePayload, Signal};
use futures::StreamExt;
use support::servers::{example, Fixtures};

const WAIT: Duration = Duration::from_secs(20);

/// A run of the `chat` example, its output read line by line.
struct ChatRun {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    /// Everything it printed so far, for failure messages.
    seen: Vec<String>,
}

impl ChatRun {
    fn start(api_url: &str, state: &Path) -> ChatRun {
        let mut child = Command::new(example("chat"))
            .args(["--api-url", api_url, "--state"])
            .arg(state)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("run the chat example (cargo test builds it)");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        ChatRun { stdin: child.stdin.take(), child, lines, seen: Vec::new() }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").and_then(|()| stdin.flush()).expect("write to the example");
    }

    /// The next line that `pred` accepts (lines before it are kept in `seen`).
    fn expect(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if pred(&line) {
                        return line;
                    }
                }
                Err(_) => panic!("no line {what} within {WAIT:?}; the example printed: {:#?}", self.seen),
            }
        }
    }

    /// Ends input and waits for a clean exit.
    fn finish(mut self) -> Vec<String> {
        self.stdin = None;
        self.expect("bye", |l| l == "bye");
        let status = self.child.wait().expect("wait for the example");
        assert!(status.success(), "the example exited with {status}");
        std::mem::take(&mut self.seen)
    }
}

impl Drop for ChatRun {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `new conversation C as U (…)` or `resumed conversation C as U (…)`: (C, U).
fn session(line: &str) -> (String, String) {
    let words: Vec<&str> = line.split_whitespace().collect();
    (words[2].to_string(), words[4].to_string())
}

#[tokio::test]
async fn the_chat_example_sends_shows_replies_and_resumes() {
    let servers = Fixtures::chat_server("127.0.0.1:0", &["--bot-delay-ms", "10"]);
    let api_url = servers.get("apiUrl").to_string();
    let dir = std::env::temp_dir().join(format!("botpress-chat-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);

    // First run: a new user and conversation; a line goes out, the echo comes back.
    let mut run = ChatRun::start(&api_url, &state);
    let first = run.expect("naming the new conversation", |l| l.starts_with("new conversation "));
    let (conversation, user) = session(&first);
    run.send("hello there");
    run.expect("with the echo", |l| l == "bot: hello there");

    // A streamed reply: shown growing, then final.
    run.send("stream 20");
    let full: Vec<String> = (1..=20).map(|i| i.to_string()).collect();
    let full = full.join(" ");
    run.expect("with the final streamed reply", |l| l == format!("bot: {full}"));
    let partial: Vec<&String> = run.seen.iter().filter(|l| l.starts_with("bot (streaming): ")).collect();
    assert!(partial.len() >= 2, "the reply was shown growing: {:#?}", run.seen);
    for pair in partial.windows(2) {
        assert!(pair[1].len() > pair[0].len() && pair[1].starts_with(pair[0].as_str()), "grows: {pair:?}");
    }
    run.finish();

    // While it is away, a message from the same user (its key, from the state file).
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).expect("state file")).expect("state JSON");
    let key = saved["userKey"].as_str().expect("a user key kept").to_string();
    let client = Client::new(ClientOptions::new(&api_url)).expect("client");
    let chat = client.connect(Auth::UserKey(key)).await.expect("the same user");
    assert_eq!(chat.user().id, user);
    let mut signals = chat.listen_conversation(&conversation, ListenOptions::default());
    signals.connected().await.expect("listening");
    let input = CreateMessageInput {
        conversation_id: conversation.clone(),
        payload: MessagePayload::text("while you were away"),
        metadata: None,
    };
    chat.create_message(&input).await.expect("sent");
    // The bot's echo is stored before the second run starts.
    loop {
        let next = tokio::time::timeout(WAIT, signals.next()).await.expect("the echo in time");
        if let Some(Ok(Signal::MessageCreated(m))) = next {
            if m.is_bot && matches!(m.payload.known(), Some(KnownPayload::Text(t)) if t.text == "while you were away") {
                break;
            }
        }
    }

    // Second run: the same user and conversation, and what came meanwhile first.
    let mut run = ChatRun::start(&api_url, &state);
    let first = run.expect("naming the resumed conversation", |l| l.starts_with("resumed conversation "));
    assert_eq!(session(&first), (conversation.clone(), user.clone()));
    run.expect("with the reply that came while away", |l| l == "bot: while you were away");
    let seen = run.finish();
    assert!(!seen.iter().any(|l| l == "bot: hello there"), "what it showed before is not shown again: {seen:#?}");

    // `/new` starts another conversation; Ctrl-C leaves cleanly.
    let mut run = ChatRun::start(&api_url, &state);
    run.expect("naming the resumed conversation", |l| l.starts_with("resumed conversation "));
    run.send("/new");
    let line = run.expect("naming the new conversation", |l| l.starts_with("new conversation "));
    assert_ne!(line.split_whitespace().nth(2), Some(conversation.as_str()));
    run.send("second");
    run.expect("with the echo in the new conversation", |l| l == "bot: second");
    let pid = run.child.id().to_string();
    let kill = Command::new("kill").args(["-INT", &pid]).status().expect("kill -INT");
    assert!(kill.success());
    run.expect("bye after Ctrl-C", |l| l == "bye");
    let status = run.child.wait().expect("wait");
    assert!(status.success(), "Ctrl-C ends it cleanly: {status}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_webhook_example_answers_through_the_api() {
    let key = format!("webhook-example-key-{}", std::process::id());
    let secret = "webhook-example-secret";
    // The service must know the API's address and the server the service's: the
    // server's port is picked first.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let api_url = format!("http://127.0.0.1:{port}/local");
    let service = Fixtures::example_server(
        "webhook",
        &["--api-url", &api_url, "--encryption-key", &key, "--secret", secret, "--addr", "127.0.0.1:0"],
    );
    let hook = format!("{}/", service.get("url"));
    let servers = service.and(Fixtures::chat_server(
        &format!("127.0.0.1:{port}"),
        &["--encryption-key", &key, "--webhook-url", &hook, "--webhook-secret", secret, "--bot-delay-ms", "10"],
    ));
    assert_eq!(servers.get("apiUrl"), api_url);

    // Calls without the secret, and bodies that are not signals, are refused.
    let http = reqwest::Client::new();
    let status = |r: reqwest::Response| r.status().as_u16();
    let post = |secret: Option<&str>, body: &str| {
        let req = http.post(&hook).body(body.to_string());
        match secret {
            Some(s) => req.header("x-secret-key", s),
            None => req,
        }
        .send()
    };
    let signal = r#"{"type":"participant_added","data":{"conversationId":"c","participantId":"u"}}"#;
    assert_eq!(status(post(None, signal).await.expect("post")), 401);
    assert_eq!(status(post(Some("wrong"), signal).await.expect("post")), 401);
    assert_eq!(status(post(Some(secret), r#"{"type":"message_created"}"#).await.expect("post")), 400);
    assert_eq!(status(post(Some(secret), signal).await.expect("post")), 200);

    // A user mentions the assistant: it joins the conversation and answers there.
    let client = Client::new(ClientOptions::new(&api_url)).expect("client");
    let auth = Auth::EncryptionKey { encryption_key: key.clone(), user_id: "alice".into() };
    let alice = client.connect(auth).await.expect("alice");
    let conv = alice.create_conversation(&CreateConversationInput::default()).await.expect("conversation").conversation;
    let mut signals = alice.listen_conversation(&conv.id, ListenOptions::default());
    signals.connected().await.expect("listening");
    let input = CreateMessageInput {
        conversation_id: conv.id.clone(),
        payload: MessagePayload::text("@assistant what is new?"),
        metadata: None,
    };
    alice.create_message(&input).await.expect("sent");
    let answer = tokio::time::timeout(WAIT, async {
        while let Some(signal) = signals.next().await {
            if let Ok(Signal::MessageCreated(m)) = signal {
                if m.user_id == "assistant" {
                    return m;
                }
            }
        }
        panic!("the listener ended");
    })
    .await
    .expect("the assistant's answer in time");
    assert!(!answer.is_bot);
    assert!(
        matches!(answer.payload.known(), Some(KnownPayload::Text(t)) if t.text == "You asked: what is new?"),
        "{answer:?}"
    );
}
