// The JS realtime facade of the package's `require` entry (pkg/node.cjs) against chat-server:
// SignalListener events, async iteration, stream assembly, reconnecting, closing,
// many listeners, since, decodeSignal. The chat-server (--keepalive-secs 0, so idle
// connections trip short watchdogs) and the fault proxy in front of it are started here
// and stopped after the tests, unless REALTIME_JS_URL, REALTIME_JS_PROXY_URL and
// REALTIME_JS_CONTROL_URL name running ones.
//   node --experimental-websocket --test tests/js/realtime.test.mjs
//   (Node 22+ without the flag; needs pkg/ and target/debug/chat-server)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { ROOT, startChatServer, startProcess } from '../e2e/harness.mjs';

const fixtures = [];
if (!process.env.REALTIME_JS_URL) {
  const server = await startChatServer(['--keepalive-secs', '0', '--bot-delay-ms', '5'], { name: 'realtime-js' });
  fixtures.push(server);
  const proxy = await startProcess(
    process.execPath,
    [`${ROOT}/tests/support/fault-proxy.mjs`, '--target', server.url.replace('http://', ''), '--exit-after', '600'],
    { ready: /^PROXY (\S+) (\S+)/m },
  );
  fixtures.push(proxy);
  Object.assign(process.env, {
    REALTIME_JS_URL: server.url,
    REALTIME_JS_PROXY_URL: proxy.match[1],
    REALTIME_JS_CONTROL_URL: proxy.match[2],
  });
}
after(() => {
  for (const f of fixtures) f.stop();
});

const require = createRequire(import.meta.url);
const URL_ = process.env.REALTIME_JS_URL;
const pkg = require('../../pkg/node.cjs');
const { ChatClient, decodeSignal } = pkg;
const API = () => `${URL_}/local`;

function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function within(promise, ms, what) {
  let t;
  const timeout = new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(t));
}

/** Resolves with the first `type` event whose data passes `pred`. */
function waitFor(listener, type, pred = () => true, ms = 10_000) {
  const d = deferred();
  const fn = (data) => {
    if (pred(data)) {
      listener.off(type, fn);
      d.resolve(data);
    }
  };
  listener.on(type, fn);
  return within(d.promise, ms, type);
}

async function setup() {
  const client = await ChatClient.connect({ apiUrl: API() });
  const { conversation } = await client.createConversation({});
  return { client, conv: conversation.id };
}

const say = (client, conv, text) =>
  client.createMessage({ conversationId: conv, payload: { type: 'text', text } }).then((r) => r.message);

test('events carry the signal data; once, onceOrMore and off', async () => {
  const { client, conv } = await setup();
  const listener = await client.listenConversation({ id: conv });
  assert.equal(listener.status, 'connected');

  const seen = [];
  const all = (d) => seen.push(d);
  let onceCount = 0;
  let moreCount = 0;
  listener.on('message_created', all);
  listener.once('message_created', () => onceCount++);
  listener.onceOrMore('message_created', () => (++moreCount === 2 ? 'stop-listening' : 'keep-listening'));

  const own = waitFor(listener, 'message_created', (d) => !d.isBot);
  const bot = waitFor(listener, 'message_created', (d) => d.isBot);
  const m = await say(client, conv, 'hello');
  const ownData = await own;
  assert.equal(ownData.id, m.id);
  assert.equal(ownData.payload.text, 'hello');
  assert.equal(ownData.isBot, false);
  const botData = await bot;
  assert.equal(botData.payload.text, 'hello');

  listener.off('message_created', all);
  await say(client, conv, 'again');
  await waitFor(listener, 'message_created', (d) => d.isBot && d.payload.text === 'again');
  assert.equal(seen.length, 2, 'off() removed the handler');
  assert.equal(onceCount, 1);
  assert.equal(moreCount, 2, "onceOrMore stopped on 'stop-listening'");

  // emit() calls the callbacks of a type as a signal would; cleanup() removes every callback.
  const emitted = [];
  listener.on('participant_added', (d) => emitted.push(d));
  listener.emit('participant_added', { conversationId: conv, participantId: 'p' });
  assert.deepEqual(emitted, [{ conversationId: conv, participantId: 'p' }]);
  listener.cleanup();
  listener.emit('participant_added', { conversationId: conv, participantId: 'q' });
  assert.equal(emitted.length, 1, 'cleanup() removed the callback');

  const closed = new Promise((resolve) => listener.on('close', resolve));
  const done = listener.disconnect();
  assert.ok(done instanceof Promise, 'disconnect() returns a promise, as in @botpress/chat');
  await done;
  await closed;
  assert.equal(listener.status, 'disconnected');
});

test('async iteration yields {type, data}; break keeps the listener', async () => {
  const { client, conv } = await setup();
  const listener = await client.listenConversation({ id: conv });
  const got = [];
  const done = (async () => {
    for await (const s of listener) {
      got.push(s);
      if (got.length === 2) break;
    }
  })();
  await say(client, conv, 'iterate');
  await within(done, 10_000, 'two signals');
  assert.deepEqual(got.map((s) => [s.type, s.data.isBot]), [['message_created', false], ['message_created', true]]);
  assert.equal(listener.status, 'connected');

  // A pending iteration ends when the listener is disconnected.
  const it = listener[Symbol.asyncIterator]();
  const pending = it.next();
  listener.disconnect();
  assert.deepEqual(await pending, { value: undefined, done: true });
});

test('streamedMessage assembles deltas and resolves on completion', async () => {
  const { client, conv } = await setup();
  const listener = await client.listenConversation({ id: conv });
  try {
    const progress = [];
    const started = deferred();
    // Asked from inside the first delta's callback: nothing can be missed.
    listener.once('message_stream_delta', (d) =>
      started.resolve([d.streamId, listener.streamedMessage(d.streamId, (text) => progress.push(text))]),
    );
    await say(client, conv, 'stream 5');
    const [streamId, completion] = await within(started.promise, 10_000, 'first delta');
    const result = await within(completion, 10_000, 'stream completion');
    assert.equal(result.streamId, streamId);
    assert.equal(result.text, result.message.payload.text);
    assert.ok(progress.length >= 1);
    assert.ok(result.text.startsWith(progress[0]));
    // A late caller still gets the outcome.
    assert.equal((await listener.streamedMessage(streamId)).text, result.text);
  } finally {
    listener.disconnect();
  }
});

test('watchdog: reconnects by itself and delivers what was missed exactly once', async () => {
  const { client, conv } = await setup();
  const listener = await client.listenConversation({ id: conv, timeoutMs: 400 });
  const reconnecting = waitFor(listener, 'reconnecting');
  const ev = await reconnecting;
  assert.equal(ev.error.type, 'Timeout');
  assert.equal(ev.error.message, 'Client connection timed out');
  assert.equal(typeof ev.delayMs, 'number');
  // Sent while the listener is between connections (or just back).
  const ids = [];
  let replies = 0;
  listener.on('message_created', (d) => (ids.push(d.id), d.isBot && replies++));
  const reconnected = waitFor(listener, 'reconnected');
  const m = await say(client, conv, 'while away');
  await reconnected;
  for (let i = 0; i < 200 && replies === 0; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(replies, 1, "the bot's reply arrives once");
  assert.equal(ids.filter((id) => id === m.id).length, 1, 'delivered exactly once');
  listener.disconnect();
});

test("reconnect: false gives the official behaviour: 'error' then 'close'", async () => {
  const { client, conv } = await setup();
  const listener = await client.listenConversation({ id: conv, reconnect: false, timeoutMs: 300 });
  const order = [];
  const closed = deferred();
  listener.on('error', (e) => order.push(['error', e.type, e.message]));
  listener.on('close', () => {
    order.push(['close']);
    closed.resolve();
  });
  await within(closed.promise, 5_000, 'close');
  assert.deepEqual(order, [['error', 'Timeout', 'Client connection timed out'], ['close']]);
  assert.equal(listener.status, 'disconnected');
  // connect() opens it again.
  await listener.connect();
  assert.equal(listener.status, 'connected');
  listener.disconnect();
});

for (const protocol of ['sse', 'websocket']) {
  test(`a removed participant's listener closes (${protocol})`, { skip: (protocol === 'websocket' && typeof WebSocket === 'undefined' ? 'no WebSocket in this Node' : false) }, async () => {
    const { client, conv } = await setup();
    const bob = await ChatClient.connect({ apiUrl: API() });
    await client.addParticipant({ conversationId: conv, userId: bob.user.id });
    const listener = await bob.listenConversation({ id: conv, protocol });
    const error = waitFor(listener, 'error');
    const closed = waitFor(listener, 'close');
    await client.removeParticipant({ conversationId: conv, userId: bob.user.id });
    const e = await error;
    await closed;
    assert.equal(e.type, 'Forbidden');
    assert.equal(e.code, 403);
    assert.equal(listener.status, 'disconnected');
  });
}

test('state: connecting, connected, reconnecting after a cut, connected, closed; failed on a final error', async () => {
  const proxy = `${process.env.REALTIME_JS_PROXY_URL}/local`;
  const control = (path) => fetch(`${process.env.REALTIME_JS_CONTROL_URL}${path}`, { method: 'POST' });
  const client = await ChatClient.connect({ apiUrl: proxy });
  const { conversation } = await client.createConversation({});
  const listener = await client.listenConversation({ id: conversation.id, backoff: { baseMs: 50, maxMs: 100 } });
  assert.equal(listener.state, 'connected');
  const changes = [];
  listener.on('state', ({ state, previous }) => changes.push(`${previous}>${state}`));
  const back = waitFor(listener, 'state', (e) => e.state === 'connected');
  await control('/cut');
  await back;
  listener.disconnect();
  assert.equal(listener.state, 'closed');
  assert.deepEqual(changes, ['connected>reconnecting', 'reconnecting>connected', 'connected>closed']);

  const failed = await client.listenConversation({ id: conversation.id, reconnect: false, timeoutMs: 200 });
  const end = waitFor(failed, 'state', (e) => e.state === 'failed');
  await control('/silence');
  assert.deepEqual(await end, { state: 'failed', previous: 'connected' });
  await control('/normal');
  assert.equal(failed.state, 'failed');
});

test('many listeners at once, all released on disconnect', async () => {
  const { client, conv } = await setup();
  const listeners = await Promise.all(Array.from({ length: 40 }, () => client.listenConversation({ id: conv })));
  const all = Promise.all(listeners.map((l) => waitFor(l, 'message_created', (d) => d.isBot)));
  await say(client, conv, 'to everyone');
  const got = await all;
  assert.equal(got.length, 40);
  for (const l of listeners) l.disconnect();
  assert.ok(listeners.every((l) => l.status === 'disconnected'));
  // Nothing keeps the process alive: node --test would not finish otherwise.
});

test('disconnect while connecting aborts the attempt and releases the request', async () => {
  const { client, conv } = await setup();
  const listener = await client.listenConversation({ id: conv });
  listener.disconnect();
  const attempt = listener.connect();
  assert.equal(listener.status, 'connecting');
  listener.disconnect();
  await assert.rejects(attempt, (e) => e.type === 'Aborted');
  assert.equal(listener.status, 'disconnected');
  // An open request would keep node --test from finishing.
});

test('faults: 20+ random cuts while 1,000+ messages arrive, each exactly once and in order', async () => {
  const proxy = `${process.env.REALTIME_JS_PROXY_URL}/local`;
  const control = (path, method = 'POST') =>
    fetch(`${process.env.REALTIME_JS_CONTROL_URL}${path}`, { method }).then((r) => r.json());
  const client = await ChatClient.connect({ apiUrl: proxy });
  const { conversation } = await client.createConversation({});
  const conv = conversation.id;
  const listener = await client.listenConversation({ id: conv, timeoutMs: 5_000, backoff: { baseMs: 20, maxMs: 300 } });
  try {
    const seen = [];
    const all = deferred();
    let total = Infinity;
    listener.on('message_created', (d) => {
      seen.push(d.id);
      if (seen.length >= total) all.resolve();
    });
    const before = (await control('/stats', 'GET')).cuts;
    await control('/chaos?min=30&max=100&count=30&chunk=600&delay=2');
    // 20 bursts, and more (up to 40) until the proxy has cut 20 times: how many cuts
    // fit in 20 bursts depends on the machine's speed.
    let bursts = 0;
    while (bursts < 20 || (bursts < 40 && (await control('/stats', 'GET')).cuts - before < 20)) {
      await say(client, conv, 'burst 50');
      bursts++;
      await new Promise((r) => setTimeout(r, 120));
    }
    total = bursts * 51;
    if (seen.length >= total) all.resolve();
    await within(all.promise, 90_000, `${total} messages (got ${seen.length})`);
    const cuts = (await control('/stats', 'GET')).cuts - before;
    await control('/normal');
    const truth = [];
    for await (const m of client.list.messages({ conversationId: conv })) truth.push(m.id);
    console.log(`JS fault test: ${seen.length} messages, ${cuts} cuts, ${seen.length - new Set(seen).size} duplicates`);
    assert.equal(new Set(seen).size, seen.length, 'no duplicates');
    assert.deepEqual(seen, truth, 'every message once, in order');
    assert.ok(cuts >= 20, `only ${cuts} cuts`);
  } finally {
    listener.disconnect();
    await control('/normal');
  }
});

test('since: the messages after a message, an id or a time first, then live ones, each once', async () => {
  const { client, conv } = await setup();
  for (let i = 0; i < 6; i++) await say(client, conv, `h${i}`);
  const list = () => client.list.messages({ conversationId: conv }).collect();
  let history = [];
  for (let tries = 0; tries < 100 && history.length < 12; tries++) {
    await new Promise((r) => setTimeout(r, 30));
    history = await list();
  }
  assert.equal(history.length, 12, 'six messages and six echoes');
  const mark = (m) => `${m.isBot ? 'bot' : 'me'}:${m.payload.text}`;
  for (const since of [history[5], history[5].id, history[5].createdAt]) {
    const all = (await list()).map((m) => ({ ...m, isBot: m.userId !== client.user.id }));
    // After a message: those listed after it; after a time: those created later.
    const after = typeof since === 'string' && since === history[5].createdAt
      ? all.filter((m) => m.createdAt > since)
      : all.slice(all.findIndex((m) => m.id === history[5].id) + 1);
    const listener = await client.listenConversation({ id: conv, since });
    const got = [];
    const done = deferred();
    listener.on('message_created', (m) => {
      got.push(m);
      if (got.length >= after.length + 2) done.resolve();
    });
    await say(client, conv, 'live');
    await within(done.promise, 10_000, `${after.length} listed and 2 live messages (got ${got.length})`);
    await new Promise((r) => setTimeout(r, 100));
    listener.disconnect();
    const what = typeof since === 'object' ? 'a message' : since;
    assert.deepEqual(got.slice(0, after.length).map(mark), after.map(mark), `since ${what}`);
    assert.deepEqual(got.slice(after.length).map(mark), ['me:live', 'bot:live'], `since ${what}`);
    assert.equal(new Set(got.map((m) => m.id)).size, got.length, 'no duplicates');
  }
});

test('since naming no message of the conversation ends the listener with an error', async () => {
  const { client, conv } = await setup();
  const listener = await client.listenConversation({ id: conv, since: 'msg_nowhere' });
  const error = await waitFor(listener, 'error');
  assert.equal(error.type, 'ResourceNotFound');
  assert.match(error.message, /msg_nowhere/);
  assert.equal(listener.status, 'disconnected');
});

test('invalid options are rejected before connecting', async () => {
  const { client } = await setup();
  await assert.rejects(client.listenConversation({}), (e) => e.type === 'InvalidPayload' && /id/.test(e.message));
  await assert.rejects(client.listenConversation({ id: 'x', protocol: 'carrier-pigeon' }), (e) => e.type === 'Config');
  await assert.rejects(client.listenConversation({ id: 'x', timeoutMs: -1 }), (e) => e.type === 'Config');
  await assert.rejects(client.listenConversation({ id: 'x', since: 5 }), (e) => e.type === 'InvalidPayload' && /since/.test(e.message));
  await assert.rejects(client.listenConversation({ id: 'not-mine' }), (e) => [403, 404].includes(e.code) && e.isApiError);
});

test('decodeSignal validates webhook bodies', () => {
  const env = {
    type: 'participant_added',
    data: { conversationId: 'c', participantId: 'p' },
  };
  assert.deepEqual(decodeSignal(JSON.stringify(env)), env);
  assert.deepEqual(decodeSignal(env), env);
  const future = { type: 'typing_started', data: { x: 1 } };
  assert.deepEqual(decodeSignal(future), { type: 'unknown', data: future });
  assert.throws(() => decodeSignal('not json'), (e) => e.type === 'Decode');
  assert.throws(() => decodeSignal({ data: {} }), (e) => e.type === 'Decode' && /type/.test(e.message));
  assert.throws(
    () => decodeSignal({ type: 'message_deleted', data: { id: 5 } }),
    (e) => e.type === 'Decode' && /message_deleted/.test(e.message) && /data\.id/.test(e.message),
  );
  assert.throws(
    () => decodeSignal({ type: 'message_stream_complete', data: { streamId: 's', message: { id: 'm' } } }),
    (e) => e.type === 'Decode' && /data\.message: missing field `createdAt`/.test(e.message),
  );
});
