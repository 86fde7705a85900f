#!/usr/bin/env bash
# npm pack the web build, install it into a scratch project (test-output/install/app),
# use it from Node and from a Vite 7 build loaded in chromium, each against chat-server;
# also load the nodejs (require) and bundler (.wasm ES module imports) builds.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
"$ROOT/scripts/build-pkg.sh" web nodejs bundler
[ -x target/debug/chat-server ] || cargo build -p chat-server
timeout -k 10 240 node --test --test-reporter=spec tests/install/install.test.mjs
