#!/usr/bin/env bash
# The benchmark command: ours vs @botpress/chat vs raw fetch, in headless Chromium,
# Node and workerd, against one local chat-server (release build).
#   ./scripts/bench.sh            full run (>= 5 runs per case), writes BENCHMARKS.md
#                                 and bench/results.json
#   ./scripts/bench.sh --quick    one short run per case, writes target/bench-quick.json
# Other options go to bench/run.mjs (--runs N, --envs chromium,node,workerd,native,native-mt,
# --cases size,cold,create,throughput,memory, --json FILE, --md FILE).
# Env: CHAT_SERVER=path skips the release build of chat-server and uses that binary.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

[ -d node_modules/playwright-core ] && [ -d node_modules/@botpress/chat ] \
  || die "node_modules missing: run scripts/setup.sh"
node "$ROOT/scripts/build-pkg.mjs"
if [ -z "${CHAT_SERVER:-}" ]; then
  log "cargo build --release -p chat-server"
  cargo build --release -q -p chat-server
  export CHAT_SERVER="$ROOT/target/release/chat-server"
fi
log "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
node bench/run.mjs "$@"
