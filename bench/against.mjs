// Compares two builds of the package measured on one machine: result files of
// bench/run.mjs taken in rounds that alternate between a baseline build and this
// one (scripts/bench-against.sh makes them). Every run of every round is pooled per
// environment, case and contender, and the medians are compared.
//   node bench/against.mjs --base FILE... --this FILE... [--md FILE]
// Figures stated for an earlier build (e.g. "no worse than 10.1 ms") can then be
// judged on a machine that is faster or slower than the one they were taken on.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median } from './report.mjs';

/**
 * What a run is compared by: its `value` (what bench/run.mjs ranks contenders by), and
 * the parts some cases record beside it, each lower-is-better: CPU time per call
 * (createMessage in Node and workerd), and a cold start's import and connect parts.
 */
const PARTS = ['cpuUs', 'importMs', 'connectMs'];

const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);

/**
 * Runs pooled per "env case variant metric":
 * { key: { env, case, variant, metric, better, runs: number[] } }.
 */
export function pool(results) {
  const out = {};
  const add = (c, metric, better, values) => {
    if (values.length === 0) return;
    const key = `${c.env} ${c.case} ${c.variant} ${metric}`;
    const row = (out[key] ??= { env: c.env, case: c.case, variant: c.variant, metric, better, runs: [] });
    row.runs.push(...values);
  };
  for (const r of results)
    for (const c of r.cases ?? []) {
      const runs = c.runs ?? [];
      add(c, c.metric, c.better, runs.map((x) => x.value).filter(isNumber));
      for (const part of PARTS) add(c, part, 'lower', runs.map((x) => x[part]).filter(isNumber));
    }
  return out;
}

/**
 * One row per env/case/contender measured in both builds: medians, run counts and
 * this ÷ baseline. `worse` is the relative change in the bad direction (0.05: 5 % worse;
 * negative: better), whichever way the metric counts.
 */
export function compare(base, current) {
  const a = pool(base);
  const b = pool(current);
  const rows = [];
  for (const [key, r] of Object.entries(b)) {
    const o = a[key];
    if (!o || o.runs.length === 0 || r.runs.length === 0) continue;
    const mBase = median(o.runs);
    const mThis = median(r.runs);
    const ratio = mThis === mBase ? 1 : mThis / mBase; // 0 ÷ 0 (e.g. raw's import part) is no change
    rows.push({
      env: r.env,
      case: r.case,
      variant: r.variant,
      metric: r.metric,
      better: r.better,
      base: mBase,
      this: mThis,
      nBase: o.runs.length,
      nThis: r.runs.length,
      ratio,
      worse: r.better === 'higher' ? 1 / ratio - 1 : ratio - 1,
    });
  }
  const order = ['chromium', 'node', 'workerd', 'native', 'native-mt'];
  return rows.sort(
    (x, y) =>
      order.indexOf(x.env) - order.indexOf(y.env) ||
      x.case.localeCompare(y.case) ||
      x.variant.localeCompare(y.variant) ||
      x.metric.localeCompare(y.metric),
  );
}

const fmt = (v) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));

/** The comparison as a Markdown table. */
export function markdown(rows, { baseName = 'baseline', thisName = 'this build' } = {}) {
  const out = [
    `| env | case | contender | ${baseName} (median) | ${thisName} (median) | runs | ${thisName} ÷ ${baseName} | worse by |`,
    '|---|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows)
    out.push(
      `| ${r.env} | ${r.case} (${r.metric}, ${r.better} is better) | ${r.variant} | ${fmt(r.base)} | ${fmt(r.this)} | ${r.nBase} / ${r.nThis} | ${r.ratio.toFixed(3)} | ${(r.worse * 100).toFixed(1)} % |`,
    );
  return out.join('\n') + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const lists = { '--base': [], '--this': [] };
  let into = null;
  let md = null;
  const names = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] in lists) into = lists[args[i]];
    else if (args[i] === '--md') md = args[++i];
    else if (args[i] === '--base-name') names.baseName = args[++i];
    else if (args[i] === '--this-name') names.thisName = args[++i];
    else if (into) into.push(args[i]);
    else throw new Error(`unexpected argument ${args[i]}`);
  }
  if (lists['--base'].length === 0 || lists['--this'].length === 0)
    throw new Error('usage: node bench/against.mjs --base FILE... --this FILE... [--md FILE]');
  const read = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
  const text = markdown(compare(lists['--base'].map(read), lists['--this'].map(read)), names);
  if (md) fs.writeFileSync(md, text);
  process.stdout.write(text);
}
