//! `chat-server`: a local implementation of the Botpress Chat API with an
//! echo bot, for tests, demos and benchmarks.

pub mod auth;
pub mod bot;
pub mod config;
pub mod error;
pub mod faults;
pub mod http;
pub mod hub;
pub mod openapi;
pub mod realtime;
pub mod statics;
pub mod store;
pub mod util;
pub mod webhook;

pub use config::Config;

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hub::Hub;
use store::Store;

/// The `settings` row that holds the shared-mode secret of a `--db` database.
pub const SHARED_KEY_SETTING: &str = "shared_key";

/// Server state shared by every request.
pub struct App {
    pub cfg: Config,
    store: Mutex<Store>,
    /// The HS256 secret: the shared key, or the encryption key in manual mode.
    pub secret: Vec<u8>,
    /// Manual ("personal") auth mode.
    pub manual: bool,
    /// Fault injector: flaky calls since the last success, and in total.
    pub flaky_pending: AtomicU64,
    pub flaky_calls: AtomicU64,
}

impl App {
    /// Opens the store and starts the webhook task (needs a Tokio runtime).
    pub fn new(cfg: Config) -> Result<App, String> {
        let webhook = match &cfg.webhook_url {
            Some(url) => Some(webhook::start(url.clone(), cfg.webhook_secret.clone())?),
            None => None,
        };
        let hub = Arc::new(Hub::new(webhook, cfg.listener_buffer));
        let store =
            Store::open(cfg.db.as_deref(), hub, cfg.page_size).map_err(|e| format!("cannot open the database: {e}"))?;
        let (secret, manual) = match (&cfg.encryption_key, &cfg.shared_key) {
            (Some(k), _) => (k.as_bytes().to_vec(), true),
            (None, Some(k)) => (k.as_bytes().to_vec(), false),
            // With --db the secret is made once and kept in the database, so keys
            // issued before a restart stay valid; in memory it lives as long as the data.
            (None, None) if cfg.db.is_some() => {
                let s = store
                    .setting_or_init(SHARED_KEY_SETTING, &util::random_hex(32))
                    .map_err(|e| format!("cannot read the shared key from the database: {e}"))?;
                (s.into_bytes(), false)
            }
            (None, None) => (util::random_hex(32).into_bytes(), false),
        };
        Ok(App {
            cfg,
            store: Mutex::new(store),
            secret,
            manual,
            flaky_pending: AtomicU64::new(0),
            flaky_calls: AtomicU64::new(0),
        })
    }

    /// The store, locked.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The realtime keep-alive period (`None` when disabled).
    pub fn keepalive(&self) -> Option<Duration> {
        (self.cfg.keepalive_secs > 0).then(|| Duration::from_secs(self.cfg.keepalive_secs))
    }
}

/// Resolves `--addr`.
pub fn resolve_addr(addr: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = addr.parse::<SocketAddr>() {
        return Ok(a);
    }
    let addrs: Vec<SocketAddr> = addr.to_socket_addrs().map_err(|e| format!("--addr {addr}: {e}"))?.collect();
    addrs
        .iter()
        .find(|a| a.ip().is_loopback())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| format!("--addr {addr}: no address"))
}

/// Runs the server until the process ends (or `--exit-after` elapses).
/// Prints `listening on http://ADDR` as the first line on stdout.
pub async fn run(cfg: Config) -> Result<(), String> {
    let addr = resolve_addr(&cfg.addr)?;
    if !addr.ip().is_loopback() {
        eprintln!("chat-server: listening on the non-loopback address {addr}, as --addr asked");
    }
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot bind {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    if let Some(secs) = cfg.exit_after {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs_f64(secs.max(0.0))).await;
            eprintln!("chat-server: --exit-after {secs} s elapsed, exiting");
            std::process::exit(0);
        });
    }
    let mode = if cfg.encryption_key.is_some() { "manual keys" } else { "shared key" };
    let app = Arc::new(App::new(cfg)?);
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://{local}");
        let _ = out.flush();
    }
    eprintln!(
        "chat-server: API at http://{local}/{}/ ({mode}, {})",
        app.cfg.webhook_id,
        app.cfg.db.as_ref().map_or("in memory".to_string(), |p| format!("database {}", p.display()))
    );
    axum::serve(listener, http::router(app)).await.map_err(|e| e.to_string())
}
