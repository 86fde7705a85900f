#!/usr/bin/env bash
# Realtime listening in Node ('sse', 'websocket') and headless Chromium ('sse',
# 'eventsource', 'websocket') against chat-server, directly and through the
# fault-injecting proxy (tests/support/fault-proxy.mjs): every signal kind,
# refusals, 20+ random cuts while 1,000 messages arrive (exactly once, in
# order), and a silent connection caught by the watchdog.
# The server and proxy URLs reach the wasm tests at compile time.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

start_chat_server RT --keepalive-secs 1 --bot-delay-ms 5 --exit-after 600

start_fault_proxy RT "$RT_URL"

export REALTIME_API_URL="$RT_URL/local"
export REALTIME_PROXY_URL="$RT_PROXY_URL/local"
export REALTIME_CONTROL_URL="$RT_CONTROL_URL"

log "wasm-pack test --node (realtime_node)"
[ "${RT_SKIP_NODE:-}" = 1 ] || NODE_OPTIONS="--experimental-websocket" wasm-pack test --node -- --test realtime_node ${RT_TEST_ARGS:-}

[ "${RT_SKIP_BROWSER:-}" = 1 ] && exit 0
log "wasm-pack test --headless --chrome (realtime_browser)"
wasm-pack test --headless --chrome -- --test realtime_browser ${RT_TEST_ARGS:-}
