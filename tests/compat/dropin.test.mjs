// The drop-in check: each program of programs/ (written for @botpress/chat) runs twice,
// unchanged but for its import — once with the official client, once with this package
// (the package's Node entry, pkg/node.mjs, with no set-up) — each against its own fresh chat-server, and
// both runs must report the same observations. A second test compares the export lists.
// Run alone: node --test tests/compat/dropin.test.mjs (needs pkg/ and target/debug/chat-server).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync, readdirSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { transform } from 'esbuild';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BIN = process.env.CHAT_SERVER || path.join(ROOT, 'target', 'debug', 'chat-server');
const OURS = path.join(ROOT, 'pkg', 'node.mjs');
const BUILD = path.join(HERE, '.build');
const ENCRYPTION_KEY = 'compat-encryption-key';
const servers = new Set();

function startServer(args) {
  const proc = spawn(BIN, ['--addr', '127.0.0.1:0', '--exit-after', '300', '--bot-delay-ms', '5', '--webhook-id', 'local', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  servers.add(proc);
  proc.once('exit', () => servers.delete(proc));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('chat-server did not start within 30 s')), 30_000);
    proc.once('error', reject);
    createInterface({ input: proc.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) resolve({ url: m[1], proc });
      else reject(new Error(`unexpected first line: ${line}`));
    });
  });
}

function stop(proc) {
  if (proc.exitCode === null && proc.signalCode === null) process.kill(proc.pid, 'SIGTERM');
}

const programs = readdirSync(path.join(HERE, 'programs')).filter((f) => f.endsWith('.ts') && f !== 'util.ts');

before(async () => {
  rmSync(BUILD, { recursive: true, force: true });
  for (const impl of ['official', 'ours']) mkdirSync(path.join(BUILD, impl), { recursive: true });
  // The same source for both: only the module specifier differs.
  for (const file of [...programs, 'util.ts']) {
    const source = readFileSync(path.join(HERE, 'programs', file), 'utf8');
    for (const impl of ['official', 'ours']) {
      const text = impl === 'ours' ? source.replaceAll("'@botpress/chat'", JSON.stringify(pathToFileURL(OURS).href)) : source;
      const { code } = await transform(text, { loader: 'ts', format: 'esm', target: 'node18' });
      const out = code.replace(/from ["']\.\/util["']/g, "from './util.mjs'");
      mkdirSync(path.join(BUILD, impl), { recursive: true });
      (await import('node:fs')).writeFileSync(path.join(BUILD, impl, file.replace(/\.ts$/, '.mjs')), out);
    }
  }
});

after(() => {
  for (const proc of servers) stop(proc);
  rmSync(BUILD, { recursive: true, force: true });
});

/** Runs one program with one implementation against fresh servers. */
async function run(impl, program) {
  const shared = await startServer(['--page-size', '3', '--test-faults']);
  const manual = await startServer(['--encryption-key', ENCRYPTION_KEY]);
  Object.assign(process.env, {
    COMPAT_URL: `${shared.url}/local`,
    COMPAT_FAULT_URL: `${shared.url}/_fault`,
    COMPAT_MANUAL_URL: `${manual.url}/local`,
    COMPAT_ENCRYPTION_KEY: ENCRYPTION_KEY,
  });
  try {
    const mod = await import(pathToFileURL(path.join(BUILD, impl, program.replace(/\.ts$/, '.mjs'))).href);
    return await mod.main();
  } finally {
    stop(shared.proc);
    stop(manual.proc);
  }
}

for (const program of programs) {
  test(`${program}: same observations with @botpress/chat and with this package`, async () => {
    const official = await run('official', program);
    const ours = await run('ours', program);
    assert.ok(Object.keys(official).length > 0, 'the program observed something');
    if (process.env.COMPAT_PRINT) console.log(JSON.stringify({ program, ours, official }));
    assert.deepEqual(ours, official);
  });
}

test('every runtime export of @botpress/chat 0.5.5 (but axios and default) exists here, of the same kind', async () => {
  const official = await import('@botpress/chat');
  const ours = await import(OURS);
  // Node 26 also lists the CommonJS namespace's 'module.exports' key.
  const names = Object.keys(official).filter((k) => !['axios', 'default', 'module.exports'].includes(k));
  assert.ok(names.length >= 34, `official exports: ${names.length}`);
  const missing = names.filter((k) => !(k in ours));
  assert.deepEqual(missing, [], 'missing exports');
  for (const k of names) assert.equal(typeof ours[k], typeof official[k], `${k} is a ${typeof official[k]}`);
  // The 1.1.0 names too.
  for (const k of ['SignalListener', 'AuthenticatedClient', 'Client']) assert.equal(typeof ours[k], 'function');
});
