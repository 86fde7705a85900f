//! Nothing but the suites of `tests/` (see `Cargo.toml`): the Rust client
//! (`tests/client_suite/`) and its listener (`tests/support/realtime.rs`)
//! against `chat-server`, in Node and in headless browsers.
