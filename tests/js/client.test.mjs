// The JS facade of the package's `require` entry (pkg/node.cjs) against chat-server: two servers
// (shared mode with --page-size 3 --test-faults, and manual mode with an encryption key),
// started here and stopped after the tests, unless CLIENT_SHARED_URL, CLIENT_MANUAL_URL and
// CLIENT_ENCRYPTION_KEY name running ones.
//   node --test tests/js/client.test.mjs   (needs pkg/ and target/debug/chat-server)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { startChatServer } from '../e2e/harness.mjs';

const servers = [];
before(async () => {
  if (process.env.CLIENT_SHARED_URL) return;
  const key = `client-js-key-${process.pid}`;
  const shared = await startChatServer(['--page-size', '3', '--test-faults', '--bot-delay-ms', '10'], { name: 'client-js-shared' });
  const manual = await startChatServer(['--encryption-key', key, '--test-faults'], { name: 'client-js-manual' });
  servers.push(shared, manual);
  Object.assign(process.env, { CLIENT_SHARED_URL: shared.url, CLIENT_MANUAL_URL: manual.url, CLIENT_ENCRYPTION_KEY: key });
});
after(() => {
  for (const s of servers) s.stop();
});

const require = createRequire(import.meta.url);
const {
  ChatClient, Client, isApiError, UnknownError, ChatClientError, ChatHTTPError, ChatConfigError, TimeoutError,
  InvalidPayloadError, ForbiddenError,
} = require('../../pkg/node.cjs');

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}
const SHARED = () => `${env('CLIENT_SHARED_URL')}/local`;
const MANUAL = () => `${env('CLIENT_MANUAL_URL')}/local`;
const FAULT = (c) => `${env('CLIENT_SHARED_URL')}/_fault/${c}`;
const unique = (p) => `${p}_${Math.random().toString(36).slice(2, 10)}`;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

async function rejects(promise, check) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, 'expected a rejection');
  assert.ok(error instanceof Error, 'rejections are Error objects');
  for (const [k, v] of Object.entries(check)) {
    if (v instanceof RegExp) assert.match(error[k], v, `${k}: ${error[k]}`);
    else assert.deepEqual(error[k], v, `${k}: ${error.message}`);
  }
  return error;
}

const isPlain = (o) => o !== null && typeof o === 'object' && Object.getPrototypeOf(o) === Object.prototype;

test('connect creates a user; every authenticated operation works', async () => {
  const client = await ChatClient.connect({ apiUrl: SHARED() });
  assert.equal(client.apiVersion, '1.0.0');
  assert.equal(client.apiUrl, SHARED());
  assert.ok(isPlain(client.user));
  assert.match(client.user.createdAt, ISO);
  assert.equal(client.user.key, client.key);
  assert.ok(client.key.split('.').length === 3);
  // The user object as the server sent it (its field order), then the key.
  assert.deepEqual(Object.keys(client.user), ['id', 'createdAt', 'updatedAt', 'key']);

  const { user } = await client.getUser();
  assert.equal(user.id, client.user.id);
  assert.equal((await client.updateUser({ name: 'Ada', pictureUrl: undefined })).user.name, 'Ada');

  const { conversation } = await client.createConversation({});
  assert.ok(isPlain(conversation));
  assert.match(conversation.updatedAt, ISO);
  assert.equal((await client.getConversation({ id: conversation.id })).conversation.id, conversation.id);
  const fid = unique('conv');
  assert.equal((await client.getOrCreateConversation({ id: fid })).conversation.id, fid);
  const { conversations, meta } = await client.listConversations({});
  assert.ok(Array.isArray(conversations) && isPlain(meta));

  const metadata = { source: 'test', nested: { n: 1, list: [true, null, 'x'] } };
  const { message } = await client.createMessage({
    conversationId: conversation.id,
    payload: { type: 'text', text: 'hi' },
    metadata,
  });
  assert.deepEqual(message.payload, { type: 'text', text: 'hi' });
  assert.deepEqual(message.metadata, metadata);
  assert.ok(isPlain(message.metadata));
  assert.equal((await client.getMessage({ id: message.id })).message.id, message.id);
  const { messages } = await client.listMessages({ conversationId: conversation.id });
  assert.ok(messages.some((m) => m.id === message.id));
  assert.deepEqual(await client.deleteMessage({ id: message.id }), {});

  const { event } = await client.createEvent({ conversationId: conversation.id, payload: { a: [1, 2] } });
  assert.deepEqual(event.payload, { a: [1, 2] });
  assert.equal((await client.getEvent({ id: event.id })).event.id, event.id);

  const other = await ChatClient.connect({ apiUrl: SHARED() });
  const added = await client.addParticipant({ conversationId: conversation.id, userId: other.user.id });
  assert.equal(added.participant.id, other.user.id);
  assert.equal(
    (await client.getParticipant({ conversationId: conversation.id, userId: other.user.id })).participant.id,
    other.user.id,
  );
  const { participants } = await other.listParticipants({ conversationId: conversation.id });
  assert.ok(participants.some((p) => p.id === other.user.id));
  assert.deepEqual(await client.removeParticipant({ conversationId: conversation.id, userId: other.user.id }), {});
  assert.deepEqual(await client.deleteConversation({ id: conversation.id }), {});
  assert.deepEqual(await other.deleteUser(), {});
  // Not exposed on a connected client, as in @botpress/chat.
  assert.equal(client.createUser, undefined);
  assert.equal(client.getOrCreateUser, undefined);
});

test('Client takes x-user-key on every call', async () => {
  const props = { apiUrl: SHARED() };
  const anon = new Client(props);
  assert.equal(anon.props, props, 'props as given');
  assert.equal(anon.apiVersion, '1.0.0');
  const id = unique('user');
  const { user, key } = await anon.createUser({ id, name: 'Bob' });
  assert.equal(user.id, id);
  assert.equal((await anon.getUser({ 'x-user-key': key })).user.name, 'Bob');
  assert.equal((await anon.getOrCreateUser({ 'x-user-key': key, name: 'Bob' })).user.id, id);
  const { conversation } = await anon.createConversation({ 'x-user-key': key });
  const all = await anon.list.conversations({ 'x-user-key': key }).collect();
  assert.ok(all.some((c) => c.id === conversation.id));
  await rejects(anon.getUser({}), {
    type: 'Unauthorized',
    message: 'getUser: x-user-key is required (checked by the client before sending)',
    isApiError: true,
  });
  await rejects(anon.createUser({ id }), { type: 'AlreadyExists', code: 409, isApiError: true });
  // Static connect, as in @botpress/chat.
  const c = await Client.connect({ apiUrl: SHARED(), userKey: key });
  assert.equal(c.user.id, id);
});

test('errors are Error objects with type, code, message, id and isApiError', async () => {
  const a = await ChatClient.connect({ apiUrl: SHARED() });
  const b = await ChatClient.connect({ apiUrl: SHARED() });
  const { conversation } = await a.createConversation({});
  const e = await rejects(b.getConversation({ id: conversation.id }), {
    name: 'ForbiddenError',
    type: 'Forbidden',
    code: 403,
    isApiError: true,
    id: /^err_/,
  });
  assert.ok(isApiError(e));
  assert.ok(e instanceof ForbiddenError);
  assert.ok(!isApiError(new Error('x')));
  assert.ok(!isApiError(null));

  await rejects(new Client({ apiUrl: SHARED() }).getUser({ 'x-user-key': 'nope' }), { type: 'Unauthorized', code: 401 });
  await rejects(a.getMessage({ id: 'msg_unknown' }), { type: 'ResourceNotFound', code: 404 });
  await rejects(a.createConversation({ id: 'bad id!' }), { type: 'InvalidPayload', code: 400 });
  await rejects(a.createConversation({ id: conversation.id }), { type: 'AlreadyExists', code: 409 });
  await rejects(
    a.removeParticipant({ conversationId: conversation.id, userId: a.user.id }),
    { type: 'InvalidPayload', code: 400 },
  );
});

test('invalid arguments reject, name the field and never reach the network', async () => {
  // Nothing listens on port 9: a request would be a Network error.
  const c = new Client({ apiUrl: 'http://127.0.0.1:9' });
  const key = { 'x-user-key': 'k' };
  await rejects(c.createMessage({ ...key }), { type: 'InvalidPayload', message: /conversationId/ });
  await rejects(c.createMessage({ ...key, conversationId: 'c' }), { type: 'InvalidPayload', message: /payload/ });
  await rejects(c.createMessage({ ...key, conversationId: 'c', payload: { type: 'text', text: 5 } }), {
    type: 'InvalidPayload',
    message: /text: expected a string/,
  });
  const empty = await rejects(c.createMessage({ ...key, conversationId: 'c', payload: { type: 'text', text: '' } }), {
    type: 'InvalidPayload',
    message: /payload\.text: must be a non-empty string/,
  });
  await rejects(c.createMessage({ ...key, conversationId: 'c', payload: { type: 'bloc', items: [{ type: 'card' }] } }), {
    type: 'InvalidPayload',
    message: /items\[0\]\.type/,
  });
  await rejects(c.createMessage({ ...key, conversationId: 7, payload: { type: 'text', text: 'x' } }), {
    type: 'InvalidPayload',
    message: /conversationId: invalid type: integer `7`/,
  });
  await rejects(c.getMessage({ ...key }), { type: 'InvalidPayload', message: /missing field `id`/ });
  await rejects(c.getMessage({ ...key, id: '' }), {
    type: 'InvalidPayload',
    code: 400,
    message: 'getMessage: id: must be a non-empty string (checked by the client before sending)',
  });
  await rejects(c.getMessage('nope'), { type: 'InvalidPayload', message: /expected an object/ });
  await rejects(c.getMessage([1]), { type: 'InvalidPayload', message: /expected an object/ });
  await rejects(c.getUser({ 'x-user-key': 3 }), { type: 'Unauthorized', message: /x-user-key/ });
  // Values nested past the reader's depth are refused, not walked down the wasm stack.
  let deep = {}
  for (let i = 0; i < 200; i++) deep = { d: deep }
  await rejects(c.createEvent({ ...key, conversationId: 'c', payload: deep }), {
    type: 'InvalidPayload',
    message: /createEvent: the arguments cannot be sent as JSON: nested deeper than 128 levels/,
  });
  await rejects(c.updateUser({ ...key, profile: 'x'.repeat(1001) }), { type: 'InvalidPayload', message: /profile/ });
  assert.ok(empty instanceof InvalidPayloadError && isApiError(empty));
  await rejects(c.getUser(key, { timeout: -1 }), { type: 'Config', message: /timeout/ });
  await rejects(c.getUser(key, { signal: {} }), { type: 'Config', message: /signal/ });

  assert.throws(() => new Client({}), (e) => e.type === 'Config' && /apiUrl or webhookId/.test(e.message));
  assert.throws(() => new Client({ apiUrl: 5 }), (e) => e.type === 'Config' && /props/.test(e.message));
  assert.throws(() => new Client({ apiUrl: 'x', headers: { a: 1 } }), (e) => e.type === 'Config');
  assert.equal(new Client({ webhookId: 'wh' }).apiUrl, 'https://chat.botpress.cloud/wh');
  assert.equal(new Client({ webhookId: 'wh', baseApiUrl: 'http://h:1/' }).apiUrl, 'http://h:1/wh');
  await rejects(ChatClient.connect({ apiUrl: SHARED(), encryptionKey: 'k' }), {
    type: 'Config',
    message: 'userId is required with encryptionKey',
  });
  await rejects(ChatClient.connect({ apiUrl: SHARED(), encryptionKey: 'k', userId: '' }), {
    type: 'Config',
    message: 'userId is required with encryptionKey',
  });
  assert.ok(
    (await ChatClient.connect({ apiUrl: SHARED(), encryptionKey: 'k' }).catch((e) => e)) instanceof ChatConfigError,
  );
  // A failed connectivity check names the URL.
  const refused = await rejects(ChatClient.connect({ apiUrl: 'http://127.0.0.1:9' }), {
    name: 'ChatClientError',
    message: /^Failed to connect to url "http:\/\/127\.0\.0\.1:9"/,
  });
  assert.ok(refused instanceof ChatClientError && !(refused instanceof UnknownError));
});

function verifyHs256(token, secret) {
  const [h, p, s] = token.split('.');
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  assert.equal(s, expected, 'HS256 signature');
  return [JSON.parse(Buffer.from(h, 'base64url')), JSON.parse(Buffer.from(p, 'base64url'))];
}

test('manual mode: a key our client signs is accepted', async () => {
  const secret = env('CLIENT_ENCRYPTION_KEY');
  const userId = unique('signed');
  const before = Math.floor(Date.now() / 1000);
  const client = await ChatClient.connect({ apiUrl: MANUAL(), encryptionKey: secret, userId });
  assert.equal(client.user.id, userId);
  const [header, claims] = verifyHs256(client.key, secret);
  assert.equal(header.alg, 'HS256');
  assert.deepEqual(Object.keys(claims).sort(), ['iat', 'id']);
  assert.equal(claims.id, userId);
  assert.ok(claims.iat >= before - 1 && claims.iat <= Date.now() / 1000 + 1);
  assert.ok(!JSON.stringify(client.user).includes(secret));

  const { conversation } = await client.createConversation({});
  const { message } = await client.createMessage({ conversationId: conversation.id, payload: { type: 'text', text: 'x' } });
  assert.equal(message.userId, userId);
  // The key alone reconnects; a wrong secret does not.
  assert.equal((await ChatClient.connect({ apiUrl: MANUAL(), userKey: client.key })).user.id, userId);
  const e = await rejects(ChatClient.connect({ apiUrl: MANUAL(), encryptionKey: 'wrong', userId }), {
    type: 'Unauthorized',
    code: 401,
  });
  assert.ok(!e.message.includes('wrong'));
  await rejects(ChatClient.connect({ apiUrl: MANUAL() }), { type: 'Unauthorized' });
});

test('list.* iterate over every page and collect({limit})', async () => {
  const client = await ChatClient.connect({ apiUrl: SHARED() });
  const { conversation } = await client.createConversation({});
  const sent = [];
  for (let i = 0; i < 7; i++) {
    const { message } = await client.createMessage({ conversationId: conversation.id, payload: { type: 'text', text: `m${i}` } });
    sent.push(message.id);
  }
  // Let the echo bot's replies land so the list no longer changes.
  await new Promise((r) => setTimeout(r, 300));
  // Page size is 3: the first page is partial.
  const page = await client.listMessages({ conversationId: conversation.id });
  assert.equal(page.messages.length, 3);
  assert.ok(page.meta.nextToken);

  const seen = [];
  for await (const m of client.list.messages({ conversationId: conversation.id })) {
    assert.ok(isPlain(m));
    seen.push(m.id);
  }
  for (const id of sent) assert.ok(seen.includes(id), id);
  assert.equal(new Set(seen).size, seen.length);

  const five = await client.list.messages({ conversationId: conversation.id }).collect({ limit: 5 });
  assert.equal(five.length, 5);
  const all = await client.list.messages({ conversationId: conversation.id }).collect();
  assert.equal(all.length, seen.length);

  // break stops early.
  let n = 0;
  for await (const _ of client.list.messages({ conversationId: conversation.id })) {
    if (++n === 2) break;
  }
  assert.equal(n, 2);
  assert.ok((await client.list.conversations().collect()).some((c) => c.id === conversation.id));
  assert.ok((await client.list.participants({ conversationId: conversation.id }).collect()).some((p) => p.id === client.user.id));
  assert.equal(client.list, client.list);

  // Validation errors and API errors surface on iteration.
  await rejects(client.list.messages({}).collect(), { type: 'InvalidPayload', message: /conversationId/ });
  await rejects(client.list.messages({ conversationId: 'conv_unknown' }).next(), { isApiError: true });
});

test('debug: true logs each request with console.info, never the key', async () => {
  const lines = [];
  const info = console.info;
  console.info = (...args) => lines.push(args);
  let key;
  try {
    const quiet = await ChatClient.connect({ apiUrl: SHARED() });
    key = quiet.key;
    await quiet.getUser();
    assert.equal(lines.length, 0, 'nothing is logged without debug');
    const loud = await ChatClient.connect({ apiUrl: SHARED(), userKey: quiet.key, debug: true });
    await loud.getUser();
    await loud.getMessage({ id: 'msg_none' }).catch(() => {});
  } finally {
    console.info = info;
  }
  const line = lines.find((l) => l[1] === 'getUser');
  assert.ok(line, `a line for getUser: ${JSON.stringify(lines)}`);
  assert.deepEqual([line[0], line[2], line[4]], ['[chat]', 'GET', 200]);
  assert.match(line[3], /\/users\/me$/);
  assert.ok(lines.some((l) => l[1] === 'getMessage' && l[4] === 404), 'failures are logged with their status');
  assert.ok(!JSON.stringify(lines).includes(key), 'the key is never logged');
  await rejects(ChatClient.connect({ apiUrl: SHARED(), debug: 'yes' }), { type: 'Config', message: /debug/ });
});

test('timeout, abort and malformed answers', async () => {
  const slow = new Client({ apiUrl: FAULT('slow'), timeout: 300 });
  const timedOut = await rejects(slow.getUser({ 'x-user-key': 'k' }), { type: 'Timeout', name: 'TimeoutError', code: 500 });
  assert.ok(timedOut instanceof TimeoutError && timedOut instanceof UnknownError && isApiError(timedOut));
  const slow2 = new Client({ apiUrl: FAULT('slow') });
  await rejects(slow2.getUser({ 'x-user-key': 'k' }, { timeout: 200 }), { type: 'Timeout' });
  await rejects(slow2.getUser({ 'x-user-key': 'k' }, { signal: AbortSignal.timeout(150) }), {
    type: 'Aborted',
    name: 'AbortError',
  });
  const ctrl = new AbortController();
  const p = slow2.getUser({ 'x-user-key': 'k' }, { signal: ctrl.signal });
  setTimeout(() => ctrl.abort(), 50);
  await rejects(p, { type: 'Aborted' });

  const fault = (c) => new Client({ apiUrl: FAULT(c), retry: { baseDelayMs: 0 } }).getUser({ 'x-user-key': 'k' });
  await rejects(fault('truncated'), { type: 'Decode', message: /truncated JSON/ });
  await rejects(fault('wrongtypes'), { type: 'Decode', message: /invalid type/ });
  await rejects(fault('empty200'), { type: 'Decode', message: /empty body/ });
  await rejects(fault('notjson200'), { type: 'Decode', message: /got HTML/ });
  await rejects(fault('html500'), { type: 'Decode', message: /HTTP 500/ });
  await rejects(fault('huge'), { type: 'Decode', message: /exceeds the limit/ });
  // Failures without an API error body are UnknownError (with the HTTP status), as @botpress/chat reports them.
  await rejects(fault('text500'), { type: 'Unknown', code: 500, status: 500, isApiError: true });
  const wrapped = await rejects(fault('code2xx'), { name: 'ChatHTTPError', status: 429, message: 'slow down' });
  assert.ok(wrapped instanceof ChatHTTPError && !isApiError(wrapped));
  await rejects(fault('bare400'), { type: 'Unknown', code: 500, status: 400, id: /^err_\d{14}x[0-9A-F]{8}$/ });
  await rejects(fault('bare404'), { type: 'Unknown', status: 404 });
  await rejects(fault('ratelimit'), { type: 'RateLimited', code: 429 });
  assert.equal((await fault('flaky')).user.id, 'fault_user');
  const big = new Client({ apiUrl: FAULT('huge'), maxResponseBytes: 4 * 1024 * 1024 });
  assert.equal((await big.getUser({ 'x-user-key': 'k' })).user.id, 'fault_user');
});

test('classes keep their names in the minified package', () => {
  const pkg = require('../../pkg/node.cjs');
  for (const n of ['ChatClient', 'Client', 'SignalListener', 'SignalIterator', 'ChatClientError', 'ChatHTTPError',
    'ChatConfigError', 'UnknownError', 'ForbiddenError', 'NetworkError', 'TimeoutError', 'AbortError', 'DecodeError']) {
    assert.equal(pkg[n].name, n);
  }
  assert.equal(pkg.AuthenticatedClient, pkg.ChatClient);
  assert.equal(new pkg.ResourceNotFoundError('gone').name, 'ResourceNotFoundError');
});
