#!/usr/bin/env bash
# Cargo's runner for wasm32-unknown-unknown (.cargo/config.toml): runs one wasm
# test binary with wasm-bindgen-test-runner (in Node, or in headless Chromium
# for crates with `run_in_browser`), after starting the servers that binary's
# suite needs, and stops them when it ends:
#   client_node, client_browser      two chat-servers: shared mode (--page-size 3,
#                                    --test-faults) and manual mode (--encryption-key)
#   realtime_node, realtime_browser  a chat-server (--keepalive-secs 1) and the fault
#                                    proxy in front of it (tests/support/fault-proxy.mjs)
#   anything else                    nothing
# The tests read the URLs at run time (tests-wasm/tests/support/fixtures.rs): Node from
# WASM_TEST_FIXTURES, the browser from target/wasm-fixtures/<crate>.json, which the
# test page's server serves from the working directory (the package root).
# Needs target/debug/chat-server (cargo build -p chat-server) for the suites above.
# Usage (by Cargo): wasm-test-runner.sh FILE.wasm [test arguments...]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

wasm="$1"
name="$(basename "$wasm" .wasm)"
name="${name%-*}"  # client_node-0123abcd -> client_node
tag="${name^^}"    # server names: logs in test-output/CLIENT_NODE_SHARED.log, ...
fixtures=""
case "$name" in
  client_node | client_browser)
    key="client-test-key-$$"
    start_chat_server "${tag}_SHARED" --webhook-id local --page-size 3 --test-faults --bot-delay-ms 10
    start_chat_server "${tag}_MANUAL" --webhook-id local --encryption-key "$key" --test-faults
    shared="${tag}_SHARED_URL" manual="${tag}_MANUAL_URL"
    fixtures="{\"sharedUrl\":\"${!shared}\",\"manualUrl\":\"${!manual}\",\"encryptionKey\":\"$key\"}"
    ;;
  realtime_node | realtime_browser)
    start_chat_server "${tag}" --keepalive-secs 1 --bot-delay-ms 5 --exit-after 600
    api="${tag}_URL"
    start_fault_proxy "${tag}" "${!api}"
    proxy="${tag}_PROXY_URL" control="${tag}_CONTROL_URL"
    fixtures="{\"apiUrl\":\"${!api}/local\",\"proxyUrl\":\"${!proxy}/local\",\"controlUrl\":\"${!control}\"}"
    ;;
esac

if [ -n "$fixtures" ]; then
  export WASM_TEST_FIXTURES="$fixtures"
  file="$PWD/target/wasm-fixtures/$name.json"
  mkdir -p "${file%/*}"
  printf '%s\n' "$fixtures" >"$file"
  on_exit "rm -f '$file'"
fi

# WASM_TEST_BROWSER=firefox: the browser suites in Firefox (geckodriver) instead of Chromium.
if [ "${WASM_TEST_BROWSER:-chromium}" = firefox ]; then
  unset CHROMEDRIVER
  export GECKODRIVER="${GECKODRIVER:-$(command -v geckodriver)}"
fi

# A browser test may run for a minute without output (the exactly-once sends through the
# fault proxy); the runner's default gives up after 20 s of silence.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}"

# Node 20 has a global WebSocket only behind a flag (Node 22+ always has one).
if [ "$(node -p 'typeof WebSocket')" = undefined ]; then
  export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--experimental-websocket"
fi

wasm-bindgen-test-runner "$@"
