#!/usr/bin/env bash
# The package crate's own wasm tests with `wasm-pack test`, as its users run them: in
# Node, and in headless Chromium and Firefox (tests/heap_wasm.rs: the crate's global
# allocator, src/heap.rs, under random allocations, frees and reallocations with checked
# contents; and the library's unit tests). Then the Rust client (wasm) against
# chat-server, in Node and in headless Chromium and Firefox: tests-wasm/tests/client_node.rs
# and client_browser.rs (both run tests-wasm/tests/client_suite/). Each of those binaries
# runs through scripts/wasm-test-runner.sh (Cargo's runner for the wasm target), which
# starts and stops the servers its suite needs.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

log "wasm-pack test --node"
wasm-pack test --node
log "wasm-pack test --headless --chrome --firefox"
wasm-pack test --headless --chrome --firefox

cargo test -p botpress-chat-wasm-tests --target wasm32-unknown-unknown --test client_node --test client_browser
log "the client suite again, in Firefox"
WASM_TEST_BROWSER=firefox cargo test -p botpress-chat-wasm-tests --target wasm32-unknown-unknown --test client_browser
