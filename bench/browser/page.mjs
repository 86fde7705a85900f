// Benchmark page: window.bench drives one contender per page load.
import * as C from './lib/contenders.mjs';
import * as K from './lib/cases.mjs';

const now = () => performance.now();
// Set by the runner (page.exposeFunction) when profiling.
const hooks = {
  start: async () => window.benchProfile && window.benchProfile('start'),
  stop: async () => window.benchProfile && window.benchProfile('stop'),
};
let contender = null;
let wasm = null;
let mem = null;

const loaders = {
  async ours() {
    const m = await import('./pkg/web.js');
    wasm = await m.default();
    return C.ours(m);
  },
  async official() {
    return C.official(await import('./official/chat.min.mjs'));
  },
  async raw() {
    return C.raw();
  },
};

window.bench = {
  async load(name) {
    contender = await loaders[name]();
    return true;
  },
  createMessages: (o) => K.createMessages(contender, { ...o, now, hooks }),
  throughput: (o) => K.throughput(contender, { ...o, now, hooks }),
  async memoryOpen(o) {
    mem = await K.memoryOpen(contender, { ...o, now });
    return mem.s.count;
  },
  memoryBurst: (n) => K.memoryBurst(mem, n),
  memoryClose() {
    K.memoryClose(mem);
    mem = null;
  },
  wasmBytes: () => (wasm ? wasm.memory.buffer.byteLength : 0),
};
window.benchReady = true;
