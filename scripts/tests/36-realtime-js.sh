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

proxy_log="$OUT/realtime-js-proxy.log"
: >"$proxy_log"
node tests/support/fault-proxy.mjs --target "${RTJS_URL#http://}" --exit-after 600 >"$proxy_log" 2>&1 &
register_pid $!
for _ in $(seq 1 100); do
  grep -q '^PROXY ' "$proxy_log" && break
  sleep 0.05
done
read -r _ REALTIME_JS_PROXY_URL REALTIME_JS_CONTROL_URL < <(grep '^PROXY ' "$proxy_log")
[ -n "${REALTIME_JS_CONTROL_URL:-}" ] || die "fault proxy did not start: $(cat "$proxy_log")"
export REALTIME_JS_PROXY_URL REALTIME_JS_CONTROL_URL
log "node --test tests/js/realtime.test.mjs"
node --experimental-websocket --test tests/js/realtime.test.mjs

log "tsc --strict --noEmit -p tests/support/tsconfig.realtime.json"
tsc -p tests/support/tsconfig.realtime.json
