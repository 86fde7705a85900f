//! The echo bot (PROTOCOL.md §10 plus the local `stream N` and `burst N` commands).

use botpress_chat::model::{BlocItem, ImagePayload, JsonObject, KnownPayload, MarkdownPayload, TextPayload};
use botpress_chat::MessagePayload;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

use crate::app::App;
use crate::store::BotJob;
use crate::util::new_id;

/// Largest `stream N`.
pub const MAX_STREAM: u64 = 1000;
/// Largest `burst N`.
pub const MAX_BURST: u64 = 100_000;
/// Burst messages stored per transaction.
const BURST_BATCH: u64 = 256;

/// The image of the bloc reply: a small inline SVG, so it renders offline.
pub const BLOC_IMAGE: &str = "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='120' height='60'><rect width='120' height='60' rx='8' fill='%233b82f6'/><text x='60' y='36' font-size='18' text-anchor='middle' fill='white'>bloc</text></svg>";

#[derive(Debug, PartialEq)]
enum Command {
    Metadata,
    Bloc,
    Stream(u64),
    Burst(u64),
}

fn command(text: &str) -> Option<Command> {
    let mut words = text.split_whitespace();
    let first = words.next()?.to_ascii_lowercase();
    let n = words.next().map(str::parse::<u64>);
    if words.next().is_some() {
        return None;
    }
    match (first.as_str(), n) {
        ("metadata", None) => Some(Command::Metadata),
        ("bloc", None) => Some(Command::Bloc),
        ("stream", Some(Ok(n))) if (1..=MAX_STREAM).contains(&n) => Some(Command::Stream(n)),
        ("burst", Some(Ok(n))) if (1..=MAX_BURST).contains(&n) => Some(Command::Burst(n)),
        _ => None,
    }
}

/// The concatenation of a `stream N` reply's deltas.
pub fn stream_delta(i: u64) -> String {
    if i == 0 {
        "1".to_string()
    } else {
        format!(" {}", i + 1)
    }
}

/// Runs the echo bot's answer to `job` in the background, after the configured delay.
pub fn spawn(app: Arc<App>, job: BotJob) {
    tokio::spawn(async move {
        let delay = app.cfg.bot_delay_ms;
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        run(app, job).await;
    });
}

async fn run(app: Arc<App>, job: BotJob) {
    match job {
        BotJob::Event { conv, payload } => {
            let st = app.store();
            if let Ok(Some(canon)) = st.bot_conversation(&conv) {
                st.bot_event(&conv, &canon, payload);
            }
        }
        BotJob::Reply { conv, payload, metadata } => {
            let text = match payload.known() {
                Some(KnownPayload::Text(TextPayload { text })) => Some(text.as_str()),
                _ => None,
            };
            let (reply, meta) = match text.and_then(command) {
                Some(Command::Stream(n)) => return stream(app, conv, n).await,
                Some(Command::Burst(n)) => return burst(app, conv, n).await,
                Some(Command::Metadata) => (payload.clone(), metadata),
                Some(Command::Bloc) => (bloc(), None),
                None => match text {
                    Some(t) => (MessagePayload::text(t), None),
                    None => (MessagePayload::text(format!("Received a {} message", payload.kind())), None),
                },
            };
            send(&app, &conv, reply, meta);
        }
    }
}

fn bloc() -> MessagePayload {
    KnownPayload::Bloc {
        items: vec![
            BlocItem::Text(TextPayload { text: "Here is a bloc of three items:".into() }),
            BlocItem::Image(ImagePayload { image_url: BLOC_IMAGE.into() }),
            BlocItem::Markdown(MarkdownPayload { markdown: "**bold**, _italic_ and `code`".into() }),
        ],
    }
    .into()
}

fn send(app: &App, conv: &str, payload: MessagePayload, metadata: Option<JsonObject>) -> bool {
    let mut st = app.store();
    match st.bot_conversation(conv) {
        Ok(Some(canon)) => {
            if let Err(e) = st.bot_message(conv, &canon, payload, metadata) {
                eprintln!("chat-server: bot reply failed: {}", e.message);
                return false;
            }
            true
        }
        _ => false,
    }
}

async fn stream(app: Arc<App>, conv: String, n: u64) {
    let stream_id = new_id("stream");
    let pause = match app.cfg.bot_delay_ms {
        0 => 0,
        d => d.min(1000 / n),
    };
    let mut text = String::new();
    for i in 0..n {
        let delta = stream_delta(i);
        text.push_str(&delta);
        {
            let st = app.store();
            match st.bot_conversation(&conv) {
                Ok(Some(canon)) => st.bot_delta(&conv, &canon, &stream_id, i, delta),
                _ => return,
            }
        }
        if pause > 0 {
            tokio::time::sleep(Duration::from_millis(pause)).await;
        } else {
            tokio::task::yield_now().await;
        }
    }
    let mut meta = JsonObject::new();
    meta.insert("streamId".into(), Value::String(stream_id));
    send(&app, &conv, MessagePayload::text(text), Some(meta));
}

async fn burst(app: Arc<App>, conv: String, n: u64) {
    let mut i = 1;
    while i <= n {
        let end = (i + BURST_BATCH - 1).min(n);
        {
            let mut st = app.store();
            let canon = match st.bot_conversation(&conv) {
                Ok(Some(c)) => c,
                _ => return,
            };
            if st.begin().is_err() {
                return;
            }
            for k in i..=end {
                if let Err(e) = st.bot_message(&conv, &canon, MessagePayload::text(format!("burst {k}/{n}")), None) {
                    eprintln!("chat-server: burst failed: {}", e.message);
                    let _ = st.commit();
                    return;
                }
            }
            if let Err(e) = st.commit() {
                eprintln!("chat-server: burst commit failed: {e}");
                return;
            }
        }
        i = end + 1;
        tokio::task::yield_now().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        assert_eq!(command("stream 5"), Some(Command::Stream(5)));
        assert_eq!(command(" Burst 100000 "), Some(Command::Burst(100_000)));
        assert_eq!(command("burst 100001"), None);
        assert_eq!(command("stream 0"), None);
        assert_eq!(command("stream"), None);
        assert_eq!(command("bloc"), Some(Command::Bloc));
        assert_eq!(command("metadata"), Some(Command::Metadata));
        assert_eq!(command("hello there"), None);
        let s: String = (0..4).map(stream_delta).collect();
        assert_eq!(s, "1 2 3 4");
    }
}
