// The measured cases, independent of the environment. `now` is the clock
// (performance.now in browsers and Node, Date.now in workerd).

export function withTimeout(promise, ms, what) {
  let t;
  const timeout = new Promise((_, reject) => {
    t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(t));
}

// N sequential createMessage calls on one conversation, after `warmup` untimed calls.
// `hooks.start()` / `hooks.stop()` (optional, awaited) bracket the timed span,
// e.g. to profile only that. `cpuUs()` (optional: Node's process.cpuUsage) reads
// the process's CPU time in µs; with it the result has the CPU time per call.
const NO_HOOKS = { start: async () => {}, stop: async () => {} };

export async function createMessages(c, { apiUrl, n, warmup = 20, now, hooks = NO_HOOKS, cpuUs }) {
  const client = await c.connect(apiUrl);
  const conv = await c.createConversation(client);
  for (let i = 0; i < warmup; i++) await c.createMessage(client, conv, 'warm-up');
  await hooks.start();
  const cpu0 = cpuUs ? cpuUs() : 0;
  const t0 = now();
  for (let i = 0; i < n; i++) await c.createMessage(client, conv, 'm');
  const ms = now() - t0;
  const cpu = cpuUs ? (cpuUs() - cpu0) / n : undefined;
  await hooks.stop();
  return { ms, perCallUs: (ms * 1000) / n, n, warmup, ...(cpu === undefined ? {} : { cpuUs: cpu }) };
}

// A listener that counts the bot's `message_created` signals and resolves when a
// target count is reached. The callback keeps nothing but counters.
function counter(now) {
  const s = { count: 0, target: Infinity, tFirst: 0, tLast: 0, resolve: null };
  s.onMessage = (data) => {
    if (!data.isBot) return;
    s.count++;
    if (s.count === 1) s.tFirst = now();
    if (s.count >= s.target && s.resolve) {
      s.tLast = now();
      const r = s.resolve;
      s.resolve = null;
      r();
    }
  };
  s.waitFor = (target) =>
    new Promise((resolve) => {
      s.target = target;
      if (s.count >= target) {
        s.tLast = now();
        resolve();
      } else s.resolve = resolve;
    });
  return s;
}

// `burst N` sent to the echo bot; time from sending to the Nth bot signal reaching
// the callback. `botExtra`: bot signals the server sends per burst besides the N.
export async function throughput(c, { apiUrl, n, protocol, now, timeoutMs = 300000, botExtra = 0, hooks = NO_HOOKS }) {
  const client = await c.connect(apiUrl);
  const conv = await c.createConversation(client);
  const s = counter(now);
  const l = await c.listen(client, conv, protocol, s.onMessage);
  try {
    await hooks.start();
    const t0 = now();
    const done = s.waitFor(n + botExtra);
    await c.createMessage(client, conv, `burst ${n}`);
    await withTimeout(done, timeoutMs, () => `${s.count}/${n + botExtra} bot signals`);
    const ms = s.tLast - t0;
    await hooks.stop();
    return { ms, signalsPerSec: (n * 1000) / ms, firstToLastMs: s.tLast - s.tFirst, firstMs: s.tFirst - t0, n };
  } finally {
    l.close();
  }
}

// Memory: phases driven from outside so that the host can collect garbage and
// read heap sizes between them (CDP in Chromium, --expose-gc in Node).
export async function memoryOpen(c, { apiUrl, protocol, now, warm = 1000, timeoutMs = 300000, botExtra = 0 }) {
  const client = await c.connect(apiUrl);
  const conv = await c.createConversation(client);
  const s = counter(now);
  const l = await c.listen(client, conv, protocol, s.onMessage);
  const st = { c, client, conv, s, l, sent: 0, botExtra, timeoutMs };
  if (warm > 0) await memoryBurst(st, warm);
  return st;
}

export async function memoryBurst(st, n) {
  const { c, client, conv, s } = st;
  const target = s.count + n + st.botExtra;
  const done = s.waitFor(target);
  await c.createMessage(client, conv, `burst ${n}`);
  await withTimeout(done, st.timeoutMs, () => `${s.count}/${target} bot signals`);
  st.sent += n;
  return s.count;
}

export function memoryClose(st) {
  st.l.close();
}

// The memory case's result from heap readings `{ heapUsed, wasm }` taken when the
// listener connected (`start`), after the warm-up (`before`) and at the end
// (`after`): JS heap growth from after the warm-up, wasm growth from the start
// (linear memory never shrinks, so that is its peak).
export function memoryResult({ n, ms, start, before, after }) {
  const jsHeapGrowth = after.heapUsed - before.heapUsed;
  const wasmGrowth = after.wasm - start.wasm;
  return { n, ms, start, before, after, jsHeapGrowth, wasmGrowth, growth: jsHeapGrowth + wasmGrowth };
}
