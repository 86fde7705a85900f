#!/usr/bin/env bash
# The drop-in check (tests/compat/dropin.test.mjs): programs written for @botpress/chat
# run with the official client and with this package against chat-servers the test
# starts and stops itself; same observations required. Then the same programs are
# type-checked with tsc --strict against this package's declarations, and the
# generated files are checked against the Rust definitions (codegen --check). The race
# test (tests/compat/race.test.mjs) compares how often a message sent just before
# listening is caught, this package against the official client.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

log "cargo run -p codegen -- --check"
cargo run -q -p codegen -- --check

node "$ROOT/scripts/build-pkg.mjs"

log "node --test tests/compat/dropin.test.mjs"
node --experimental-websocket --test tests/compat/dropin.test.mjs

log "node --experimental-websocket --test tests/compat/race.test.mjs"
node --experimental-websocket --test tests/compat/race.test.mjs

log "tsc --strict -p tests/compat/tsconfig.json"
tsc -p tests/compat/tsconfig.json
log "the programs type-check against this package's declarations"
