//! The server state every request shares.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::config::Config;
use crate::hub::Hub;
use crate::store::Store;
use crate::util;

/// The `settings` row that holds the shared-mode secret of a `--db` database.
pub const SHARED_KEY_SETTING: &str = "shared_key";

/// Server state shared by every request.
pub struct App {
    /// The options the server was started with.
    pub cfg: Config,
    store: Mutex<Store>,
    /// The HS256 secret: the shared key, or the encryption key in manual mode.
    pub secret: Vec<u8>,
    /// Manual ("personal") auth mode.
    pub manual: bool,
    /// Fault injector: flaky calls since the last success, and in total.
    pub flaky_pending: AtomicU64,
    /// Fault injector: flaky calls made in total.
    pub flaky_calls: AtomicU64,
}

impl App {
    /// Opens the store and starts the webhook task (needs a Tokio runtime).
    pub fn new(cfg: Config) -> Result<App, String> {
        let webhook = match &cfg.webhook_url {
            Some(url) => Some(crate::webhook::start(url.clone(), cfg.webhook_secret.clone())?),
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
