#!/usr/bin/env bash
# The JS realtime facade (SignalListener, decodeSignal) of the built Node package
# against chat-server, with node --test; the suite starts and stops its own chat-server
# (no keep-alives, so short timeoutMs values trip the watchdog on idle connections) and
# the fault proxy (tests/support/fault-proxy.mjs) in front of it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

node "$ROOT/scripts/build-pkg.mjs"
log "node --test tests/js/realtime.test.mjs"
node --experimental-websocket --test tests/js/realtime.test.mjs

log "tsc --strict --noEmit -p tests/support/tsconfig.realtime.json"
tsc -p tests/support/tsconfig.realtime.json
