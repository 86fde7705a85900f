//! A service that receives the Chat integration's webhook and answers
//! through the API: an assistant that joins a conversation when someone
//! writes `@assistant …` in it, and answers there.
//!
//! ```text
//! cargo run -p botpress-chat --example webhook -- \
//!     --api-url http://127.0.0.1:8080/local --encryption-key KEY --secret SECRET --addr 127.0.0.1:3000
//! ```
//!
//! Point the integration's webhook URL at this service (with `chat-server`:
//! `--encryption-key KEY --webhook-url http://127.0.0.1:3000/ --webhook-secret SECRET`).
//! Every signal of every conversation arrives as a `POST`; calls without the
//! secret in `x-secret-key` are refused (401), bodies that are not a signal
//! envelope too (400). The integration runs in personal mode: holding its
//! encryption key, the service signs a key for any user, so it acts as the
//! conversation's owner to add the assistant, then as the assistant to answer.
//! The first line it prints is `listening on http://…`.

// The dependencies of the library and of the other examples and tests.
#![allow(unused_crate_dependencies)]

use std::sync::Arc;

use tokio::sync::OnceCell;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use botpress_chat::api::{AddParticipantInput, CreateMessageInput};
use botpress_chat::client::{Auth, AuthenticatedClient, Client, ClientOptions};
use botpress_chat::model::KnownPayload;
use botpress_chat::signal::{MessageCreated, Signal};
use botpress_chat::{Error, MessagePayload};

/// The assistant's user id.
const ASSISTANT: &str = "assistant";
/// What a message starts with to call the assistant.
const MENTION: &str = "@assistant";

struct Service {
    client: Client,
    encryption_key: String,
    secret: String,
    /// The assistant, connected at its first answer.
    assistant: OnceCell<AuthenticatedClient>,
}

impl Service {
    /// The client acting as `user_id` (a key signed with the encryption key).
    async fn act_as(&self, user_id: &str) -> Result<AuthenticatedClient, Error> {
        let auth = Auth::EncryptionKey { encryption_key: self.encryption_key.clone(), user_id: user_id.to_string() };
        self.client.connect(auth).await
    }

    /// Answers a mention: the author (the conversation's owner, in this
    /// example) adds the assistant, which then answers.
    async fn answer(&self, m: &MessageCreated, question: &str) -> Result<(), Error> {
        // A user must exist to be added: the assistant's first connect creates it.
        let assistant = self.assistant.get_or_try_init(|| self.act_as(ASSISTANT)).await?;
        let owner = self.act_as(&m.user_id).await?;
        let join = AddParticipantInput { conversation_id: m.conversation_id.clone(), user_id: ASSISTANT.into() };
        owner.add_participant(&join).await?;
        let reply = match question.trim() {
            "" => "How can I help?".to_string(),
            q => format!("You asked: {q}"),
        };
        let input = CreateMessageInput {
            conversation_id: m.conversation_id.clone(),
            payload: MessagePayload::text(reply),
            metadata: None,
        };
        assistant.create_message(&input).await?;
        Ok(())
    }
}

/// `POST /`: one signal.
async fn receive(State(service): State<Arc<Service>>, headers: HeaderMap, body: String) -> StatusCode {
    let secret = headers.get("x-secret-key").and_then(|v| v.to_str().ok());
    if secret != Some(service.secret.as_str()) {
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(envelope) = serde_json::from_str(&body) else { return StatusCode::BAD_REQUEST };
    if Signal::check_envelope(&envelope).is_err() {
        return StatusCode::BAD_REQUEST;
    }
    if let Signal::MessageCreated(m) = Signal::from_value(envelope) {
        let text = match m.payload.known() {
            Some(KnownPayload::Text(t)) => Some(t.text.as_str()),
            _ => None,
        };
        let question = text.and_then(|t| t.strip_prefix(MENTION)).map(str::to_string);
        // Neither the bot's messages nor the assistant's own call it.
        if let (Some(question), false, true) = (question, m.is_bot, m.user_id != ASSISTANT) {
            // The webhook's sender does not wait for the answer.
            tokio::spawn(async move {
                if let Err(e) = service.answer(&m, &question).await {
                    eprintln!("could not answer in {}: {e}", m.conversation_id);
                }
            });
        }
    }
    StatusCode::OK
}

struct Args {
    api_url: String,
    encryption_key: String,
    secret: String,
    addr: String,
}

fn args() -> Result<Args, String> {
    let (mut api_url, mut encryption_key, mut secret) = (None, None, None);
    let mut addr = "127.0.0.1:3000".to_string();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--api-url" => api_url = Some(value),
            "--encryption-key" => encryption_key = Some(value),
            "--secret" => secret = Some(value),
            "--addr" => addr = value,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(Args {
        api_url: api_url.ok_or("--api-url is required")?,
        encryption_key: encryption_key.ok_or("--encryption-key is required")?,
        secret: secret.ok_or("--secret is required")?,
        addr,
    })
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

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::new(ClientOptions::new(args.api_url))?;
    let (encryption_key, secret, assistant) = (args.encryption_key, args.secret, OnceCell::new());
    let service = Arc::new(Service { client, encryption_key, secret, assistant });
    let app = Router::new().route("/", post(receive)).with_state(service);
    let listener = tokio::net::TcpListener::bind(&args.addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).with_graceful_shutdown(async { tokio::signal::ctrl_c().await.unwrap_or(()) }).await?;
    Ok(())
}
