//! `chat-server`: a local implementation of the Botpress Chat API with an
//! echo bot, for tests, demos and benchmarks.
//!
//! Modules, each using only modules listed before it (`tests/modules.rs`
//! checks it): `util`, `error`, `auth`, `hub`, `config`, `webhook`,
//! `responses`, `store` (SQLite and the operations, one file per resource),
//! `app` (the shared state), `bot`, `extract` (a request into the shared input
//! type of its operation), `openapi`, `realtime`, `faults`, `statics`, and
//! `routes` (the axum `Router`).
// Unit tests also link the integration tests' dev-dependencies.
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub mod app;
pub mod auth;
pub mod bot;
pub mod config;
pub mod error;
pub mod extract;
pub mod faults;
pub mod hub;
pub mod openapi;
pub mod realtime;
pub mod responses;
pub mod routes;
pub mod statics;
pub mod store;
pub mod util;
pub mod webhook;

pub use app::App;
pub use config::Config;

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

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
    axum::serve(listener, routes::router(app)).await.map_err(|e| e.to_string())
}
