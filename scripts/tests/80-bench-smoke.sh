#!/usr/bin/env bash
# Smoke run of the benchmark (scripts/bench.sh --quick): one short run per case
# against the debug chat-server. Asserts that every case produced a number
# (bench/run.mjs exits non-zero otherwise); no speed target is checked here.
# The native rows come from crates/botpress-chat/benches/native.rs.
# The package-size budget is: size does not vary from run to run, so a change that
# takes the package (wasm + JS glue with the error classes, gzip level 9) past
# 90 KiB (92,160 bytes) fails here. Last, bench/against.mjs (the comparison of two
# builds that scripts/bench-against.sh makes): its unit tests and a self-comparison.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$ROOT"
# No dependency of the native host (crates/botpress-chat/src/native) reaches the wasm build.
native="$(cargo tree -p botpress-chat-wasm --target wasm32-unknown-unknown -e normal --prefix none \
  | grep -E '^(reqwest|hyper|hyper-util|tokio|tokio-util|tokio-tungstenite|tungstenite|rustls|ring|mio|socket2) ' || true)"
[ -z "$native" ] || die "native dependencies in the wasm build: $native"
echo "wasm build: no native dependency"
export CHAT_SERVER="${CHAT_SERVER:-$ROOT/target/debug/chat-server}"
[ -x "$CHAT_SERVER" ] || die "$CHAT_SERVER not built (cargo build -p chat-server)"
"$ROOT/scripts/bench.sh" --quick --json "$OUT/bench-quick.json"
node -e '
const r = require(process.argv[1]);
const rows = r.cases.map((e) => `${e.env.padEnd(9)} ${e.case.padEnd(11)} ${e.variant.padEnd(15)} ${e.runs.length ? e.runs[0].value.toFixed(2) : "NO NUMBER"}`);
console.log(rows.join("\n"));
const s = Object.entries(r.sizes).map(([k, v]) => `${k}: ${v.gzip} B gzip`);
console.log("size", s.join(", "));
const BUDGET = 90 * 1024;
if (!(r.sizes.ours && r.sizes.ours.gzip <= BUDGET)) {
  console.error(`package size ${r.sizes.ours && r.sizes.ours.gzip} B gzip is over the budget of ${BUDGET} B`);
  process.exit(1);
}
console.log(`package size ${r.sizes.ours.gzip} B gzip, within the budget of ${BUDGET} B`);
' "$OUT/bench-quick.json"

# The report step: BENCHMARKS.md and bench/charts/*.svg must be what bench/results.json
# gives (node bench/report.mjs rewrites them), and the quick results must render too:
# one chart per case with one bar per contender, each linked from the Markdown.
node bench/report.mjs --check
rm -rf "$OUT/bench-quick-report"
node bench/report.mjs "$OUT/bench-quick.json" "$OUT/bench-quick-report/BENCHMARKS.md"
node -e '
const fs = require("fs"), path = require("path");
const [json, dir] = process.argv.slice(1);
const r = require(json);
const md = fs.readFileSync(path.join(dir, "BENCHMARKS.md"), "utf8");
let bad = 0;
for (const kase of [...new Set(r.cases.map((e) => e.case))]) {
  const file = path.join(dir, "bench/charts", `${kase}.svg`);
  const svg = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const bars = (svg.match(/class="bar"/g) || []).length;
  const want = r.cases.filter((e) => e.case === kase).length;
  const linked = md.includes(`](bench/charts/${kase}.svg)`);
  console.log(`chart ${kase}: ${bars} bars (want ${want}), linked: ${linked}`);
  if (bars !== want || !linked || !svg.startsWith("<svg ")) bad++;
}
process.exit(bad ? 1 : 0);
' "$OUT/bench-quick.json" "$OUT/bench-quick-report"

# bench/against.mjs (scripts/bench-against.sh's comparison of two builds): its rules,
# then the quick results compared with themselves: every row, each the same.
node --test tests/bench/
node bench/against.mjs --base "$OUT/bench-quick.json" --this "$OUT/bench-quick.json" --md "$OUT/bench-against-self.md"
node -e '
const md = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter((l) => /^\| (chromium|node|workerd|native)/.test(l));
const r = require(process.argv[2]);
const want = r.cases.filter((c) => c.runs.some((x) => typeof x.value === "number")).length;
const same = md.filter((l) => l.includes("| 1.000 |")).length;
console.log(`bench/against.mjs: ${md.length} rows (at least ${want}: one per case and contender, and its parts), ${same} at 1.000`);
process.exit(md.length >= want && same === md.length ? 0 : 1);
' "$OUT/bench-against-self.md" "$OUT/bench-quick.json"
