//! A terminal chat with a bot over the Chat API.
//!
//! ```text
//! cargo run -p botpress-chat --example chat -- --api-url http://127.0.0.1:8080/local
//! cargo run -p botpress-chat --example chat -- --webhook-id <your webhook id>
//! ```
//!
//! Your lines go out as text messages; the bot's replies are printed as they
//! arrive, a streamed reply growing in place. `/new` starts a conversation,
//! `/quit` (or Ctrl-C, or the end of input) leaves. The user key and the
//! conversation are kept in a state file (`--state`, default
//! `.botpress-chat.json`), so the next run resumes them and first prints
//! what arrived while it was away (`since` the last message it showed).
//!
//! Options: `--api-url URL` or `--webhook-id ID`, `--state FILE`,
//! `--protocol sse|websocket`; for an integration in personal mode,
//! `--encryption-key KEY --user-id ID` (the key signs the user's key here;
//! it is never sent).

// The dependencies of the library and of the other examples and tests.
#![allow(unused_crate_dependencies)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use botpress_chat::api::{CreateConversationInput, CreateMessageInput};
use botpress_chat::client::{Auth, AuthenticatedClient, Client, ClientOptions};
use botpress_chat::model::KnownPayload;
use botpress_chat::realtime::{ListenOptions, Protocol, SignalStream, Since, StreamAssembler};
use botpress_chat::signal::Signal;
use botpress_chat::{Error, MessagePayload};
use futures::StreamExt;
use serde_json::{json, Value};

/// What the example remembers between runs.
#[derive(Default)]
struct State {
    path: PathBuf,
    user_key: Option<String>,
    conversation_id: Option<String>,
    /// The last message shown: the next run listens `since` it.
    last_message_id: Option<String>,
}

impl State {
    fn load(path: PathBuf) -> State {
        let saved: Value =
            std::fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
        let field = |k: &str| saved[k].as_str().map(str::to_string);
        State {
            user_key: field("userKey"),
            conversation_id: field("conversationId"),
            last_message_id: field("lastMessageId"),
            path,
        }
    }

    fn save(&self) {
        let saved = json!({
            "userKey": self.user_key,
            "conversationId": self.conversation_id,
            "lastMessageId": self.last_message_id,
        });
        if let Err(e) = std::fs::write(&self.path, saved.to_string()) {
            eprintln!("could not save {}: {e}", self.path.display());
        }
    }
}

struct Args {
    options: ClientOptions,
    state: PathBuf,
    protocol: Protocol,
    /// Personal mode: the integration's encryption key and the user id.
    personal: Option<(String, String)>,
}

fn args() -> Result<Args, String> {
    let mut options = ClientOptions::default();
    let mut state = PathBuf::from(".botpress-chat.json");
    let mut protocol = Protocol::Sse;
    let (mut encryption_key, mut user_id) = (None, None);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--api-url" => options.api_url = Some(value()?),
            "--webhook-id" => options.webhook_id = Some(value()?),
            "--state" => state = PathBuf::from(value()?),
            "--encryption-key" => encryption_key = Some(value()?),
            "--user-id" => user_id = Some(value()?),
            "--protocol" => {
                let name = value()?;
                protocol = Protocol::from_name(&name).ok_or(format!("unknown protocol {name}"))?;
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.api_url.is_none() && options.webhook_id.is_none() {
        return Err("give --api-url URL or --webhook-id ID".into());
    }
    let personal = match (encryption_key, user_id) {
        (Some(key), Some(id)) => Some((key, id)),
        (None, None) => None,
        _ => return Err("--encryption-key and --user-id go together".into()),
    };
    Ok(Args { options, state, protocol, personal })
}

/// Prints the bot's side of the conversation: finished messages on their
/// own line, a streamed reply rewritten in place on a terminal (one line per
/// update otherwise).
struct Screen {
    me: String,
    tty: bool,
    streams: StreamAssembler<()>,
    /// A streamed reply is being drawn on the current line.
    drawing: bool,
}

impl Screen {
    fn line(&mut self, text: &str) {
        let mut out = std::io::stdout().lock();
        if self.drawing {
            let _ = write!(out, "\r\x1b[2K");
            self.drawing = false;
        }
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    fn partial(&mut self, text: &str) {
        let mut out = std::io::stdout().lock();
        if self.tty {
            let _ = write!(out, "\r\x1b[2Kbot: {text}…");
            self.drawing = true;
        } else {
            let _ = writeln!(out, "bot (streaming): {text}");
        }
        let _ = out.flush();
    }

    /// Shows a signal; returns the id of a message it showed.
    fn show(&mut self, signal: Signal) -> Option<String> {
        match signal {
            Signal::MessageStreamDelta(d) if d.user_id != self.me => {
                let text = self.streams.delta(&d.stream_id, d.sequence, &d.delta);
                self.partial(&text);
                None
            }
            Signal::MessageStreamAbort(a) => {
                self.streams.abort(&a.stream_id);
                self.line("bot: (reply abandoned)");
                None
            }
            Signal::MessageStreamComplete(c) => {
                // The final message follows as `message_created`, shown there.
                self.streams.complete(&c.stream_id, ());
                None
            }
            Signal::MessageCreated(m) if m.user_id != self.me => {
                if let Some(id) = m.metadata.as_ref().and_then(|meta| meta.get("streamId")).and_then(Value::as_str) {
                    self.streams.complete(id, ());
                }
                let who = if m.is_bot { "bot" } else { m.user_id.as_str() };
                self.line(&format!("{who}: {}", describe(&m.payload)));
                Some(m.id)
            }
            Signal::MessageCreated(m) => Some(m.id),
            _ => None,
        }
    }
}

/// A payload as one line of text.
fn describe(payload: &MessagePayload) -> String {
    match payload.known() {
        Some(KnownPayload::Text(t)) => t.text.clone(),
        Some(KnownPayload::Markdown(m)) => m.markdown.clone(),
        _ => format!("[{} message]", payload.kind()),
    }
}

async fn connect(
    client: &Client,
    state: &mut State,
    personal: Option<(String, String)>,
) -> Result<AuthenticatedClient, Error> {
    let auth = match (personal, &state.user_key) {
        (Some((encryption_key, user_id)), _) => Auth::EncryptionKey { encryption_key, user_id },
        (None, Some(key)) => Auth::UserKey(key.clone()),
        (None, None) => Auth::CreateUser { user_id: None },
    };
    let chat = client.connect(auth).await?;
    state.user_key = Some(chat.key().to_string());
    Ok(chat)
}

async fn new_conversation(chat: &AuthenticatedClient, state: &mut State) -> Result<String, Error> {
    let id = chat.create_conversation(&CreateConversationInput::default()).await?.conversation.id;
    state.conversation_id = Some(id.clone());
    state.last_message_id = None;
    state.save();
    Ok(id)
}

fn listen(chat: &AuthenticatedClient, conversation_id: &str, state: &State, protocol: Protocol) -> SignalStream {
    let since = state.last_message_id.clone().map(Since::Message);
    chat.listen_conversation(conversation_id, ListenOptions { protocol, since, ..Default::default() })
}

/// The lines of stdin, read on a thread of their own: a read blocked on a
/// terminal must not keep the program from ending (tokio's stdin would hold
/// the runtime's shutdown until the next line).
fn stdin_lines() -> tokio::sync::mpsc::Receiver<String> {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    std::thread::spawn(move || {
        for line in std::io::stdin().lines().map_while(Result::ok) {
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    rx
}

#[tokio::main]
async fn main() {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(args).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), Error> {
    let client = Client::new(args.options)?;
    let mut state = State::load(args.state);
    let chat = connect(&client, &mut state, args.personal).await?;
    let (mut conversation, resumed) = match state.conversation_id.clone() {
        Some(id) => (id, true),
        None => (new_conversation(&chat, &mut state).await?, false),
    };
    state.save();
    let mut screen = Screen {
        me: chat.user().id.clone(),
        tty: std::io::stdout().is_terminal(),
        streams: StreamAssembler::new(),
        drawing: false,
    };
    let how = if resumed { "resumed" } else { "new" };
    screen.line(&format!("{how} conversation {conversation} as {} (/new, /quit)", chat.user().id));
    let mut signals = listen(&chat, &conversation, &state, args.protocol);
    signals.connected().await?;
    let mut lines = stdin_lines();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            _ = &mut ctrl_c => break,
            line = lines.recv() => {
                // End of input: leave.
                let Some(line) = line else { break };
                match line.trim() {
                    "" => {}
                    "/quit" => break,
                    "/new" => {
                        conversation = new_conversation(&chat, &mut state).await?;
                        signals = listen(&chat, &conversation, &state, args.protocol);
                        signals.connected().await?;
                        screen.line(&format!("new conversation {conversation}"));
                    }
                    text => {
                        // Sends run beside the listener: the client is shared by
                        // tasks (its futures are Send).
                        let (chat, input) = (chat.clone(), CreateMessageInput {
                            conversation_id: conversation.clone(),
                            payload: MessagePayload::text(text),
                            metadata: None,
                        });
                        tokio::spawn(async move {
                            if let Err(e) = chat.create_message(&input).await {
                                eprintln!("not sent: {e}");
                            }
                        });
                    }
                }
            }
            signal = signals.next() => match signal {
                Some(Ok(signal)) => {
                    if let Some(id) = screen.show(signal) {
                        state.last_message_id = Some(id);
                        state.save();
                    }
                }
                Some(Err(e)) => return Err(e),
                None => break,
            },
        }
    }
    state.save();
    screen.line("bye");
    Ok(())
}
