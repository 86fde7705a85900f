#!/usr/bin/env bash
# The demo page end to end: chat-server serves www/ and pkg/, Playwright drives chromium.
# Screenshots: test-output/e2e/*.png
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
node "$ROOT/scripts/build-pkg.mjs"
[ -x target/debug/chat-server ] || cargo build -p chat-server
timeout -k 10 240 node --test --test-reporter=spec tests/e2e/chat-page.test.mjs
