// bench/against.mjs: runs of two builds pooled and compared, whichever way a
// metric counts.
import test from 'node:test';
import assert from 'node:assert/strict';
import { compare, markdown } from '../../bench/against.mjs';

const result = (rows) => ({
  cases: rows.map(([env, kase, variant, better, values]) => ({
    env,
    case: kase,
    variant,
    metric: 'm',
    better,
    runs: values.map((value) => ({ value })),
  })),
});

test('medians of the pooled runs, and worse in the direction the metric counts', () => {
  const base = [
    result([['node', 'cold', 'ours', 'lower', [10, 12]], ['node', 'throughput', 'ours-sse', 'higher', [100]]]),
    result([['node', 'cold', 'ours', 'lower', [11]], ['node', 'throughput', 'ours-sse', 'higher', [100]]]),
  ];
  const current = [result([['node', 'cold', 'ours', 'lower', [12, 13, 14]], ['node', 'throughput', 'ours-sse', 'higher', [80, 80]]])];
  const rows = compare(base, current);
  assert.equal(rows.length, 2);
  const cold = rows.find((r) => r.case === 'cold');
  assert.equal(cold.base, 11);
  assert.equal(cold.this, 13);
  assert.equal(cold.nBase, 3);
  assert.equal(cold.nThis, 3);
  assert.ok(Math.abs(cold.worse - (13 / 11 - 1)) < 1e-12);
  // Fewer signals per second is worse: 100 → 80 is 25 % worse.
  const tp = rows.find((r) => r.case === 'throughput');
  assert.ok(Math.abs(tp.worse - 0.25) < 1e-12);
  assert.match(markdown(rows), /\| node \| throughput \(m, higher is better\) \| ours-sse \| 100 \| 80\.0 \| 2 \/ 2 \| 0\.800 \| 25\.0 % \|/);
});

test('the parts a run records beside its value (CPU per call, import, connect) are rows of their own', () => {
  const run = (value, cpuUs) => ({ cases: [{ env: 'workerd', case: 'create', variant: 'ours', metric: 'perCallUs', better: 'lower', runs: [{ value, cpuUs }] }] });
  const rows = compare([run(400, 200)], [run(400, 260)]);
  assert.deepEqual(rows.map((r) => [r.metric, r.ratio]), [['cpuUs', 1.3], ['perCallUs', 1]]);
  // Zero in both (raw's import part of a cold start) is no change, not 0 ÷ 0.
  assert.equal(compare([run(0)], [run(0)])[0].ratio, 1);
});

test('a row measured in one build only, or without numbers, is left out', () => {
  const base = [result([['chromium', 'cold', 'ours', 'lower', [5]], ['chromium', 'cold', 'raw', 'lower', []]])];
  const current = [result([['chromium', 'cold', 'ours', 'lower', [5]], ['chromium', 'cold', 'raw', 'lower', [3]], ['workerd', 'cold', 'ours', 'lower', [9]]])];
  const rows = compare(base, current);
  assert.deepEqual(rows.map((r) => `${r.env} ${r.variant}`), ['chromium ours']);
  assert.equal(rows[0].ratio, 1);
});
