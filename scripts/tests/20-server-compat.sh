#!/usr/bin/env bash
# The official @botpress/chat client against chat-server (shared-key and manual modes).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
export CHAT_SERVER="${CHAT_SERVER:-$ROOT/target/debug/chat-server}"
[ -x "$CHAT_SERVER" ] || cargo build -q -p chat-server
[ -d node_modules/@botpress/chat ] || die "node_modules/@botpress/chat is missing (run scripts/setup.sh)"
node --test tests/compat/compat.test.mjs
