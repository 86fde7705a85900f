#!/usr/bin/env bash
# Smoke run of the benchmark (scripts/bench.sh --quick): one short run per case
# against the debug chat-server. Asserts that every case produced a number
# (bench/run.mjs exits non-zero otherwise); no speed target is checked here.
# The package-size budget is: size does not vary from run to run, so a change that
# takes the package (wasm + JS glue, gzip level 9) past 90,000 bytes fails here.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
export CHAT_SERVER="${CHAT_SERVER:-$ROOT/target/debug/chat-server}"
[ -x "$CHAT_SERVER" ] || die "$CHAT_SERVER not built (cargo build -p chat-server)"
"$ROOT/scripts/bench.sh" --quick --json "$OUT/bench-quick.json"
node -e '
const r = require(process.argv[1]);
const rows = r.cases.map((e) => `${e.env.padEnd(9)} ${e.case.padEnd(11)} ${e.variant.padEnd(15)} ${e.runs.length ? e.runs[0].value.toFixed(2) : "NO NUMBER"}`);
console.log(rows.join("\n"));
const s = Object.entries(r.sizes).map(([k, v]) => `${k}: ${v.gzip} B gzip`);
console.log("size", s.join(", "));
const BUDGET = 90000;
if (!(r.sizes.ours && r.sizes.ours.gzip <= BUDGET)) {
  console.error(`package size ${r.sizes.ours && r.sizes.ours.gzip} B gzip is over the budget of ${BUDGET} B`);
  process.exit(1);
}
console.log(`package size ${r.sizes.ours.gzip} B gzip, within the budget of ${BUDGET} B`);
' "$OUT/bench-quick.json"
