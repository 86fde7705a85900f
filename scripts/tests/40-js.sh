#!/usr/bin/env bash
# The JS facade: builds the package, runs node --test on tests/js/client.test.mjs (it starts and stops its own
# chat-servers), then type-checks the package's JS sources (tsc --checkJs, src/js/tsconfig.json)
# and the consumer file tests/js/consumer.ts with tsc --strict --noEmit.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

node "$ROOT/scripts/build-pkg.mjs"

log "node --test tests/js/client.test.mjs"
node --test tests/js/client.test.mjs

log "tsc -p src/js/tsconfig.json (the package's own JS: entries, host.js, errors, pages)"
tsc -p src/js/tsconfig.json

log "tsc --strict --noEmit -p tests/js/tsconfig.json"
tsc --strict --noEmit -p tests/js/tsconfig.json
log "TypeScript consumer OK"
