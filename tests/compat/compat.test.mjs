// Compatibility: the official @botpress/chat client against a freshly started chat-server,
// in shared-key mode and in manual (encryption key) mode.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Client } from '@botpress/chat';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = process.env.CHAT_SERVER || path.join(ROOT, 'target', 'debug', 'chat-server');
const servers = [];

function startServer(args = []) {
  const proc = spawn(BIN, ['--addr', '127.0.0.1:0', '--exit-after', '600', '--bot-delay-ms', '10', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  servers.push(proc);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('chat-server did not start within 30 s')), 30_000);
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`chat-server exited with ${code} before listening`)));
    createInterface({ input: proc.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (!m) return reject(new Error(`unexpected first line: ${line}`));
      resolve({ url: m[1], pid: proc.pid });
    });
  });
}

after(() => {
  for (const proc of servers) {
    if (proc.exitCode === null) process.kill(proc.pid, 'SIGTERM');
  }
});

function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Creates a conversation, listens, sends a text and waits for the bot's echo. */
async function roundTrip(client, label) {
  const { conversation } = await client.createConversation({});
  const listener = await client.listenConversation({ id: conversation.id });
  try {
    const seen = [];
    const echo = new Promise((resolve, reject) => {
      listener.on('message_created', (m) => {
        seen.push(m);
        if (m.isBot) resolve(m);
      });
      listener.on('error', reject);
    });
    const text = `hello from ${label}`;
    const { message } = await client.createMessage({
      conversationId: conversation.id,
      payload: { type: 'text', text },
      metadata: { label },
    });
    assert.equal(message.conversationId, conversation.id);
    assert.deepEqual(message.metadata, { label });
    const bot = await within(echo, 10_000, 'the echo');
    assert.equal(bot.payload.type, 'text');
    assert.equal(bot.payload.text, text);
    assert.equal(bot.conversationId, conversation.id);
    assert.equal(seen[0].id, message.id, 'own message_created arrives first');
    assert.equal(seen[0].isBot, false);

    const all = await client.list.messages({ conversationId: conversation.id }).collect();
    assert.deepEqual(all.map((m) => m.id).sort(), [message.id, bot.id].sort());

    // A custom event comes back from the bot with the same payload.
    const botEvent = new Promise((resolve) => listener.on('event_created', (e) => e.isBot && resolve(e)));
    await client.createEvent({ conversationId: conversation.id, payload: { ping: label } });
    const ev = await within(botEvent, 10_000, 'the bot event');
    assert.deepEqual(ev.payload, { ping: label });
    assert.equal(ev.id, null);
  } finally {
    await listener.disconnect();
  }
  return conversation;
}

test('shared-key mode: createUser, conversation, message, echo through the listener', async () => {
  const { url } = await startServer();
  assert.equal(await (await fetch(`${url}/local/hello`)).text(), 'Hello, Botpress User 🤖');

  const anon = await Client.connect({ apiUrl: `${url}/local` });
  assert.ok(anon.user.id);
  assert.ok(anon.user.key);
  await roundTrip(anon, 'anonymous');

  const named = await Client.connect({ webhookId: 'local', baseApiUrl: url, userId: 'compat-user' });
  assert.equal(named.user.id, 'compat-user');
  const conv = await roundTrip(named, 'named');

  // Reconnecting with the key returns the same user; typed errors become the right classes.
  const again = await Client.connect({ apiUrl: `${url}/local`, userKey: named.user.key });
  assert.equal(again.user.id, 'compat-user');
  const listed = await again.list.conversations({}).collect();
  assert.ok(listed.some((c) => c.id === conv.id));
  await assert.rejects(again.getConversation({ id: 'does-not-exist' }), (err) => {
    assert.equal(err.type, 'ResourceNotFound');
    assert.equal(err.code, 404);
    assert.match(err.id, /^err_\d{14}x[0-9A-F]{8}$/);
    return true;
  });
  await assert.rejects(anon.getConversation({ id: conv.id }), (err) => err.type === 'Forbidden' && err.code === 403);
});

test('manual mode: keys signed with the encryption key, getOrCreateUser', async () => {
  const { url } = await startServer(['--encryption-key', 'compat-secret']);
  const client = await Client.connect({ apiUrl: `${url}/local`, encryptionKey: 'compat-secret', userId: 'manual-1' });
  assert.equal(client.user.id, 'manual-1');
  await roundTrip(client, 'manual');

  await assert.rejects(
    Client.connect({ apiUrl: `${url}/local`, encryptionKey: 'wrong-secret', userId: 'manual-2' }),
    (err) => err.type === 'Unauthorized' && err.code === 401,
  );
  await assert.rejects(new Client({ apiUrl: `${url}/local` }).createUser({ id: 'nope' }), (err) => {
    assert.equal(err.code, 401);
    assert.match(err.message, /can only be called when using the shared encryption key/);
    return true;
  });
});
