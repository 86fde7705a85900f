#!/usr/bin/env node
// A fault-injecting TCP proxy for realtime tests, loopback only.
//
//   node tests/support/fault-proxy.mjs --target 127.0.0.1:PORT [--exit-after SECS]
//
// Prints one line `PROXY <proxy-url> <control-url>` on stdout once listening.
// Every connection is forwarded to the target. A connection on which a
// `/listen` request was seen is a "listen connection"; the control API acts on
// those:
//   POST /cut            destroy every listen connection now
//   POST /chaos?min=&max=&count=&chunk=&delay=
//                        cut listen connections at random intervals in [min,max] ms,
//                        `count` times; with `chunk`, forward server bytes to listen
//                        connections in slices of at most `chunk` bytes, one slice
//                        every `delay` ms (so cuts land mid-frame and mid-stream)
//   POST /silence        stop forwarding to the current listen connections, without
//                        closing them (new connections are not affected)
//   POST /normal         back to plain forwarding (stops chaos, silence and send faults)
//   POST /sends?rate=&seed=&kinds=
//                        make `createMessage` (POST …/messages) fail ambiguously: each
//                        one, with probability `rate` (a PRNG seeded with `seed`), gets
//                        one of `kinds` (comma-separated, default all):
//                          drop    forward it, then cut the connection after the answer's
//                                  first bytes (its status line)
//                          silent  forward it, then cut the connection before any answer
//                                  byte (not in the default kinds: on a reused connection
//                                  Chromium then sends the POST again by itself, unseen by
//                                  any client code)
//                          hold    forward it and never pass the answer on (a timeout)
//                          reset   cut the connection before forwarding it
//                          502     answer 502 without forwarding it
//                          503     forward it, swallow the answer, answer 503
//                        `rate=0` stops them
//   GET  /stats          {"cuts", "listenConnections", "connections", "chaos", "sends",
//                         "sendFaults": {kind: count}}
// The control API answers with CORS headers (browser tests call it). The
// proxy exits by itself after --exit-after seconds (default 300).
import net from 'node:net';
import http from 'node:http';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const [thost, tport] = (args.target || '').split(':');
if (!thost || !tport) {
  console.error('usage: fault-proxy.mjs --target HOST:PORT [--exit-after SECS]');
  process.exit(2);
}
if (!/^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(thost)) {
  console.error('fault-proxy: the target must be a loopback address');
  process.exit(2);
}
const exitAfter = Number(args['exit-after'] || 300);

const conns = new Set();
const stats = { cuts: 0, listenConnections: 0, connections: 0, chaos: 0, sends: 0, sendFaults: {} };
const SEND_KINDS = ['drop', 'hold', 'reset', '502', '503'];
const ALL_KINDS = [...SEND_KINDS, 'silent'];
// Send faults: probability, kinds, and a small seeded PRNG (mulberry32), so a run can be repeated.
let sendRate = 0;
let sendKinds = SEND_KINDS;
let seed = 1;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// A gateway's answer of its own, closing the connection.
function gateway(c, status) {
  const text = status === 502 ? 'Bad Gateway' : 'Service Unavailable';
  c.client.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain\r\ncontent-length: ${text.length}\r\n` +
    `access-control-allow-origin: *\r\nconnection: close\r\n\r\n${text}`);
  c.server.destroy();
}

// The fault for a request that starts with `head`, or null.
function sendFault(head) {
  if (!sendRate || !/^POST [^ ]*\/messages[ ?]/.test(head)) return null;
  stats.sends++;
  if (random() >= sendRate) return null;
  const kind = sendKinds[Math.floor(random() * sendKinds.length)];
  stats.sendFaults[kind] = (stats.sendFaults[kind] || 0) + 1;
  return kind;
}
let chunk = 0;
let delay = 0;
let chaos = null;

function cutAll() {
  let n = 0;
  for (const c of conns) {
    if (c.listen) {
      c.client.destroy();
      c.server.destroy();
      n++;
    }
  }
  if (n) stats.cuts++;
  return n;
}

function pump(c) {
  if (c.pumping || c.closed) return;
  const next = c.queue.shift();
  if (!next) return;
  c.client.write(next);
  c.pumping = true;
  setTimeout(() => {
    c.pumping = false;
    pump(c);
  }, delay);
}

function forwardToClient(c, data) {
  if (c.silent) return;
  if (!chunk || !c.listen) {
    c.client.write(data);
    return;
  }
  for (let i = 0; i < data.length; i += chunk) {
    if (delay > 0) c.queue.push(data.subarray(i, i + chunk));
    else c.client.write(data.subarray(i, i + chunk));
  }
  if (delay > 0) pump(c);
}

const proxy = net.createServer((client) => {
  stats.connections++;
  const server = net.connect(Number(tport), thost);
  const c = { client, server, listen: false, silent: false, queue: [], pumping: false, closed: false };
  conns.add(c);
  client.setNoDelay(true);
  server.setNoDelay(true);
  client.on('data', (d) => {
    const head = d.toString('latin1', 0, 200);
    if (!c.listen && /^GET [^ ]*\/listen[ ?]/m.test(head)) {
      c.listen = true;
      stats.listenConnections++;
    }
    if (c.fault === 'reset' || c.fault === '502') return; // the rest of that request
    const fault = c.fault ? null : sendFault(head);
    if (fault) c.fault = fault;
    if (fault === 'reset') return c.client.destroy();
    if (fault === '502') return gateway(c, 502);
    server.write(d);
  });
  server.on('data', (d) => {
    // The answer to a faulted send (connections carry one request at a time).
    if (c.fault === 'drop') {
      const eol = d.indexOf('\r\n');
      c.client.write(d.subarray(0, eol > 0 ? eol + 2 : Math.min(d.length, 12)));
      c.fault = 'silent';
      return setTimeout(() => c.client.destroy(), 5);
    }
    if (c.fault === 'silent') return c.client.destroy();
    if (c.fault === 'hold') return;
    if (c.fault === '503') return gateway(c, 503);
    forwardToClient(c, d);
  });
  const close = () => {
    c.closed = true;
    c.queue = [];
    conns.delete(c);
    client.destroy();
    server.destroy();
  };
  client.on('close', close);
  server.on('close', close);
  client.on('error', close);
  server.on('error', close);
});

function stopChaos() {
  if (chaos) clearTimeout(chaos.timer);
  chaos = null;
}

function startChaos(min, max, count) {
  stopChaos();
  chaos = { left: count, timer: null };
  const tick = () => {
    if (!chaos) return;
    if (cutAll() > 0) {
      stats.chaos++;
      chaos.left--;
    }
    if (chaos.left <= 0) return stopChaos();
    chaos.timer = setTimeout(tick, min + Math.random() * (max - min));
  };
  chaos.timer = setTimeout(tick, min + Math.random() * (max - min));
}

const control = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const reply = (status, body) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'content-type',
    });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'OPTIONS') return reply(200, {});
  switch (`${req.method} ${url.pathname}`) {
    case 'POST /cut':
      return reply(200, { cut: cutAll() });
    case 'POST /chaos': {
      const min = Number(url.searchParams.get('min') || 20);
      const max = Number(url.searchParams.get('max') || 100);
      chunk = Number(url.searchParams.get('chunk') || 0);
      delay = Number(url.searchParams.get('delay') || 0);
      startChaos(min, Math.max(min, max), Number(url.searchParams.get('count') || 20));
      return reply(200, { ok: true });
    }
    case 'POST /silence': {
      let n = 0;
      for (const c of conns) if (c.listen) (c.silent = true), n++;
      return reply(200, { silenced: n });
    }
    case 'POST /normal':
      chunk = 0;
      delay = 0;
      sendRate = 0;
      stopChaos();
      return reply(200, { ok: true });
    case 'POST /sends': {
      sendRate = Number(url.searchParams.get('rate') || 0);
      seed = Number(url.searchParams.get('seed') || 1) | 0;
      const kinds = (url.searchParams.get('kinds') || '').split(',').filter((k) => ALL_KINDS.includes(k));
      sendKinds = kinds.length ? kinds : SEND_KINDS;
      return reply(200, { ok: true, rate: sendRate, kinds: sendKinds });
    }
    case 'GET /stats':
      return reply(200, { ...stats, chaosRunning: !!chaos });
    default:
      return reply(404, { error: 'no such control' });
  }
});

proxy.listen(0, '127.0.0.1', () => {
  control.listen(0, '127.0.0.1', () => {
    console.log(`PROXY http://127.0.0.1:${proxy.address().port} http://127.0.0.1:${control.address().port}`);
  });
});

setTimeout(() => {
  console.error(`fault-proxy: --exit-after ${exitAfter} s elapsed, exiting`);
  process.exit(0);
}, exitAfter * 1000).unref();
process.on('SIGTERM', () => process.exit(0));
