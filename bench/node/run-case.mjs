// One measured run in a fresh Node process (run with --expose-gc):
//   node --expose-gc bench/node/run-case.mjs '{"case":"cold","contender":"ours","apiUrl":"…"}'
// Prints one line: RESULT <json>.
const tStart = performance.now();
import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const opts = JSON.parse(process.argv[2]);
const now = () => performance.now();
let wasmMemory = null;

async function load(name) {
  const C = await import('../lib/contenders.mjs');
  if (name === 'ours') {
    // The package's `require` entry, or a wasm-pack --target nodejs build (--pkg-node).
    const dir = opts.pkgNode || path.join(ROOT, 'pkg');
    const file = ['node.cjs', 'botpress_chat_wasm.js'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f)) ?? path.join(dir, 'node.cjs');
    if (opts.case !== 'memory') return C.ours(createRequire(import.meta.url)(file));
    // The nodejs glue keeps its instance private: catch it as it is created to read
    // the wasm memory size.
    const Instance = WebAssembly.Instance;
    let instance = null;
    WebAssembly.Instance = function (module, imports) {
      instance = new Instance(module, imports);
      return instance;
    };
    try {
      const m = createRequire(import.meta.url)(file);
      wasmMemory = instance && instance.exports.memory;
      return C.ours(m);
    } finally {
      WebAssembly.Instance = Instance;
    }
  }
  if (name === 'official') return C.official(await import('@botpress/chat'));
  return C.raw();
}

function heap() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss, wasm: wasmMemory ? wasmMemory.buffer.byteLength : 0 };
}

// opts.profile = FILE: a CPU profile of the timed span only (node:inspector).
async function profileHooks(file) {
  const { Session } = await import('node:inspector/promises');

  const session = new Session();
  session.connect();
  return {
    async start() {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      await session.post('Profiler.start');
    },
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(profile));
    },
  };
}

async function main() {
  const K = await import('../lib/cases.mjs');
  const base = { apiUrl: opts.apiUrl, now, botExtra: opts.botExtra || 0 };
  if (opts.profile) base.hooks = await profileHooks(opts.profile);
  switch (opts.case) {
    case 'cold': {
      const t0 = now();
      const c = await load(opts.contender);
      const tImport = now();
      await c.connect(opts.apiUrl);
      const t1 = now();
      return { ms: t1 - t0, importMs: tImport - t0, connectMs: t1 - tImport, sinceProcessStartMs: t1, scriptStartMs: tStart };
    }
    case 'create': {
      // The client's process CPU (user + system, all threads); the server is another process.
      const cpuUs = () => {
        const u = process.cpuUsage();
        return u.user + u.system;
      };
      return K.createMessages(await load(opts.contender), { ...base, n: opts.n, cpuUs });
    }
    case 'throughput':
      return K.throughput(await load(opts.contender), { ...base, n: opts.n, protocol: opts.protocol });
    case 'memory': {
      const c = await load(opts.contender);
      const st = await K.memoryOpen(c, { ...base, protocol: opts.protocol, warm: 0 });
      const start = heap();
      await K.memoryBurst(st, opts.warm);
      const before = heap();
      const t0 = now();
      for (let left = opts.n; left > 0; left -= opts.chunk) await K.memoryBurst(st, Math.min(left, opts.chunk));
      const ms = now() - t0;
      const after = heap();
      K.memoryClose(st);
      return K.memoryResult({ n: opts.n, ms, start, before, after });
    }
    default:
      throw new Error(`unknown case ${opts.case}`);
  }
}

main().then(
  (r) => {
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (e) => {
    process.stdout.write(`RESULT ${JSON.stringify({ error: String((e && e.stack) || e) })}\n`);
    process.exit(0);
  },
);
