#!/usr/bin/env bash
# This build against an earlier one, on this machine: the benchmark cases of both,
# in rounds that alternate between them, then the medians of every run compared
# (bench/against.mjs). For figures that were stated for an earlier build: a faster
# or slower machine moves both builds alike.
#   ./scripts/bench-against.sh REV [--rounds N] [bench/run.mjs options]
# e.g. ./scripts/bench-against.sh e673ee0 --rounds 4 --envs chromium,node,workerd --cases cold
# The earlier build is checked out (git worktree) and built in target/bench-against/REV,
# with that revision's own build script; both builds talk to one release chat-server
# (this one's). Results: target/bench-against/REV-{base,this}-N.json and REV.md.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

[ $# -ge 1 ] || die "usage: scripts/bench-against.sh REV [--rounds N] [bench/run.mjs options]"
REV="$(git rev-parse --short "$1^{commit}")" || die "$1: not a revision"
shift
ROUNDS=3
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --json|--md) die "$1: bench-against.sh names its own result files" ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
[ -d node_modules/playwright-core ] || die "node_modules missing: run scripts/setup.sh"

DIR="$ROOT/target/bench-against"
BASE="$DIR/$REV"
mkdir -p "$DIR"
if [ ! -d "$BASE" ]; then
  log "git worktree add $BASE ($REV)"
  git worktree add -q --detach "$BASE" "$REV"
fi
[ -e "$BASE/node_modules" ] || ln -s "$ROOT/node_modules" "$BASE/node_modules"

# Each build with its own revision's build script (build-pkg.mjs, or build-pkg.sh
# before it existed).
build() {
  if [ -f "$1/scripts/build-pkg.mjs" ]; then
    (cd "$1" && node scripts/build-pkg.mjs)
  else
    (cd "$1" && ./scripts/build-pkg.sh web nodejs)
  fi
}
log "building $REV in $BASE"
build "$BASE"
log "building this tree"
build "$ROOT"
if [ -z "${CHAT_SERVER:-}" ]; then
  log "cargo build --release -p chat-server"
  cargo build --release -q -p chat-server
  export CHAT_SERVER="$ROOT/target/release/chat-server"
fi

rm -f "$DIR/$REV"-base-*.json "$DIR/$REV"-this-*.json
for i in $(seq 1 "$ROUNDS"); do
  # Each round starts with the other build.
  if [ $((i % 2)) -eq 1 ]; then order="base this"; else order="this base"; fi
  for side in $order; do
    tree="$ROOT"
    [ "$side" = base ] && tree="$BASE"
    log "round $i of $ROUNDS: $side (load $(cut -d' ' -f1 /proc/loadavg))"
    (cd "$tree" && node bench/run.mjs "${ARGS[@]}" --json "$DIR/$REV-$side-$i.json" --md "$DIR/$REV-$side-$i.md")
  done
done

node bench/against.mjs --base-name "$REV" --this-name "$(git rev-parse --short HEAD)" \
  --base "$DIR/$REV"-base-*.json --this "$DIR/$REV"-this-*.json --md "$DIR/$REV.md"
log "wrote $DIR/$REV.md"
