#!/usr/bin/env bash
# Server under load: server/examples/load.rs starts its own chat-server, opens
# 1,000 SSE listeners on one conversation (LOAD_LISTENERS), sends messages and a
# burst, and checks that every listener got every signal in the stored order.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

LISTENERS="${LOAD_LISTENERS:-1000}"
want=$((LISTENERS * 2 + 512))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want" ]; then
  ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
fi
log "open files limit: $(ulimit -n)"
cargo build -q -p chat-server --example load
[ -x target/debug/chat-server ] || cargo build -q -p chat-server
timeout -k 10 300 target/debug/examples/load --server target/debug/chat-server --listeners "$LISTENERS" \
  --messages "${LOAD_MESSAGES:-5}" --burst "${LOAD_BURST:-200}" --timeout 240
