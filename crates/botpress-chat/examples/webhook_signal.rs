//! Decodes a Chat API webhook body (a signal envelope) read from stdin.
//!
//!   echo '{"type":"message_deleted","data":{"id":"m","conversationId":"c","userId":"u"}}' \
//!     | cargo run --example webhook_signal
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]
use std::io::Read;

use botpress_chat::signal::Signal;
use botpress_chat::MessagePayload;

fn describe(signal: &Signal) -> String {
    match signal {
        Signal::MessageCreated(m) => {
            let who = if m.is_bot { "bot" } else { "user" };
            match m.payload.known() {
                Some(_) if m.payload == MessagePayload::text("hello") => {
                    format!("{who} said hello")
                }
                Some(_) => format!("{who} sent a message ({}) in {}", m.payload.kind(), m.conversation_id),
                None => format!("{who} sent a message of a newer kind ({})", m.payload.kind()),
            }
        }
        Signal::MessageDeleted(d) => format!("message {} deleted", d.id),
        Signal::Unknown { kind, .. } => format!("unknown signal {kind}"),
        other => format!("{} signal", other.kind()),
    }
}

fn main() {
    let mut body = String::new();
    std::io::stdin().read_to_string(&mut body).expect("stdin");
    match serde_json::from_str(&body) {
        Ok(value) => println!("{}", describe(&Signal::from_value(value))),
        Err(e) => {
            eprintln!("not JSON: {e}");
            std::process::exit(1);
        }
    }
}
