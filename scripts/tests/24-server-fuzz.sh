#!/usr/bin/env bash
# Fuzz: Schemathesis (installed by setup.sh in .venv-fuzz/) generates positive and
# negative requests for every operation of chat-server's own /openapi.json, with a
# valid x-user-key, and checks every answer against that description (status,
# content type, headers, body schema) and that none is a 5xx. deleteUser runs last,
# alone, since it removes the key's user. Bounded: each run is stopped after 170 s.
#   FUZZ_EXAMPLES (default 40) cases per operation and phase, FUZZ_SEED to replay a run
#   (default 101; FUZZ_SEED=random picks one).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
ST="$ROOT/.venv-fuzz/bin/st"
[ -x "$ST" ] || die "$ST is missing (run scripts/setup.sh)"
[ -x target/debug/chat-server ] || cargo build -q -p chat-server
# --stream-max-secs: listenConversation streams end after 1 s, so the fuzzer reads them whole.
start_chat_server FUZZ --bot-delay-ms 0 --stream-max-secs 1 --exit-after 400
api="$FUZZ_URL/local"
key="$(curl -fsS -X POST -H 'content-type: application/json' -d '{}' "$api/users" \
  | "$ROOT/.venv-fuzz/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["key"])')"
[ -n "$key" ] || die "createUser gave no key"
doc="$OUT/fuzz-openapi.json"
curl -fsS "$api/openapi.json" >"$doc"
reports="$OUT/fuzz-reports"
rm -rf "$reports"; mkdir -p "$reports"
# A fixed seed by default, so that the test command is repeatable (FUZZ_SEED=random explores).
seed="${FUZZ_SEED:-101}"
[ "$seed" = random ] && seed="$RANDOM$RANDOM"
log "schemathesis $("$ST" --version | awk '{print $NF}'), seed $seed"
# One worker: CPython 3.11 before 3.11.8 can fail ast.parse in threads ("AST constructor
# recursion depth mismatch"), which Hypothesis calls while describing strategies.
run_st() {  # run_st NAME ARGS...: one Schemathesis run, its cassette in $reports/NAME.yaml
  local name="$1"; shift
  timeout -k 10 170 "$ST" --config-file scripts/tests/fuzz/schemathesis.toml run "$api/openapi.json" \
    --url "$api" -H "x-user-key: $key" --seed "$seed" --workers 1 \
    --max-examples "${FUZZ_EXAMPLES:-40}" --report vcr --report-vcr-path "$reports/$name.yaml" \
    --report-dir "$reports" "$@"
}
rc=0
run_st main --exclude-operation-id deleteUser || rc=$?
run_st delete-user --include-operation-id deleteUser || rc=$?
"$ROOT/.venv-fuzz/bin/python" scripts/tests/fuzz/summary.py "$doc" /local "$reports/main.yaml" "$reports/delete-user.yaml" \
  || rc=$?
stop_pid "$FUZZ_PID"
[ "$rc" -eq 0 ] || die "fuzzing found problems (seed $seed; cassettes in $reports)"
log "fuzz ok"
