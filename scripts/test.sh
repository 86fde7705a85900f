#!/usr/bin/env bash
# The one test command.
#   ./scripts/test.sh            set-up, build chat-server, run every stage
#   ./scripts/test.sh 10 30      only the stages whose names start with 10 or 30
# Stages are scripts/tests/NN-name.sh, run in lexical order, each in its own bash
# process; output goes to the terminal and to test-output/NN-name.log. A failing
# stage does not stop the others. Exit status is non-zero if any stage failed.
# Env: STAGE_TIMEOUT (seconds, default 1500) stops a stage that hangs.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
exec </dev/null   # nothing here reads stdin (CI runs with none)

t_all=$SECONDS
STAGE_TIMEOUT="${STAGE_TIMEOUT:-1500}"
STAGE_PIDFILE="$OUT/.stage.$$.pid"
STAGE_RCFILE="$OUT/.stage.$$.rc"

# On Ctrl-C or TERM, stop the running stage too (timeout puts it in its own
# process group, out of reach of the terminal's signals; timeout passes TERM on
# to the whole group).
stop_stage() {
  local pid
  pid="$(cat "$STAGE_PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
  rm -f "$STAGE_PIDFILE"
  return 0
}
on_exit stop_stage

log "== setup"
if ! "$ROOT/scripts/setup.sh"; then
  log "setup failed"
  echo "stages: 0 passed, 1 failed"
  exit 1
fi

names=(); results=(); secs=()
passed=0; failed=0

# The debug chat-server that start_chat_server runs. Its failure counts as a failed
# step, and the stages still run.
if [ -f server/Cargo.toml ]; then
  log "== cargo build -p chat-server"
  t0=$SECONDS
  cargo build -p chat-server 2>&1 | tee "$OUT/build-chat-server.log"
  rc=${PIPESTATUS[0]}
  names+=("build-chat-server"); secs+=("$((SECONDS - t0))")
  if [ "$rc" -eq 0 ]; then
    results+=("ok"); passed=$((passed + 1))
  else
    results+=("FAILED (exit $rc)"); failed=$((failed + 1))
    log "cargo build -p chat-server FAILED; stages that need the server will fail too"
  fi
fi

# Stage selection.
stages=()
for f in "$ROOT"/scripts/tests/[0-9]*.sh; do
  [ -e "$f" ] || continue
  name="$(basename "$f" .sh)"
  if [ "$#" -gt 0 ]; then
    keep=0
    for p in "$@"; do
      case "$name" in "$p"*) keep=1 ;; esac
    done
    [ "$keep" = 1 ] || continue
  fi
  stages+=("$f")
done
if [ "${#stages[@]}" -eq 0 ]; then
  log "no stage matches: $*"
  echo "stages: 0 passed, 1 failed"
  exit 1
fi

for f in "${stages[@]}"; do
  name="$(basename "$f" .sh)"
  log "== stage $name"
  t0=$SECONDS
  # Own process: the stage's EXIT trap kills the servers it started.
  # Run in the background and `wait`, so that a signal to this script is handled
  # at once (stop_stage) rather than when the stage ends.
  rm -f "$STAGE_RCFILE"
  ( timeout -k 20 "$STAGE_TIMEOUT" bash "$f" 2>&1 &
    echo "$!" >"$STAGE_PIDFILE"
    wait "$!"
    echo "$?" >"$STAGE_RCFILE" ) | tee "$OUT/$name.log" &
  wait "$!"
  rc="$(cat "$STAGE_RCFILE" 2>/dev/null || echo 1)"
  rm -f "$STAGE_PIDFILE" "$STAGE_RCFILE"
  dt=$((SECONDS - t0))
  names+=("$name"); secs+=("$dt")
  if [ "$rc" -eq 0 ]; then
    results+=("ok"); passed=$((passed + 1))
    log "stage $name ok (${dt} s)"
  else
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      results+=("FAILED (timeout)")
    else
      results+=("FAILED (exit $rc)")
    fi
    failed=$((failed + 1))
    log "stage $name FAILED with exit $rc (${dt} s), log: test-output/$name.log"
  fi
done

echo
echo "== summary (log files in test-output/)"
for i in "${!names[@]}"; do
  printf '  %-24s %-18s %5ss\n' "${names[$i]}" "${results[$i]}" "${secs[$i]}"
done
printf '  total %ss\n' "$((SECONDS - t_all))"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
