#!/usr/bin/env bash
# Crash: writers (users, conversations, messages, deletions, participants, events) and
# listeners against a --db chat-server killed with SIGKILL at random moments (15 kills)
# and restarted on the same file. Every acknowledged write must be found afterwards,
# the file must pass PRAGMA integrity_check, and a listener of every restarted server
# must receive a new signal. The example starts and kills its own servers (by pid,
# 127.0.0.1 only, each with --exit-after).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
cargo build -q -p chat-server --example crash
[ -x target/debug/chat-server ] || cargo build -q -p chat-server
db="$OUT/crash.db"
on_exit "rm -f '$db' '$db-wal' '$db-shm'"
timeout -k 10 120 target/debug/examples/crash --server target/debug/chat-server --db "$db" \
  --kills "${CRASH_KILLS:-15}" --timeout 110 ${CRASH_SEED:+--seed "$CRASH_SEED"}
