#!/usr/bin/env bash
# The npm package from its tarball in every host (tests/install/install.test.mjs): npm pack,
# npm install into a fresh project, then one program written for @botpress/chat, with only
# its import changed, in Node (ESM, CommonJS), Deno, Bun, workerd through wrangler dev, and
# Vite and webpack builds in Chromium, Firefox and WebKit; the official client through the same Node, Deno and
# Bun cases; the program's TypeScript twin through tsc --strict against the installed types.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
node "$ROOT/scripts/build-pkg.mjs"
[ -x target/debug/chat-server ] || cargo build -p chat-server
timeout -k 10 600 node --test --test-reporter=spec tests/install/install.test.mjs
