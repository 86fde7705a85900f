#!/usr/bin/env bash
# The Rust client (wasm) against chat-server, in Node and in headless Chromium:
# tests/client_node.rs and tests/client_browser.rs (both run tests/client_suite/).
# Servers: shared mode with --page-size 3 and the fault injector; manual mode with
# an encryption key. Their URLs reach the tests at compile time.
# First, in Node, tests/heap_wasm.rs: the crate's global allocator (src/heap.rs)
# under random allocations, frees and reallocations with checked contents.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

log "wasm-pack test --node (heap_wasm)"
wasm-pack test --mode no-install --node -- --test heap_wasm

CLIENT_ENCRYPTION_KEY="client-test-key-$$"
start_chat_server SHARED --webhook-id local --page-size 3 --test-faults --bot-delay-ms 10
start_chat_server MANUAL --webhook-id local --encryption-key "$CLIENT_ENCRYPTION_KEY" --test-faults
export CLIENT_SHARED_URL="$SHARED_URL" CLIENT_MANUAL_URL="$MANUAL_URL" CLIENT_ENCRYPTION_KEY

log "wasm-pack test --node (client_node)"
wasm-pack test --mode no-install --node -- --test client_node

log "wasm-pack test --headless --chrome (client_browser)"
wasm-pack test --mode no-install --headless --chrome --chromedriver "$CHROMEDRIVER" -- --test client_browser
