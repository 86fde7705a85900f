// The start of a listener. Send a message and, without awaiting it, start listening:
//   - with the client's own createMessage, this package must deliver the sent message
//     and the bot's echo every time, over SSE and WebSocket (it knows what it sends: the
//     listing taken once live does not take that message as history);
//   - with a sender it does not know (a plain fetch), it goes live as early as
//     @botpress/chat does (no request before the connection), so its rate of catching
//     both must not be lower than the official client's.
// Runs RACE_RUNS (default 200) times per case against one chat-server that the test
// starts and stops.
// Run alone: node --test tests/compat/race.test.mjs (needs pkg/ and target/debug/chat-server).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as official from '@botpress/chat';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = process.env.CHAT_SERVER || path.join(ROOT, 'target', 'debug', 'chat-server');
const RUNS = Number(process.env.RACE_RUNS || 200);
/** How long a run waits for the echo. */
const WAIT_MS = 2000;
let server;
let apiUrl;
let ours;

before(async () => {
  ours = await import(path.join(ROOT, 'pkg', 'node.mjs'));
  server = spawn(BIN, ['--addr', '127.0.0.1:0', '--exit-after', '600', '--bot-delay-ms', '5', '--webhook-id', 'local'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    server.once('error', reject);
    createInterface({ input: server.stdout }).once('line', resolve);
  });
  const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
  assert.ok(m, `unexpected first line: ${line}`);
  apiUrl = `${m[1]}/local`;
});

after(() => {
  if (server && server.exitCode === null) process.kill(server.pid, 'SIGTERM');
});

/** The same sender for both clients: a plain fetch of createMessage with the client's key. */
const rawSend = (client, conversationId) =>
  fetch(`${apiUrl}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-key': client.user.key },
    body: JSON.stringify({ conversationId, payload: { type: 'text', text: 'race' } }),
  }).then((r) => r.json());

/** One run: whether the own message and the echo arrived. `raw`: send with rawSend. */
async function race(client, raw, protocol) {
  const { conversation } = await client.createConversation({});
  const sent = raw
    ? rawSend(client, conversation.id)
    : client.createMessage({ conversationId: conversation.id, payload: { type: 'text', text: 'race' } });
  const listener = await client.listenConversation(protocol ? { id: conversation.id, protocol } : { id: conversation.id });
  const got = { own: false, bot: false };
  // Signals arrive in creation order: once the echo is here, the own message came before it or never will.
  const echo = new Promise((resolve) => {
    listener.on('message_created', (m) => {
      got[m.isBot ? 'bot' : 'own'] = true;
      if (m.isBot) resolve();
    });
  });
  await sent;
  await Promise.race([echo, new Promise((r) => setTimeout(r, WAIT_MS))]);
  await listener.disconnect();
  return { caught: got.own && got.bot, ...got };
}

test(`a message sent just before listening: this package catches it at least as often as @botpress/chat (${RUNS} runs each)`, async () => {
  const clients = {
    official: await official.Client.connect({ apiUrl }),
    ours: await ours.Client.connect({ apiUrl }),
  };
  const blank = () => ({ caught: 0, own: 0, bot: 0 });
  const tally = { official: blank(), ours: blank() };
  const own = { official: blank(), ours: blank() };
  // Alternate, so that both clients see the same machine load.
  for (let i = 0; i < RUNS; i++) {
    for (const name of i % 2 ? ['ours', 'official'] : ['official', 'ours']) {
      for (const [t, raw] of [[tally, true], [own, false]]) {
        const r = await race(clients[name], raw);
        for (const k of ['caught', 'own', 'bot']) t[name][k] += r[k] ? 1 : 0;
      }
    }
  }
  const rate = (n) => `${((100 * n) / RUNS).toFixed(1)} %`;
  for (const [what, t] of [['same sender', tally], ["each client's createMessage", own]]) {
    for (const [name, v] of Object.entries(t)) {
      console.log(`${what.padEnd(28)} ${name.padEnd(8)} both: ${rate(v.caught)}  own: ${rate(v.own)}  echo: ${rate(v.bot)}`);
    }
  }
  // 5 points of slack for noise between two samples of 200.
  assert.ok(
    tally.ours.caught >= tally.official.caught - RUNS * 0.05,
    `ours caught ${tally.ours.caught}/${RUNS}, official ${tally.official.caught}/${RUNS}`,
  );
  assert.ok(tally.ours.bot >= tally.official.bot - RUNS * 0.05, 'the echo, after going live, is caught as often');
});

for (const protocol of ['sse', 'websocket']) {
  test(`send, then listen (${protocol}): the sent message and the reply arrive every time (${RUNS} runs)`, async () => {
    const client = await ours.Client.connect({ apiUrl });
    const missed = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await race(client, false, protocol);
      if (!r.caught) missed.push(r);
    }
    console.log(`send, then listen, ${protocol}: ${RUNS - missed.length}/${RUNS} caught both`);
    assert.deepEqual(missed, [], `${missed.length} of ${RUNS} runs lost a message`);
  });
}
