// Summarises .cpuprofile files (Chrome DevTools / node --cpu-prof format):
// self and inclusive time per function, and self time per category (wasm, JS glue,
// benchmark/page code, runtime, GC, idle).
//   node bench/profile-summary.mjs FILE.cpuprofile [...] [--top 30]
import fs from 'node:fs';
import path from 'node:path';

const argv = process.argv.slice(2);
const ti = argv.indexOf('--top');
const TOP = ti >= 0 ? Number(argv.splice(ti, 2)[1]) : 30;

function category(cf) {
  const u = cf.url || '';
  const f = cf.functionName || '';
  if (f === '(idle)' || f === '(program)' || f === '(garbage collector)' || f === '(root)') return f;
  if (/^wasm-to-js|^js-to-wasm/.test(f)) return 'wasm↔JS boundary';
  if (u.startsWith('wasm://') || /\.wasm(-[0-9a-f]+)?$/.test(u) || f.startsWith('$') || /^wasm-function/.test(f)) return 'wasm';
  if (/botpress_chat_wasm/.test(u)) return 'ours JS glue';
  if (/\/lib\/(cases|contenders)\.mjs|run-case\.mjs|page\.mjs/.test(u)) return 'benchmark';
  if (/official|@botpress|axios|zod|eventsource/.test(u)) return 'official';
  if (u === '') return 'native/builtin';
  if (u.startsWith('node:')) return 'node internals';
  return 'other JS';
}

function summarise(file) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
  // Time per sample from timeDeltas (µs); attribute each delta to the sample's node.
  const self = new Map();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0;
    self.set(p.samples[i], (self.get(p.samples[i]) || 0) + dt);
    total += dt;
  }
  const key = (cf) => `${cf.functionName || '(anonymous)'}  ${cf.url ? path.basename(cf.url) + ':' + (cf.lineNumber + 1) : ''}`;
  const selfBy = new Map();
  const inclBy = new Map();
  const catBy = new Map();
  for (const [id, t] of self) {
    const n = nodes.get(id);
    const k = key(n.callFrame);
    selfBy.set(k, (selfBy.get(k) || 0) + t);
    const c = category(n.callFrame);
    catBy.set(c, (catBy.get(c) || 0) + t);
    // inclusive: every distinct function on the stack gets the time once
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const kk = key(nodes.get(cur).callFrame);
      if (seen.has(kk)) continue;
      seen.add(kk);
      inclBy.set(kk, (inclBy.get(kk) || 0) + t);
    }
  }
  const busy = total - (catBy.get('(idle)') || 0);
  const ms = (t) => (t / 1000).toFixed(1).padStart(8);
  const pct = (t) => ((100 * t) / busy).toFixed(1).padStart(5) + '%';
  const top = (m) => [...m].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(root)')).sort((a, b) => b[1] - a[1]).slice(0, TOP);
  console.log(`\n== ${path.basename(file)}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms not idle`);
  console.log('-- self time by category (% of non-idle)');
  for (const [k, t] of [...catBy].sort((a, b) => b[1] - a[1])) console.log(`${ms(t)} ms ${k === '(idle)' ? '      ' : pct(t)}  ${k}`);
  console.log(`-- top ${TOP} self`);
  for (const [k, t] of top(selfBy)) console.log(`${ms(t)} ms ${pct(t)}  ${k}`);
  console.log(`-- top ${TOP} inclusive`);
  for (const [k, t] of top(inclBy)) console.log(`${ms(t)} ms ${pct(t)}  ${k}`);
}

for (const f of argv) summarise(f);
