//! The platform of the shared suites of `tests-wasm/tests/` (the client
//! suite, the realtime scenarios) natively: the crate's client over its
//! native host, tokio's timer and tasks, a `CancellationToken` as the abort
//! signal, `reqwest` for the fault proxy's control API, and servers that
//! each test starts for itself ([`servers`]). The wasm harnesses have the
//! same items over the JS globals (`tests-wasm/tests/support/web.rs`).
// Each harness uses part of it.
#![allow(dead_code)]

pub mod servers;

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The client's crate: natively, its client is over the native host.
pub use botpress_chat as chat;
/// A test that awaits, on a current-thread runtime of its own (the realtime
/// harness, native only, names `tokio::test` itself).
#[allow(unused_imports)]
pub use tokio::test as async_test;

pub use servers::Fixtures;

/// A call's abort signal.
pub type AbortSignal = botpress_chat::native::CancellationToken;

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: u32) {
    tokio::time::sleep(Duration::from_millis(u64::from(ms))).await;
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// A number in [0, 1): std's random hash keys over a counter (ids that
/// differ between tests and runs; nothing here needs more).
pub fn random() -> f64 {
    static DRAWS: AtomicU64 = AtomicU64::new(0);
    let bits = RandomState::new().hash_one(DRAWS.fetch_add(1, Ordering::Relaxed));
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Runs `task` beside the test, on its runtime.
pub fn spawn(task: impl Future<Output = ()> + Send + 'static) {
    tokio::spawn(task);
}

/// A line of the test's log (shown when it fails, or with `--nocapture`).
pub fn log(line: &str) {
    println!("{line}");
}

/// A signal that fires after `ms` milliseconds.
pub fn abort_after(ms: u32) -> AbortSignal {
    let signal = AbortSignal::new();
    let fire = signal.clone();
    tokio::spawn(async move {
        sleep(ms).await;
        fire.cancel();
    });
    signal
}

/// A signal that has fired already.
pub fn aborted() -> AbortSignal {
    let signal = AbortSignal::new();
    signal.cancel();
    signal
}

/// One request (the fault proxy's control API), its answer's text.
pub async fn fetch_text(method: &str, url: &str) -> String {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let res = reqwest::Client::new().request(method, url).send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    res.text().await.unwrap_or_else(|e| panic!("{url}: {e}"))
}
