//! The platform of the shared suites (`client_suite/`, `support/realtime.rs`)
//! on wasm, in Node and in browsers: the client over `WebHost`, the JS timer,
//! clock and dice, `AbortSignal`s, `fetch` for the fault proxy's control API,
//! and the servers `scripts/wasm-test-runner.sh` started for the test binary.
//! The native suites have the same items over tokio
//! (`crates/botpress-chat/tests/support/`).
// Each harness uses part of it.
#![allow(dead_code)]

use std::future::Future;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The client's crate: the core's modules, the client over `WebHost`.
pub use botpress_chat_wasm as chat;
/// A test that awaits (the realtime harnesses name `wasm_bindgen_test`
/// themselves).
#[allow(unused_imports)]
pub use wasm_bindgen_test::wasm_bindgen_test as async_test;

#[path = "fixtures.rs"]
mod fixtures;

/// A call's abort signal.
pub type AbortSignal = web_sys::AbortSignal;

/// The servers of the test binary, by fixture name (`sharedUrl`, `apiUrl`,
/// …). The runner stops them when the binary ends.
pub struct Fixtures;

impl Fixtures {
    /// The fixture `key` (a URL, a key); panics if the runner set none.
    pub fn get(&self, key: &str) -> &'static str {
        fixtures::fixture(key)
    }
}

/// The servers a test talks to: on wasm, those of the whole binary.
pub fn fixtures() -> Fixtures {
    Fixtures
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(f: &js_sys::Function, ms: u32) -> JsValue;
    #[wasm_bindgen(js_namespace = console, js_name = log)]
    fn console_log(s: &str);
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_init(url: &str, init: &JsValue) -> Promise;
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: u32) {
    let p = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    let _ = JsFuture::from(p).await;
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A number in [0, 1).
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// Runs `task` beside the test.
pub fn spawn(task: impl Future<Output = ()> + 'static) {
    wasm_bindgen_futures::spawn_local(task);
}

/// A line of the test's log.
pub fn log(line: &str) {
    console_log(line);
}

/// A signal that fires after `ms` milliseconds.
pub fn abort_after(ms: u32) -> AbortSignal {
    web_sys::AbortSignal::timeout_with_u32(ms)
}

/// A signal that has fired already.
pub fn aborted() -> AbortSignal {
    let ctrl = web_sys::AbortController::new().expect("AbortController");
    ctrl.abort();
    ctrl.signal()
}

/// One request (the fault proxy's control API), its answer's text.
pub async fn fetch_text(method: &str, url: &str) -> String {
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"method".into(), &method.into()).expect("init");
    let resp: web_sys::Response = JsFuture::from(fetch_with_init(url, &init)).await.expect("fetch").into();
    JsFuture::from(resp.text().expect("text")).await.expect("body").as_string().unwrap_or_default()
}
