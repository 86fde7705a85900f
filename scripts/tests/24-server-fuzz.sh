#!/usr/bin/env bash
# Fuzz: Schemathesis (installed by setup.sh in .venv-fuzz/) generates positive and
# negative requests for every operation of chat-server's own /openapi.json, with a
# valid x-user-key, and checks every answer against that description (status,
# content type, headers, body schema) and that none is a 5xx; a resource just created
# must be found. deleteConversation and deleteUser run after the rest, each alone, since
# they remove what other operations created. Bounded: each run is stopped after 170 s.
# scripts/tests/fuzz/run.py starts and stops its own server.
#   FUZZ_EXAMPLES (default 40) cases per operation and phase, FUZZ_SEED to replay a run
#   (default 101; FUZZ_SEED=random picks one).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"

[ -x .venv-fuzz/bin/st ] || die ".venv-fuzz/bin/st is missing (run scripts/setup.sh)"
[ -x target/debug/chat-server ] || cargo build -q -p chat-server
.venv-fuzz/bin/python scripts/tests/fuzz/run.py
