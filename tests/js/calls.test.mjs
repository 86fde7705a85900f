// The per-call path in JS (src/js/calls.js) against the path compiled from Rust, on the
// built Node package (pkg-node/): for the same arguments and the same answers, both must
// decide the same (send or refuse, with the same typed error), and the JS path must not
// cross into wasm for a well-formed success. The compiled path is the one a call takes
// when it is given call options (`{}` here). Servers: chat-server in shared mode with
// --test-faults, started here and stopped after the tests.
//   node --test tests/js/calls.test.mjs   (needs pkg-node/ and target/debug/chat-server)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import http from 'node:http';
import { startChatServer } from '../e2e/harness.mjs';

// Every call between wasm and JS, counted while `counting` (imports and exports of the
// instance the package makes).
let counting = false;
let crossings = 0;
const Instance = WebAssembly.Instance;
WebAssembly.Instance = function (module, imports) {
  const count = (f) => function (...a) {
    if (counting) crossings++;
    return f.apply(this, a);
  };
  const wrapped = {};
  for (const [ns, fns] of Object.entries(imports)) {
    wrapped[ns] = {};
    for (const [k, f] of Object.entries(fns)) wrapped[ns][k] = typeof f === 'function' ? count(f) : f;
  }
  const instance = new Instance(module, wrapped);
  const exports = {};
  for (const [k, f] of Object.entries(instance.exports)) exports[k] = typeof f === 'function' ? count(f) : f;
  return { exports };
};
const { ChatClient, Client } = createRequire(import.meta.url)('../../pkg-node/botpress_chat_wasm.js');
WebAssembly.Instance = Instance;

let server;
before(async () => {
  server = await startChatServer(['--test-faults', '--bot-delay-ms', '0'], { name: 'calls-js' });
});
after(() => server && server.stop());

// What a call decided, without what differs from call to call (ids, times).
async function outcome(promise) {
  try {
    const v = await promise;
    return { sent: true, ok: true, keys: Object.keys(v).sort().join(',') };
  } catch (e) {
    const refused = / \(checked by the client before sending\)$/.test(e.message);
    return refused ? { refused: e.constructor.name, message: e.message } : { sent: true, error: e.constructor.name };
  }
}

const PAYLOADS = [
  { type: 'text', text: 'hi' }, { type: 'text', text: '' }, { type: 'text' }, { type: 'text', text: 5 },
  { type: 'text', text: 'hi', metadata: {} }, { type: 'nope' }, { type: 5 }, {},
  { type: 'markdown', markdown: '**b**' }, { type: 'image', imageUrl: '' },
  { type: 'file', fileUrl: 'https://x/f', title: null }, { type: 'file', fileUrl: 'https://x/f', title: '' },
  { type: 'location', latitude: 1, longitude: 2 }, { type: 'location', latitude: 1, longitude: '2' },
  { type: 'location', latitude: 1 },
  { type: 'card', title: 't', actions: [{ action: 'url', label: 'l', value: 'https://x' }] },
  { type: 'card', title: 't', actions: [{ action: 'nope', label: 'l', value: 'v' }] },
  { type: 'card', title: 't', actions: [{ action: 'say', label: '', value: 'v' }] },
  { type: 'card', title: 't', actions: null }, { type: 'card', title: 't', actions: [5] },
  { type: 'choice', text: 'pick', options: [{ label: 'a', value: 'a' }] },
  { type: 'choice', text: 'pick', options: [{ label: 'a' }] },
  { type: 'carousel', items: [{ type: 'card', title: 't', actions: [] }] },
  { type: 'carousel', items: [{ title: 't', actions: [] }] },
  { type: 'bloc', items: [{ type: 'text', text: 'a' }, { type: 'image', imageUrl: 'https://x' }] },
  { type: 'bloc', items: [{ type: 'card', title: 't', actions: [] }] },
  { type: 'bloc', items: [{ type: 'text', text: '' }] }, { type: 'bloc', items: [{}] },
];
const VALUES = [undefined, null, '', 'x', 'a b/c?d', '\ud800', 'x'.repeat(1001), 'é'.repeat(600), 5, true, [], {}, { a: 1 }];

test('arguments: the JS path refuses and sends exactly what the compiled path does', async () => {
  const c = await ChatClient.connect({ apiUrl: server.apiUrl });
  const { conversation } = await c.createConversation({});
  const base = {
    createMessage: { conversationId: conversation.id, payload: { type: 'text', text: 'hi' }, metadata: { k: 'v' } },
    createEvent: { conversationId: conversation.id, payload: { a: 1 } },
    updateUser: { name: 'n', pictureUrl: 'https://x/p', profile: 'p' },
    getConversation: { id: conversation.id },
    getOrCreateConversation: { id: `conv_${process.pid}` },
    listMessages: { conversationId: conversation.id, nextToken: undefined },
    listConversations: {},
    getParticipant: { conversationId: conversation.id, userId: c.user.id },
  };
  let compared = 0;
  let refused = 0;
  for (const [op, args] of Object.entries(base)) {
    const fields = [...Object.keys(args), 'extra'];
    const variants = [args, undefined, null, 5, []];
    for (const f of fields) for (const v of f === 'payload' ? [...PAYLOADS, ...VALUES] : VALUES) variants.push({ ...args, [f]: v });
    for (const a of variants) {
      const fast = await outcome(c[op](a));
      const compiled = await outcome(c[op](a, {}));
      // What the server answers may differ (a conversation created by the first call
      // exists for the second); whether and why the client refused may not.
      assert.deepEqual(fast.refused ? fast : { sent: fast.sent }, compiled.refused ? compiled : { sent: compiled.sent },
        `${op}(${JSON.stringify(a)})`);
      compared++;
      if (compiled.refused) refused++;
    }
  }
  assert.ok(compared > 300 && refused > 100, `${compared} compared, ${refused} refused`);
});

test('keys of Client calls: the JS path refuses and sends exactly what the compiled path does', async () => {
  const c = new Client({ apiUrl: server.apiUrl });
  const { key } = await c.createUser({});
  for (const k of [key, undefined, null, '', 5, 'bad\nkey', 'k\u0100', `${key} `]) {
    for (const [op, args] of [['getUser', {}], ['createUser', { name: 'n' }], ['listConversations', {}]]) {
      const a = k === undefined ? args : { ...args, 'x-user-key': k };
      const fast = await outcome(c[op](a));
      const compiled = await outcome(c[op](a, {}));
      assert.deepEqual(fast.refused ? fast : { sent: fast.sent }, compiled.refused ? compiled : { sent: compiled.sent },
        `${op} with key ${JSON.stringify(k)}`);
    }
  }
});

const FAULTS = [
  'html500', 'text500', 'empty200', 'empty500', 'truncated', 'wrongtypes', 'huge', 'chunked', 'hugechunked',
  'gzipped', 'code2xx', 'bare400', 'bare404', 'notjson200', 'flaky', 'ratelimit', 'slow', 'no-such-case',
];

test('answers: each malformed or failed answer is the same typed error on both paths', async () => {
  for (const fault of FAULTS) {
    const c = new Client({ apiUrl: `${server.url}/_fault/${fault}`, retry: { baseDelayMs: 0 }, timeout: fault === 'slow' ? 300 : 5000 });
    await c.getUser({ 'x-user-key': 'k' }).catch(() => {}); // the /hello check passes: the JS path is open
    const run = async (options) => {
      try {
        const v = await c.getUser({ 'x-user-key': 'k' }, options);
        return { ok: Object.keys(v).sort().join(',') };
      } catch (e) {
        return { name: e.constructor.name, message: e.message, code: e.code, status: e.status };
      }
    };
    assert.deepEqual(await run(undefined), await run({}), fault);
  }
});

test('a warm call that succeeds does not cross into wasm; one whose answer is malformed does', async () => {
  const c = await ChatClient.connect({ apiUrl: server.apiUrl });
  const { conversation } = await c.createConversation({});
  const args = { conversationId: conversation.id, payload: { type: 'text', text: 'hi' } };
  await c.createMessage(args);
  crossings = 0;
  counting = true;
  const m = await c.createMessage(args);
  counting = false;
  assert.equal(m.message.payload.text, 'hi');
  assert.equal(crossings, 0);

  const f = new Client({ apiUrl: `${server.url}/_fault/code2xx` });
  await f.getUser({ 'x-user-key': 'k' }).catch(() => {});
  crossings = 0;
  counting = true;
  const e = await f.getUser({ 'x-user-key': 'k' }).catch((e) => e);
  counting = false;
  assert.equal(e.constructor.name, 'ChatHTTPError');
  assert.ok(crossings > 0);
});

test('both paths send the same request: method, URL, headers (the client\'s own too) and body', async () => {
  // A loopback server that records what reaches it and answers like chat-server.
  const seen = [];
  const recorder = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url.endsWith('/hello')) return res.end('hello');
      seen.push({ method: req.method, url: req.url, extra: req.headers['x-extra'], key: req.headers['x-user-key'],
        type: req.headers['content-type'], body });
      const now = new Date().toISOString();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ message: { id: 'msg_1', createdAt: now, conversationId: 'c 1', userId: 'u', payload: { type: 'text', text: 'hi' } } }));
    });
  });
  await new Promise((r) => recorder.listen(0, '127.0.0.1', r));
  try {
    const c = new Client({ apiUrl: `http://127.0.0.1:${recorder.address().port}/local`, headers: { 'x-extra': 'v' } });
    const args = { 'x-user-key': 'k', conversationId: 'c 1', payload: { type: 'text', text: 'hi' }, metadata: { a: 1 }, other: 5 };
    await c.createMessage(args, {}); // the /hello check passes: the JS path is open
    seen.length = 0;
    await c.createMessage(args);
    await c.createMessage(args, {});
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[0], seen[1]);
    assert.deepEqual(seen[0], {
      method: 'POST', url: '/local/messages', extra: 'v', key: 'k', type: 'application/json',
      body: JSON.stringify({ conversationId: 'c 1', payload: { type: 'text', text: 'hi' }, metadata: { a: 1 } }),
    });
  } finally {
    await new Promise((r) => recorder.close(r));
  }
});

test('arguments whose getter throws: a typed refusal on both paths, never a throw from the call', async () => {
  const c = await ChatClient.connect({ apiUrl: server.apiUrl });
  const args = { payload: { type: 'text', text: 'hi' } };
  Object.defineProperty(args, 'conversationId', { enumerable: true, get() { throw new Error('boom'); } });
  const fast = await outcome(c.createMessage(args));
  const compiled = await outcome(c.createMessage(args, {}));
  assert.deepEqual(fast, compiled);
  assert.equal(fast.refused, 'InvalidPayloadError');
});
