#!/usr/bin/env bash
# Realtime listening in Node ('sse', 'websocket') and headless Chromium and Firefox ('sse',
# 'eventsource', 'websocket') against chat-server, directly and through the
# fault-injecting proxy (tests/support/fault-proxy.mjs): every signal kind,
# refusals, 20+ random cuts while 1,000 messages arrive (exactly once, in
# order), a silent connection caught by the watchdog, and 500 exactly-once sends
# while the proxy makes 35 % of them fail ambiguously (Node, Chromium, Firefox).
# Each binary runs through scripts/wasm-test-runner.sh, which starts and stops
# its chat-server and proxy. RT_TEST_ARGS (e.g. a test name) reaches the test
# binaries; RT_SKIP_NODE=1 / RT_SKIP_BROWSER=1 / RT_SKIP_FIREFOX=1 leave a host out.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

tests=()
[ "${RT_SKIP_NODE:-}" = 1 ] || tests+=(--test realtime_node)
[ "${RT_SKIP_BROWSER:-}" = 1 ] || tests+=(--test realtime_browser)
[ "${#tests[@]}" -gt 0 ] || exit 0
# shellcheck disable=SC2086 # RT_TEST_ARGS is a list of words
cargo test -p botpress-chat-wasm-tests --target wasm32-unknown-unknown "${tests[@]}" -- ${RT_TEST_ARGS:-}

# The browser suite again in Firefox. RT_SKIP_FIREFOX=1 leaves it out.
if [ "${RT_SKIP_BROWSER:-}" != 1 ] && [ "${RT_SKIP_FIREFOX:-}" != 1 ]; then
  log "the realtime browser suite again, in Firefox"
  # shellcheck disable=SC2086 # RT_TEST_ARGS is a list of words
  WASM_TEST_BROWSER=firefox cargo test -p botpress-chat-wasm-tests --target wasm32-unknown-unknown --test realtime_browser \
    -- ${RT_TEST_ARGS:-}
fi
