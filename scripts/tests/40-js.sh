#!/usr/bin/env bash
# The JS facade: builds the packages (web for the TypeScript check, nodejs for the
# tests), runs node --test on tests/js/client.test.mjs against chat-server, then type-checks the
# consumer file tests/js/consumer.ts with tsc --strict --noEmit.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

"$ROOT/scripts/build-pkg.sh" web nodejs

CLIENT_ENCRYPTION_KEY="client-js-key-$$"
start_chat_server SHARED --webhook-id local --page-size 3 --test-faults --bot-delay-ms 10
start_chat_server MANUAL --webhook-id local --encryption-key "$CLIENT_ENCRYPTION_KEY" --test-faults
export CLIENT_SHARED_URL="$SHARED_URL" CLIENT_MANUAL_URL="$MANUAL_URL" CLIENT_ENCRYPTION_KEY

log "node --test tests/js/client.test.mjs"
node --test tests/js/client.test.mjs

log "tsc --strict --noEmit -p tests/js/tsconfig.json"
tsc --strict --noEmit -p tests/js/tsconfig.json
log "TypeScript consumer OK"
