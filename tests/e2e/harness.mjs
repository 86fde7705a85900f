// Shared helpers for the end-to-end, worker and install tests: start chat-server and
// other processes on 127.0.0.1, stop them by pid, and launch Debian's chromium.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const OUT = process.env.OUT ? path.resolve(process.env.OUT) : path.join(ROOT, 'test-output')

export function outDir(name) {
  const dir = path.join(OUT, name)
  fs.mkdirSync(dir, { recursive: true })
  return dir
}

export function chatServerBin() {
  const bin = process.env.CHAT_SERVER || path.join(ROOT, 'target/debug/chat-server')
  if (!fs.existsSync(bin)) throw new Error(`${bin} not found: cargo build -p chat-server`)
  return bin
}

/**
 * Spawns a process and resolves once a stdout/stderr line matches `ready`
 * (a RegExp); resolves to { proc, match, stop(), output() }.
 */
/** A free port on 127.0.0.1 (for a server that takes its port from the command line). */
export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

export function startProcess(cmd, args, { ready, cwd = ROOT, env, logFile, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    const log = logFile ? fs.createWriteStream(logFile) : null
    let buffer = ''
    let done = false
    const timer = setTimeout(() => finish(new Error(`${path.basename(cmd)}: not ready within ${timeoutMs} ms\n${buffer.slice(-2000)}`)), timeoutMs)
    const handle = {
      proc,
      match: null,
      output: () => buffer,
      stop: () => stopProcess(proc),
    }
    function finish(err) {
      if (done) return
      done = true
      clearTimeout(timer)
      if (err) {
        stopProcess(proc)
        reject(err)
      } else resolve(handle)
    }
    const onData = (chunk) => {
      const s = chunk.toString()
      log?.write(s)
      buffer += s
      if (buffer.length > 200_000) buffer = buffer.slice(-100_000)
      if (!done && ready) {
        const m = ready.exec(buffer)
        if (m) {
          handle.match = m
          finish()
        }
      }
    }
    proc.stdout.on('data', onData)
    proc.stderr.on('data', onData)
    proc.on('error', (e) => finish(e))
    proc.on('exit', (code, signal) => {
      log?.end()
      finish(new Error(`${path.basename(cmd)} exited (${code ?? signal}) before it was ready\n${buffer.slice(-2000)}`))
    })
    if (!ready) finish()
  })
}

/** TERM, then KILL after 3 s; resolves when the process is gone. */
export function stopProcess(proc) {
  return new Promise((resolve) => {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve()
    const t = setTimeout(() => { try { process.kill(proc.pid, 'SIGKILL') } catch { /* gone */ } }, 3000)
    proc.once('exit', () => { clearTimeout(t); resolve() })
    try { process.kill(proc.pid, 'SIGTERM') } catch { clearTimeout(t); resolve() }
  })
}

/**
 * Starts chat-server on a free loopback port. Resolves to { url, apiUrl, stop, proc }:
 * `url` is the server root, `apiUrl` the Chat API base for webhook id `local`.
 */
export async function startChatServer(args = [], { name = 'chat-server', webhookId = 'local' } = {}) {
  const logFile = path.join(OUT, `${name}.log`)
  fs.mkdirSync(OUT, { recursive: true })
  const h = await startProcess(chatServerBin(), ['--addr', '127.0.0.1:0', '--exit-after', '600', '--webhook-id', webhookId, ...args], {
    ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    logFile,
  })
  const url = h.match[1]
  return { url, apiUrl: `${url}/${webhookId}`, stop: h.stop, proc: h.proc, output: h.output }
}

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
]

export async function launchChromium() {
  const { chromium } = await import('playwright-core')
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  })
}

/** Polls `fn` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor(fn, what, timeoutMs = 10_000, everyMs = 50) {
  const deadline = Date.now() + timeoutMs
  let last
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
