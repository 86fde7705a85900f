#!/usr/bin/env bash
# Runs the demo: a local Chat API server that also serves the demo page (www/) and
# the package (pkg/), whose browser entry the page imports.
#   ./scripts/demo.sh                 http://127.0.0.1:8080/
#   PORT=9000 ./scripts/demo.sh       another port
#   ./scripts/demo.sh ARGS...         extra chat-server arguments
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

PORT="${PORT:-8080}"

"$ROOT/scripts/setup.sh"
node "$ROOT/scripts/build-pkg.mjs"
log "cargo build -p chat-server"
cargo build -p chat-server

echo
echo "  Demo page: http://127.0.0.1:$PORT/"
echo "  Stop with Ctrl-C."
echo
trap - EXIT INT TERM
exec "$ROOT/target/debug/chat-server" --addr "127.0.0.1:$PORT" --webhook-id local \
  --static www --static pkg "$@"
