//! Command line.

use clap::Parser;
use std::path::PathBuf;

/// Local Botpress Chat API server with an echo bot.
#[derive(Parser, Debug, Clone)]
#[command(name = "chat-server", version, about, args_override_self = true)]
pub struct Config {
    /// Listen address; port 0 picks a free port. Only a loopback address is
    /// used unless another one is given here explicitly.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// The API is served under /{webhook-id}/…
    #[arg(long, default_value = "local")]
    pub webhook_id: String,
    /// Manual ("personal") auth mode: keys are HS256 JWTs signed by the caller
    /// with this key, and createUser is refused.
    #[arg(long)]
    pub encryption_key: Option<String>,
    /// Shared-mode signing secret. When absent: made once and kept in the --db
    /// database, or random per start in memory.
    #[arg(long)]
    pub shared_key: Option<String>,
    /// POST every signal as JSON to this http:// URL.
    #[arg(long)]
    pub webhook_url: Option<String>,
    /// Sent as the x-secret-key header of webhook calls.
    #[arg(long)]
    pub webhook_secret: Option<String>,
    /// Seconds of idleness before a realtime keep-alive frame (0 disables).
    #[arg(long, default_value_t = 30)]
    pub keepalive_secs: u64,
    /// Items per page of list operations.
    #[arg(long, default_value_t = 20)]
    pub page_size: usize,
    /// Serve files from DIR at / (repeatable; earlier directories win).
    #[arg(long = "static", value_name = "DIR")]
    pub static_dirs: Vec<PathBuf>,
    /// Persist to this SQLite file (in memory when absent).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Exit by itself after this many seconds.
    #[arg(long, value_name = "SECS")]
    pub exit_after: Option<f64>,
    /// Delay before the echo bot replies, in milliseconds.
    #[arg(long, default_value_t = 50)]
    pub bot_delay_ms: u64,
    /// Mount the fault injector at /_fault/{case}/… (for client tests).
    #[arg(long)]
    pub test_faults: bool,
    /// End every SSE stream after this many seconds (for request fuzzers,
    /// which read answers to their end).
    #[arg(long, value_name = "SECS", hide = true)]
    pub stream_max_secs: Option<f64>,
    /// Signals a listener may fall behind before it is disconnected.
    #[arg(long, default_value_t = crate::hub::CONVERSATION_CAPACITY, hide = true)]
    pub listener_buffer: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config::parse_from(["chat-server"])
    }
}
