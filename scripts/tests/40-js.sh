#!/usr/bin/env bash
# The JS facade: builds the packages (web for the TypeScript check, nodejs for the
# tests), runs node --test on tests/js/client.test.mjs (it starts and stops its own
# chat-servers), then type-checks the consumer file tests/js/consumer.ts with tsc --strict --noEmit.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

node "$ROOT/scripts/build-pkg.mjs"

log "node --test tests/js/client.test.mjs"
node --test tests/js/client.test.mjs

log "tsc --strict --noEmit -p tests/js/tsconfig.json"
tsc --strict --noEmit -p tests/js/tsconfig.json
log "TypeScript consumer OK"
