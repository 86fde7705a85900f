#!/usr/bin/env bash
# The Rust client (wasm) against chat-server, in Node and in headless Chromium:
# tests/client_node.rs and tests/client_browser.rs (both run tests/client_suite/),
# after tests/heap_wasm.rs (the crate's global allocator, src/heap.rs, under random
# allocations, frees and reallocations with checked contents).
# Each binary runs through scripts/wasm-test-runner.sh (Cargo's runner for the wasm
# target), which starts and stops the servers its suite needs.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

cargo test --target wasm32-unknown-unknown --test heap_wasm --test client_node --test client_browser
