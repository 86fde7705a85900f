// The browsers Playwright's driver cannot run here, over W3C WebDriver: Firefox (Debian
// firefox-esr, driven by geckodriver) and WebKit, Safari's engine (Debian
// webkit2gtk-driver: WebKitWebDriver drives MiniBrowser on a virtual display, Xvfb). Just
// what the tests need: open a page, read an element's text, close. Every process started
// here is stopped by its process id when the browser is closed.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freePort, startProcess, waitFor } from './harness.mjs'

const HOME = os.homedir()

/** The WebDriver browsers this machine has: name → how to start its driver. */
export const BROWSERS = {
  firefox: {
    driver: [path.join(HOME, '.cargo/bin/geckodriver'), '/usr/bin/geckodriver'].find((p) => fs.existsSync(p)),
    browser: '/usr/bin/firefox-esr',
    args: (port) => ['--port', String(port), '--host', '127.0.0.1'],
    capabilities: { browserName: 'firefox', 'moz:firefoxOptions': { binary: '/usr/bin/firefox-esr', args: ['-headless'] } },
  },
  webkit: {
    driver: '/usr/bin/WebKitWebDriver',
    browser: ['/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser'].find((p) => fs.existsSync(p)),
    // MiniBrowser needs a display: an Xvfb of its own.
    display: '/usr/bin/Xvfb',
    args: (port) => [`--port=${port}`, '--host=127.0.0.1'],
    capabilities: (browser) => ({ 'webkitgtk:browserOptions': { binary: browser, args: ['--automation'] } }),
  },
}

/** Whether `name`'s driver and browser are installed (scripts/setup.sh installs both). */
export function available(name) {
  const b = BROWSERS[name]
  return Boolean(b.driver && fs.existsSync(b.driver) && b.browser && fs.existsSync(b.browser) && (!b.display || fs.existsSync(b.display)))
}


/**
 * Starts `name`'s driver and a session; returns { goto(url), text(selector), close() }.
 * `logFile` keeps the driver's output.
 */
export async function launch(name, { logFile } = {}) {
  const b = BROWSERS[name]
  const port = await freePort()
  let display = null
  let env
  if (b.display) {
    // A display number nobody uses (an X server's lock file names the ones in use).
    let n = 90 + (process.pid % 100)
    while (fs.existsSync(`/tmp/.X${n}-lock`)) n++
    display = await startProcess(b.display, [`:${n}`, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'])
    env = { DISPLAY: `:${n}` }
  }
  let driver
  try {
    driver = await startProcess(b.driver, b.args(port), { logFile, env })
  } catch (e) {
    await display?.stop()
    throw e
  }
  const stop = async () => {
    await driver.stop()
    await display?.stop()
  }
  const base = `http://127.0.0.1:${port}`
  const call = async (method, url, body) => {
    const r = await fetch(base + url, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    })
    const json = await r.json()
    if (!r.ok) throw new Error(`${name} WebDriver ${method} ${url}: ${JSON.stringify(json.value ?? json).slice(0, 500)}`)
    return json.value
  }
  try {
    await waitFor(async () => (await fetch(`${base}/status`).catch(() => null))?.ok, `${name}'s WebDriver`, 30_000, 100)
    const caps = typeof b.capabilities === 'function' ? b.capabilities(b.browser) : b.capabilities
    const session = await call('POST', '/session', { capabilities: { alwaysMatch: caps } })
    const sid = session.sessionId
    return {
      goto: (url) => call('POST', `/session/${sid}/url`, { url }),
      text: (selector) =>
        call('POST', `/session/${sid}/execute/sync`, { script: 'const e = document.querySelector(arguments[0]); return e ? e.textContent : null', args: [selector] }),
      async close() {
        await call('DELETE', `/session/${sid}`).catch(() => {})
        await stop()
      },
    }
  } catch (e) {
    await stop()
    throw e
  }
}
