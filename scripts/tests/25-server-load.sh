#!/usr/bin/env bash
# Load: 1,000 concurrent SSE listeners on one conversation of a local chat-server;
# every signal (messages, echoes and a burst) must reach every listener in order.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
LISTENERS="${LOAD_LISTENERS:-1000}"
# Each listener holds one socket in this process and one in the server.
want=$((LISTENERS * 2 + 512))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want" ]; then
  ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
fi
log "open files limit: $(ulimit -n)"
cargo build -q -p chat-server --example load
[ -x target/debug/chat-server ] || cargo build -q -p chat-server
start_chat_server LOAD --bot-delay-ms 0 --exit-after 600
timeout -k 10 300 target/debug/examples/load --url "$LOAD_URL/local" --listeners "$LISTENERS" \
  --messages "${LOAD_MESSAGES:-5}" --burst "${LOAD_BURST:-200}" --timeout 240
stop_pid "$LOAD_PID"
