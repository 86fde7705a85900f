#!/usr/bin/env bash
# The JS realtime facade (SignalListener, decodeSignal) of the built Node package
# against chat-server, with node --test. The server sends no keep-alives, so short
# timeoutMs values trip the watchdog on idle connections. The fault test goes through
# tests/support/fault-proxy.mjs.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

"$ROOT/scripts/build-pkg.sh" nodejs
start_chat_server RTJS --keepalive-secs 0 --bot-delay-ms 5 --exit-after 600
export REALTIME_JS_URL="$RTJS_URL"

start_fault_proxy RTJS "$RTJS_URL"
export REALTIME_JS_PROXY_URL="$RTJS_PROXY_URL" REALTIME_JS_CONTROL_URL="$RTJS_CONTROL_URL"
log "node --test tests/js/realtime.test.mjs"
node --experimental-websocket --test tests/js/realtime.test.mjs

log "tsc --strict --noEmit -p tests/support/tsconfig.realtime.json"
tsc -p tests/support/tsconfig.realtime.json
