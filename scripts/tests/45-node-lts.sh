#!/usr/bin/env bash
# The Node test files again, on the current Node.js LTS ($NODE_LTS, installed by
# scripts/setup.sh) instead of the machine's Node 20: the JS facade
# (tests/js/client.test.mjs), the realtime facade with the global WebSocket, no flag
# (tests/js/realtime.test.mjs, fault proxy included), the installed package
# (tests/install/: npm pack, then Node, Deno, Bun, wrangler, Vite and webpack pages)
# and the demo page's markdown renderer (tests/www/). Same servers as stages 36 and 40.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

[ -x "$NODE_LTS" ] || die "no Node.js LTS at $NODE_LTS: scripts/setup.sh installs it (npm package node)"
log "Node.js LTS: $("$NODE_LTS" --version) ($NODE_LTS); default node: $(node --version)"
"$NODE_LTS" -e 'if (typeof WebSocket !== "function") { console.error("no global WebSocket"); process.exit(1) }'

node "$ROOT/scripts/build-pkg.mjs"
[ -x target/debug/chat-server ] || cargo build -p chat-server

# The suites start and stop their own chat-servers and fault proxy.
log "node $("$NODE_LTS" --version) --test tests/js/client.test.mjs tests/js/realtime.test.mjs tests/www/"
"$NODE_LTS" --test tests/js/client.test.mjs tests/js/realtime.test.mjs tests/www/

log "node $("$NODE_LTS" --version) --test tests/install/"
timeout -k 10 600 "$NODE_LTS" --test --test-reporter=spec tests/install/install.test.mjs
