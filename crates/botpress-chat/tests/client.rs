//! The Rust client against `chat-server`, natively: the suite of
//! `tests-wasm/tests/client_suite/` (the same tests the wasm harnesses run
//! in Node and in browsers) over the native host, each test with two servers
//! of its own (see `support/servers.rs`).
// Each test or example crate links every dependency of its package; the lint checks the library.
#![allow(unused_crate_dependencies)]
#![cfg(not(target_arch = "wasm32"))]

mod support;

/// What the suite reaches of the platform: the native one, and this suite's servers.
mod platform {
    pub use crate::support::*;

    /// A shared-mode and a manual-mode chat-server, for the calling test.
    pub fn fixtures() -> Fixtures {
        Fixtures::client()
    }
}

#[path = "../../../tests-wasm/tests/client_suite/mod.rs"]
mod suite;
