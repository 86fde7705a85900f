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
//   POST /normal         back to plain forwarding (stops chaos and silence)
//   GET  /stats          {"cuts", "listenConnections", "connections", "chaos"}
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
const stats = { cuts: 0, listenConnections: 0, connections: 0, chaos: 0 };
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
    if (!c.listen && /^GET [^ ]*\/listen[ ?]/m.test(d.toString('latin1'))) {
      c.listen = true;
      stats.listenConnections++;
    }
    server.write(d);
  });
  server.on('data', (d) => forwardToClient(c, d));
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
      stopChaos();
      return reply(200, { ok: true });
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
