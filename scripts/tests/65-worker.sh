#!/usr/bin/env bash
# The edge-worker example in workerd (session signing, webhook, ask) against chat-server
# in manual-auth mode.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
node "$ROOT/scripts/build-pkg.mjs"
[ -x target/debug/chat-server ] || cargo build -p chat-server
timeout -k 10 180 node --test --test-reporter=spec examples/worker/test.mjs
