// Benchmark orchestrator: one chat-server, one headless Chromium (Playwright),
// fresh Node processes and workerd, alternating ours / official / raw.
//   node bench/run.mjs [--quick] [--runs N] [--envs chromium,node,workerd,native,native-mt]
//                      [--cases size,cold,create,throughput,memory]
//                      [--json FILE] [--md FILE] [--bot-extra N]
// Env: CHAT_SERVER (default target/release/chat-server), CHROMIUM (/usr/bin/chromium).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { writeReport } from './report.mjs';
import { memoryResult } from './lib/cases.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const WWW = path.join(ROOT, 'target', 'bench-www');
const WORKERD_DIR = path.join(ROOT, 'target', 'bench-workerd');
const OFFICIAL_DIR = path.join(ROOT, 'node_modules', '@botpress', 'chat');

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const flag = (n) => argv.includes(n);
const opt = (n, d) => {
  const i = argv.indexOf(n);
  return i >= 0 ? argv[i + 1] : d;
};
const QUICK = flag('--quick');
const P = QUICK
  ? { runs: 1, coldRuns: 1, createRuns: 1, nativeCreateRuns: 1, createN: 50, nativeCreateN: 50, burstN: 500, memN: 2000, memChunk: 1000, memWarm: 100 }
  : // createMessage runs are short and spread widely (±10 % from run to run on a shared machine):
    // more of them, so that the median moves less with the machine's luck. Native runs take
    // a fraction of a second and spread most (tokio's threads and the server share two
    // cores; a single pair of runs ranges from 0.5 to 1.5 × on the multi-threaded runtime):
    // many more, and longer.
    { runs: 5, coldRuns: 7, createRuns: 9, nativeCreateRuns: 21, createN: 1000, nativeCreateN: 2000, burstN: 10000, memN: 100000, memChunk: 10000, memWarm: 10000 };
if (opt('--runs')) P.runs = P.coldRuns = P.createRuns = P.nativeCreateRuns = Number(opt('--runs'));
const ENVS = opt('--envs', 'chromium,node,workerd,native,native-mt').split(',');
const CASES = opt('--cases', 'size,cold,create,throughput,memory').split(',');
const BOT_EXTRA = Number(opt('--bot-extra', process.env.BENCH_BOT_EXTRA || 0));
const JSON_OUT = path.resolve(opt('--json', path.join(HERE, QUICK ? '../target/bench-quick.json' : 'results.json')));
const MD_OUT = opt('--md', QUICK ? null : path.join(ROOT, 'BENCHMARKS.md'));
// --profile: CPU profiles of the ours runs (Chromium via CDP, Node via --cpu-prof)
// into target/bench-profiles/; summarise them with bench/profile-summary.mjs.
const PROFILE = flag('--profile');
const PROFILE_DIR = path.join(ROOT, 'target', 'bench-profiles');
// --pkg DIR: measure another build of the package (its web.js, workerd.js and .wasm);
// --pkg-node DIR: another build for Node (a package, or a wasm-pack --target nodejs
// --profiling build, whose wasm keeps function names).
const PKG_DIR = path.resolve(opt('--pkg', path.join(ROOT, 'pkg')));
const PKG_NODE_DIR = path.resolve(opt('--pkg-node', PKG_DIR));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHAT_SERVER = process.env.CHAT_SERVER || path.join(ROOT, 'target', 'release', 'chat-server');
const log = (...a) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

const PKG = PKG_DIR;
const OURS_BUILT = fs.existsSync(path.join(PKG, 'botpress_chat_wasm_bg.wasm'));
const OURS_NODE_BUILT = fs.existsSync(path.join(PKG_NODE_DIR, 'botpress_chat_wasm_bg.wasm'));
let profileSeq = 0;

// Contender variants per case. `protocol` only for signal cases.
const BASIC = ['ours', 'official', 'raw'];
const SIGNAL = [
  { variant: 'ours-sse', contender: 'ours', protocol: 'sse' },
  { variant: 'ours-websocket', contender: 'ours', protocol: 'websocket' },
  { variant: 'official', contender: 'official', protocol: 'sse' },
  { variant: 'raw-sse', contender: 'raw', protocol: 'sse' },
  { variant: 'raw-websocket', contender: 'raw', protocol: 'websocket' },
];
const MEMORY = SIGNAL.filter((v) => v.variant !== 'raw-websocket');

// ---------------------------------------------------------------- results
const results = {
  meta: {},
  params: { ...P, quick: QUICK, botExtra: BOT_EXTRA },
  sizes: {},
  cases: [],
};
function entry(env, kase, variant, extra) {
  let e = results.cases.find((x) => x.env === env && x.case === kase && x.variant === variant);
  if (!e) {
    e = { env, case: kase, variant, ...extra, runs: [], errors: [] };
    results.cases.push(e);
  }
  return e;
}
function record(env, kase, v, metric, better, r) {
  const e = entry(env, kase, v.variant, { contender: v.contender, protocol: v.protocol || null, metric, better });
  const load1 = os.loadavg()[0];
  if (!r || r.error || !Number.isFinite(r[metric])) {
    const msg = (r && r.error) || `no ${metric} in ${JSON.stringify(r)}`;
    e.errors.push({ load1, error: msg.slice(0, 2000) });
    log(`${env} ${kase} ${v.variant}: ERROR ${msg.split('\n')[0]}`);
  } else {
    e.runs.push({ value: r[metric], load1: Number(load1.toFixed(2)), ...r });
    log(`${env} ${kase} ${v.variant}: ${metric}=${fmt(r[metric])} (load ${load1.toFixed(2)})`);
  }
}
const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));
const skipOurs = (env, kase, v, built) => {
  if (v.contender === 'ours' && !built) {
    entry(env, kase, v.variant, { contender: 'ours', protocol: v.protocol || null }).errors.push({
      error: 'package not built (node scripts/build-pkg.mjs)',
    });
    return true;
  }
  return false;
};
// Alternate: run i starts with contender i mod k, so no variant always goes first.
function* alternating(variants, runs) {
  for (let i = 0; i < runs; i++)
    for (let j = 0; j < variants.length; j++) yield [i, variants[(i + j) % variants.length]];
}

// ---------------------------------------------------------------- staging
function cp(src, dst) {
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.copyFileSync(src, dst);
}
async function stage() {
  fs.rmSync(WWW, { recursive: true, force: true });
  for (const f of fs.readdirSync(path.join(HERE, 'browser'))) cp(path.join(HERE, 'browser', f), path.join(WWW, f));
  for (const f of fs.readdirSync(path.join(HERE, 'lib'))) cp(path.join(HERE, 'lib', f), path.join(WWW, 'lib', f));
  if (OURS_BUILT)
    for (const f of ['web.js', 'botpress_chat_wasm_bg.wasm']) cp(path.join(PKG, f), path.join(WWW, 'pkg', f));
  // The official browser bundle as users get it: the package's own `module` build
  // (dist/index.mjs, self-contained with browser polyfills), bundled and minified
  // the way an app's bundler ships it.
  const esbuild = await import('esbuild');
  await esbuild.build({
    stdin: { contents: "export { Client } from '@botpress/chat';", resolveDir: ROOT, sourcefile: 'official-entry.mjs' },
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    outfile: path.join(WWW, 'official', 'chat.min.mjs'),
    logLevel: 'error',
  });
  cp(path.join(OFFICIAL_DIR, 'dist', 'index.mjs'), path.join(WWW, 'official', 'index.mjs'));
}

// ---------------------------------------------------------------- sizes
function sizes() {
  const gz = (f) => {
    const b = fs.readFileSync(f);
    return { file: path.relative(ROOT, f), raw: b.length, gzip: zlib.gzipSync(b, { level: 9 }).length, brotli: zlib.brotliCompressSync(b).length };
  };
  const sum = (files) => ({
    files,
    raw: files.reduce((a, f) => a + f.raw, 0),
    gzip: files.reduce((a, f) => a + f.gzip, 0),
    brotli: files.reduce((a, f) => a + f.brotli, 0),
  });
  // What a browser downloads: the wasm and the browser entry (the glue, the error classes
  // and the rest of the package's JS are bundled into it).
  if (OURS_BUILT) results.sizes.ours = sum([gz(path.join(PKG, 'botpress_chat_wasm_bg.wasm')), gz(path.join(PKG, 'web.js'))]);
  results.sizes.official = sum([gz(path.join(OFFICIAL_DIR, 'dist', 'index.mjs'))]);
  results.sizes['official-minified'] = sum([gz(path.join(WWW, 'official', 'chat.min.mjs'))]);
  for (const [k, v] of Object.entries(results.sizes)) log(`size ${k}: ${v.raw} B raw, ${v.gzip} B gzip -9`);
}

// ---------------------------------------------------------------- chat-server
function startServer() {
  return new Promise((resolve, reject) => {
    // --bot-delay-ms 0: the echo bot starts a burst at once, so the throughput
    // window holds no fixed server-side pause.
    const args = ['--addr', '127.0.0.1:0', '--webhook-id', 'local', '--exit-after', '7200', '--bot-delay-ms', '0', '--static', WWW];
    results.meta.serverArgs = args.join(' ').replace(WWW, path.relative(ROOT, WWW));
    const p = spawn(CHAT_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const errLog = fs.createWriteStream(path.join(ROOT, 'target', 'bench-server.err.log'));
    p.stderr.pipe(errLog);
    p.on('error', reject);
    p.on('exit', (code) => reject(new Error(`chat-server exited (${code}) before listening`)));
    const rl = readline.createInterface({ input: p.stdout });
    rl.once('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (!m) return reject(new Error(`unexpected first line: ${line}`));
      p.stdout.resume();
      resolve({ proc: p, url: m[1].replace(/\/$/, '') });
    });
  });
}

// ---------------------------------------------------------------- Chromium
async function chromiumCases(server) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
    ],
  });
  results.meta.versions.chromium = browser.version();
  const apiUrl = `${server}/local`;
  const env = 'chromium';
  try {
    if (CASES.includes('cold')) {
      for (const [, c] of alternating(BASIC, P.coldRuns)) {
        const v = { variant: c, contender: c };
        if (skipOurs(env, 'cold', v, OURS_BUILT)) continue;
        const ctx = await browser.newContext(); // empty HTTP and code caches
        const page = await ctx.newPage();
        let r;
        try {
          await page.goto(`${server}/cold.html?c=${c}&api=${encodeURIComponent(apiUrl)}`);
          await page.waitForFunction(() => window.coldResult, null, { timeout: 60000 });
          r = await page.evaluate(() => window.coldResult);
        } catch (e) {
          r = { error: String(e) };
        }
        await ctx.close();
        record(env, 'cold', v, 'ms', 'lower', r);
      }
    }
    const ctx = await browser.newContext();
    const withPage = async (contender, fn, label) => {
      const page = await ctx.newPage();
      const consoleErrors = [];
      page.on('pageerror', (e) => consoleErrors.push(String(e)));
      try {
        if (PROFILE && label) {
          // The page brackets its timed span with benchProfile('start'/'stop').
          const cdp = await ctx.newCDPSession(page);
          await page.exposeFunction('benchProfile', async (what) => {
            if (what === 'start') {
              await cdp.send('Profiler.enable');
              await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
              await cdp.send('Profiler.start');
              return;
            }
            const { profile } = await cdp.send('Profiler.stop');
            fs.mkdirSync(PROFILE_DIR, { recursive: true });
            const f = path.join(PROFILE_DIR, `chromium-${label}-${++profileSeq}.cpuprofile`);
            fs.writeFileSync(f, JSON.stringify(profile));
            log(`profile: ${path.relative(ROOT, f)}`);
          });
        }
        await page.goto(`${server}/index.html`);
        await page.waitForFunction(() => window.benchReady, null, { timeout: 30000 });
        await page.evaluate((c) => window.bench.load(c), contender);
        return await fn(page);
      } catch (e) {
        return { error: String(e) + (consoleErrors.length ? `\npage errors: ${consoleErrors.join('\n')}` : '') };
      } finally {
        await page.close();
      }
    };
    if (CASES.includes('create')) {
      for (const [, c] of alternating(BASIC, P.createRuns)) {
        const v = { variant: c, contender: c };
        if (skipOurs(env, 'create', v, OURS_BUILT)) continue;
        const r = await withPage(c, (page) => page.evaluate((o) => window.bench.createMessages(o), { apiUrl, n: P.createN }), `create-${c}`);
        record(env, 'create', v, 'perCallUs', 'lower', r);
      }
    }
    if (CASES.includes('throughput')) {
      for (const [, v] of alternating(SIGNAL, P.runs)) {
        if (skipOurs(env, 'throughput', v, OURS_BUILT)) continue;
        const r = await withPage(v.contender, (page) =>
          page.evaluate((o) => window.bench.throughput(o), { apiUrl, n: P.burstN, protocol: v.protocol, botExtra: BOT_EXTRA }),
          `throughput-${v.variant}`,
        );
        record(env, 'throughput', v, 'signalsPerSec', 'higher', r);
      }
    }
    if (CASES.includes('memory')) {
      for (const [, v] of alternating(MEMORY, P.runs)) {
        if (skipOurs(env, 'memory', v, OURS_BUILT)) continue;
        const r = await withPage(v.contender, async (page) => {
          const cdp = await ctx.newCDPSession(page);
          const measure = async () => {
            await cdp.send('HeapProfiler.collectGarbage');
            await cdp.send('HeapProfiler.collectGarbage');
            const h = await cdp.send('Runtime.getHeapUsage');
            const wasm = await page.evaluate(() => window.bench.wasmBytes());
            return { heapUsed: h.usedSize, heapTotal: h.totalSize, wasm };
          };
          await page.evaluate((o) => window.bench.memoryOpen(o), { apiUrl, protocol: v.protocol, warm: 0, botExtra: BOT_EXTRA });
          const start = await measure();
          await page.evaluate((n) => window.bench.memoryBurst(n), P.memWarm);
          const before = await measure();
          const t0 = Date.now();
          for (let left = P.memN; left > 0; left -= P.memChunk)
            await page.evaluate((n) => window.bench.memoryBurst(n), Math.min(left, P.memChunk));
          const ms = Date.now() - t0;
          const after = await measure();
          await page.evaluate(() => window.bench.memoryClose());
          await cdp.detach();
          return memoryResult({ n: P.memN, ms, start, before, after });
        });
        record(env, 'memory', v, 'growth', 'lower', r);
      }
    }
    await ctx.close();
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------- Node
// Runs one measured case in a process of its own: its `RESULT <json>` line, or an error.
function runResult(cmd, args, what) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 600000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) resolve(JSON.parse(line.slice(7)));
      else resolve({ error: `${what} exited ${code}: ${err.slice(-1500)}` });
    });
  });
}
function nodeRun(o) {
  const profile = PROFILE && (o.case === 'create' || o.case === 'throughput')
    ? path.join(PROFILE_DIR, `node-${o.case}-${o.contender}${o.protocol ? '-' + o.protocol : ''}-${++profileSeq}.cpuprofile`)
    : undefined;
  const args = ['--expose-gc', '--experimental-websocket', '--no-warnings', path.join(HERE, 'node', 'run-case.mjs'), JSON.stringify({ ...o, pkgNode: PKG_NODE_DIR, profile })];
  return runResult(process.execPath, args, 'node');
}
async function nodeCases(server) {
  const apiUrl = `${server}/local`;
  const env = 'node';
  if (CASES.includes('cold'))
    for (const [, c] of alternating(BASIC, P.coldRuns)) {
      const v = { variant: c, contender: c };
      if (skipOurs(env, 'cold', v, OURS_NODE_BUILT)) continue;
      record(env, 'cold', v, 'ms', 'lower', await nodeRun({ case: 'cold', contender: c, apiUrl }));
    }
  if (CASES.includes('create'))
    for (const [, c] of alternating(BASIC, P.createRuns)) {
      const v = { variant: c, contender: c };
      if (skipOurs(env, 'create', v, OURS_NODE_BUILT)) continue;
      record(env, 'create', v, 'perCallUs', 'lower', await nodeRun({ case: 'create', contender: c, apiUrl, n: P.createN }));
    }
  if (CASES.includes('throughput'))
    for (const [, v] of alternating(SIGNAL, P.runs)) {
      if (skipOurs(env, 'throughput', v, OURS_NODE_BUILT)) continue;
      const r = await nodeRun({ case: 'throughput', contender: v.contender, protocol: v.protocol, apiUrl, n: P.burstN, botExtra: BOT_EXTRA });
      record(env, 'throughput', v, 'signalsPerSec', 'higher', r);
    }
  if (CASES.includes('memory'))
    for (const [, v] of alternating(MEMORY, P.runs)) {
      if (skipOurs(env, 'memory', v, OURS_NODE_BUILT)) continue;
      const r = await nodeRun({
        case: 'memory', contender: v.contender, protocol: v.protocol, apiUrl,
        n: P.memN, chunk: P.memChunk, warm: P.memWarm, botExtra: BOT_EXTRA,
      });
      record(env, 'memory', v, 'growth', 'lower', r);
    }
}

// ---------------------------------------------------------------- native
// The Rust client on tokio (crates/botpress-chat/benches/native.rs) beside the same
// work done with reqwest and serde_json by hand: `native` on the current-thread
// runtime, `native-mt` on the multi-threaded one.
const NATIVE_CREATE = ['ours', 'raw'];
const NATIVE_SIGNAL = SIGNAL.filter((v) => v.variant !== 'official' && v.variant !== 'raw-websocket');
let nativeBin = null;
function nativeBuild() {
  if (nativeBin) return nativeBin;
  log('cargo bench --no-run -p botpress-chat --bench native');
  const out = execFileSync('cargo', ['bench', '--no-run', '-q', '-p', 'botpress-chat', '--bench', 'native', '--message-format=json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  for (const line of out.split('\n')) {
    if (!line.startsWith('{')) continue;
    const m = JSON.parse(line);
    if (m.reason === 'compiler-artifact' && m.target?.name === 'native' && m.executable) nativeBin = m.executable;
  }
  if (!nativeBin) throw new Error('no native bench executable in cargo output');
  return nativeBin;
}
function nativeRun(o) {
  return runResult(nativeBuild(), [JSON.stringify(o)], 'native bench');
}
async function nativeCases(server, env) {
  const apiUrl = `${server}/local`;
  const runtime = env === 'native-mt' ? 'multi' : 'current';
  if (CASES.includes('create'))
    for (const [, c] of alternating(NATIVE_CREATE, P.nativeCreateRuns))
      record(env, 'create', { variant: c, contender: c }, 'perCallUs', 'lower', await nativeRun({ case: 'create', contender: c, apiUrl, n: P.nativeCreateN, runtime }));
  if (CASES.includes('throughput'))
    for (const [, v] of alternating(NATIVE_SIGNAL, P.runs)) {
      const r = await nativeRun({ case: 'throughput', contender: v.contender, protocol: v.protocol, apiUrl, n: P.burstN, runtime });
      record(env, 'throughput', v, 'signalsPerSec', 'higher', r);
    }
}

// ---------------------------------------------------------------- workerd
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
async function stageWorkerd() {
  fs.rmSync(WORKERD_DIR, { recursive: true, force: true });
  cp(path.join(HERE, 'workerd', 'worker.mjs'), path.join(WORKERD_DIR, 'worker.mjs'));
  for (const f of ['contenders.mjs', 'cases.mjs']) cp(path.join(HERE, 'lib', f), path.join(WORKERD_DIR, f));
  // The official browser build fails to evaluate in workerd ("Object prototype may
  // only be an Object or null: undefined"); its Node build runs on workerd's node:*
  // modules (nodejs_compat, the default from 2026-08-04), so that is what we measure.
  const esbuild = await import('esbuild');
  await esbuild.build({
    stdin: { contents: "module.exports = require('@botpress/chat');", resolveDir: ROOT, sourcefile: 'official-entry.cjs' },
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    outfile: path.join(WORKERD_DIR, 'official.cjs'),
    logLevel: 'error',
  });
  const modules = [
    '(name = "worker.mjs", esModule = embed "worker.mjs")',
    '(name = "contenders.mjs", esModule = embed "contenders.mjs")',
    '(name = "cases.mjs", esModule = embed "cases.mjs")',
    '(name = "official.cjs", commonJsModule = embed "official.cjs")',
  ];
  if (OURS_BUILT) {
    // The package's workerd entry, which imports the .wasm beside it as a module.
    cp(path.join(PKG, 'workerd.js'), path.join(WORKERD_DIR, 'ours.js'));
    cp(path.join(PKG, 'botpress_chat_wasm_bg.wasm'), path.join(WORKERD_DIR, 'botpress_chat_wasm_bg.wasm'));
  } else {
    // An empty module keeps the worker loadable; the 'ours' runs are skipped.
    fs.writeFileSync(path.join(WORKERD_DIR, 'botpress_chat_wasm_bg.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    fs.writeFileSync(path.join(WORKERD_DIR, 'ours.js'), 'throw new Error("not built");\n');
  }
  modules.push(
    '(name = "ours.js", esModule = embed "ours.js")',
    '(name = "botpress_chat_wasm_bg.wasm", wasm = embed "botpress_chat_wasm_bg.wasm")',
  );
  fs.writeFileSync(
    path.join(WORKERD_DIR, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .w),
               (name = "net", network = (allow = ["public", "private", "local"])) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ] );
const w :Workerd.Worker = (
  modules = [ ${modules.join(',\n              ')} ],
  compatibilityDate = "2026-11-01", globalOutbound = "net" );
`,
  );
}
async function startWorkerd() {
  const port = await freePort();
  const bin = path.join(ROOT, 'node_modules', '.bin', 'workerd');
  const p = spawn(bin, ['serve', path.join(WORKERD_DIR, 'config.capnp'), '--socket-addr', `http=127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      const r = await fetch(`${base}/ready`);
      await r.text();
      break;
    } catch {
      if (p.exitCode !== null || Date.now() > deadline) {
        p.kill('SIGKILL');
        throw new Error(`workerd did not start: ${err.slice(-1500)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return {
    base,
    pid: p.pid,
    stop: () =>
      new Promise((resolve) => {
        if (p.exitCode !== null) return resolve();
        p.once('exit', resolve);
        p.kill('SIGTERM');
      }),
  };
}
// CPU time of a process, all threads, in ns (Linux: the first field of each
// /proc/PID/task/TID/schedstat); null where that is not readable.
function processCpuNs(pid) {
  try {
    let ns = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    }
    return ns;
  } catch {
    return null;
  }
}
async function workerdCases(server) {
  const apiUrl = `${server}/local`;
  const env = 'workerd';
  const bin = path.join(ROOT, 'node_modules', '.bin', 'workerd');
  results.meta.versions.workerd = execFileSync(bin, ['--version']).toString().trim().replace(/^workerd\s+/, '');
  await stageWorkerd();
  const q = (c, extra = '') => `c=${c}&api=${encodeURIComponent(apiUrl)}${extra}`;
  const getJson = async (url) => {
    try {
      const r = await fetch(url);
      return JSON.parse(await r.text());
    } catch (e) {
      return { error: String(e) };
    }
  };
  if (CASES.includes('cold'))
    for (const [, c] of alternating(BASIC, P.coldRuns)) {
      const v = { variant: c, contender: c };
      if (skipOurs(env, 'cold', v, OURS_BUILT)) continue;
      const w = await startWorkerd(); // a fresh process per run
      const t0 = performance.now();
      const r = await getJson(`${w.base}/cold?${q(c)}`);
      const wallMs = performance.now() - t0;
      await w.stop();
      record(env, 'cold', v, 'wallMs', 'lower', r.error ? r : { ...r, wallMs });
    }
  if (CASES.includes('create')) {
    const w = await startWorkerd();
    try {
      for (const [, c] of alternating(BASIC, P.createRuns)) {
        const v = { variant: c, contender: c };
        if (skipOurs(env, 'create', v, OURS_BUILT)) continue;
        // The workerd process's CPU time over the request (all its threads), per call:
        // what an edge platform bills. It includes connect and the 20 warm-up calls.
        const cpu0 = processCpuNs(w.pid);
        const r = await getJson(`${w.base}/create?${q(c, `&n=${P.createN}`)}`);
        const cpu1 = processCpuNs(w.pid);
        if (!r.error && cpu0 !== null && cpu1 !== null) r.cpuUs = (cpu1 - cpu0) / 1000 / (r.n + (r.warmup || 0));
        record(env, 'create', v, 'perCallUs', 'lower', r);
      }
    } finally {
      await w.stop();
    }
  }
}

// ---------------------------------------------------------------- meta
function machine() {
  const cpus = os.cpus();
  return {
    nproc: Number(execFileSync('nproc').toString().trim()),
    cpu: cpus[0] ? cpus[0].model : 'unknown',
    memoryMB: Math.round(os.totalmem() / 2 ** 20),
    os: `${os.type()} ${os.release()}`,
  };
}
function versions() {
  const pkgVersion = (p) => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', p, 'package.json'))).version;
  const cargo = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8');
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']).toString().trim();
  } catch {}
  return {
    node: process.version,
    ours: `${/^version\s*=\s*"([^"]+)"/m.exec(cargo)[1]} (${commit})`,
    '@botpress/chat': pkgVersion('@botpress/chat'),
    'playwright-core': pkgVersion('playwright-core'),
    esbuild: pkgVersion('esbuild'),
  };
}

function expected() {
  const out = [];
  const cases = { chromium: ['cold', 'create', 'throughput', 'memory'], node: ['cold', 'create', 'throughput', 'memory'], workerd: ['cold', 'create'], native: ['create', 'throughput'], 'native-mt': ['create', 'throughput'] };
  const native = (env) => env.startsWith('native');
  for (const env of ENVS)
    for (const kase of cases[env] || [])
      if (CASES.includes(kase))
        for (const v of kase === 'throughput' ? (native(env) ? NATIVE_SIGNAL : SIGNAL) : kase === 'memory' ? MEMORY : (native(env) ? NATIVE_CREATE : BASIC).map((c) => ({ variant: c })))
          out.push([env, kase, v.variant]);
  return out;
}

// ---------------------------------------------------------------- main
async function main() {
  const t0 = Date.now();
  results.meta = {
    date: new Date().toISOString(),
    command: QUICK ? 'scripts/bench.sh --quick' : 'scripts/bench.sh',
    machine: machine(),
    versions: versions(),
    loadBefore: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
  if (!OURS_BUILT) log('pkg/ not built: ours is skipped in chromium and workerd');
  if (!OURS_NODE_BUILT) log(`${path.relative(ROOT, PKG_NODE_DIR)}/ not built: ours is skipped in node`);
  await stage();
  if (CASES.includes('size')) sizes();
  const { proc, url } = await startServer();
  log(`chat-server at ${url}`);
  results.meta.server = path.relative(ROOT, CHAT_SERVER) || CHAT_SERVER;
  try {
    if (ENVS.includes('chromium')) await chromiumCases(url);
    if (ENVS.includes('node')) await nodeCases(url);
    if (ENVS.includes('workerd')) await workerdCases(url);
    for (const env of ['native', 'native-mt']) if (ENVS.includes(env)) await nativeCases(url, env);
  } finally {
    proc.removeAllListeners('exit');
    proc.kill('SIGTERM');
  }
  results.meta.loadAfter = os.loadavg().map((x) => Number(x.toFixed(2)));
  results.meta.durationSec = Math.round((Date.now() - t0) / 1000);
  fs.mkdirSync(path.dirname(JSON_OUT), { recursive: true });
  fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 1) + '\n');
  log(`wrote ${path.relative(ROOT, JSON_OUT)}`);
  if (MD_OUT) {
    writeReport(results, MD_OUT);
    log(`wrote ${path.relative(ROOT, MD_OUT)}`);
  }
  // Every expected (env, case, variant) must have produced at least one number.
  const missing = [];
  for (const [env, kase, variant] of expected()) {
    const e = results.cases.find((x) => x.env === env && x.case === kase && x.variant === variant);
    if (!e || e.runs.length === 0) {
      missing.push(`${env} ${kase} ${variant}`);
      log(`NO NUMBER: ${env} ${kase} ${variant}: ${e ? e.errors.map((x) => x.error.split('\n')[0]).join(' | ') : 'not run'}`);
    }
  }
  if (CASES.includes('size') && !results.sizes.ours) missing.push('size ours');
  log(missing.length ? `${missing.length} cases without a number` : 'every case produced a number');
  return missing.length;
}

main().then(
  (missing) => process.exit(missing ? 2 : 0),
  (e) => {
    log(e.stack || e);
    process.exit(1);
  },
);
