// The npm package as users get it: `npm pack` of pkg/, installed by npm into a fresh
// project beside @botpress/chat 0.5.5. One program written for @botpress/chat
// (program.mjs, program.cjs: connect, create a conversation, listen, send, receive the
// bot's echo, catch a ResourceNotFoundError) runs against chat-server in every host, with
// only its import line changed for this package and nothing initialised:
//   Node as ESM and as CommonJS (the running Node; stage 45 runs this file on the LTS),
//   Deno and Bun (npm packages `deno`, `bun`), workerd through `wrangler dev`, and pages
//   built by Vite 7 and webpack 5 with their defaults, loaded in headless Chromium, Firefox
//   and WebKit (tests/e2e/webdriver.mjs).
// The official client runs the Node, Deno and Bun cases too, as a check of the harness.
// A TypeScript program written for the official declarations (one that reads payload
// fields without narrowing) passes `tsc --strict` against the installed package.
//   node --test tests/install/
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT, freePort, launchChromium, outDir, startChatServer, startProcess, waitFor } from '../e2e/harness.mjs'
import * as webdriver from '../e2e/webdriver.mjs'

const WORK = outDir('install')
const APP = path.join(WORK, 'app')
const HERE = path.join(ROOT, 'tests', 'install')
const NPM = process.env.NPM || 'npm'
const BIN = path.join(ROOT, 'node_modules', '.bin')
const run = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, ...opts })
/** The last line of a program's output, as JSON. */
const result = (out) => JSON.parse(out.trim().split('\n').pop())

/** What the program must report in every host. */
function assertRan(r, where) {
  assert.equal(r.ok, true, `${where}: ${JSON.stringify(r)}`)
  assert.ok(r.userId, `${where}: a user`)
  assert.equal(r.reply, 'text', `${where}: the bot's echo`)
  assert.ok(r.seen.includes('user') && r.seen.includes('bot'), `${where}: the own message and the echo (${r.seen})`)
  assert.equal(r.notFound, 'ResourceNotFoundError', `${where}: the error class`)
}


let manifest
let server

describe('the npm package in every host', { timeout: 600_000 }, () => {
  before(async () => {
    assert.ok(fs.existsSync(path.join(ROOT, 'pkg/package.json')), 'pkg/ missing: node scripts/build-pkg.mjs')
    fs.rmSync(WORK, { recursive: true, force: true })
    fs.mkdirSync(APP, { recursive: true })
    manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'pkg/package.json'), 'utf8'))
    // A keep-alive every second: Firefox's fetch resolves a streamed answer only once its
    // first bytes arrive (Chromium, Node and the others on its headers), so a listener
    // there is live after the first keep-alive.
    server = await startChatServer(['--static', APP, '--bot-delay-ms', '5', '--keepalive-secs', '1'], { name: 'install-chat-server' })
  })

  after(async () => {
    await server?.stop()
  })

  test('package.json: one package, an entry per host', () => {
    for (const field of ['name', 'version', 'description', 'license', 'repository', 'keywords', 'types', 'files', 'main', 'module']) {
      assert.ok(manifest[field] !== undefined && manifest[field] !== '', `package.json has ${field}`)
    }
    assert.equal(manifest.name, 'botpress-chat-wasm')
    const root = manifest.exports['.']
    // Conditions in the order hosts read them: types first, the generic ones last.
    assert.deepEqual(Object.keys(root), ['types', 'workerd', 'worker', 'edge-light', 'deno', 'bun', 'browser', 'node', 'require', 'default'])
    assert.deepEqual(Object.keys(root.node), ['import', 'require'])
    assert.equal(manifest.exports['./wasm'], './botpress_chat_wasm_bg.wasm')
    assert.ok(manifest.exports['./slim'])
    for (const f of manifest.files) assert.ok(fs.existsSync(path.join(ROOT, 'pkg', f)), `pkg/${f}`)
  })

  test('npm pack, npm install into a fresh project', () => {
    const out = run(NPM, ['pack', '--json', '--pack-destination', WORK], { cwd: path.join(ROOT, 'pkg') })
    const [info] = JSON.parse(out.slice(out.indexOf('[')))
    const files = info.files.map((f) => f.path)
    for (const f of manifest.files) assert.ok(files.includes(f), `tarball holds ${f}`)
    console.log(`# ${info.filename}: ${files.length} files, ${info.unpackedSize} bytes unpacked`)
    const official = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@botpress/chat/package.json'), 'utf8')).version
    fs.writeFileSync(
      path.join(APP, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { 'botpress-chat-wasm': `file:${path.join(WORK, info.filename)}`, '@botpress/chat': official } }, null, 2),
    )
    run(NPM, ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: APP, timeout: 300_000 })
    // The program twice: as written (official) and with its import changed (ours).
    for (const c of ['official', 'ours']) {
      const dir = path.join(APP, c)
      fs.cpSync(path.join(HERE, 'hosts'), dir, { recursive: true })
      for (const f of ['program.mjs', 'program.cjs']) {
        const text = fs.readFileSync(path.join(HERE, f), 'utf8')
        fs.writeFileSync(path.join(dir, f), c === 'ours' ? text.replaceAll("'@botpress/chat'", "'botpress-chat-wasm'") : text)
      }
    }
  })

  for (const c of ['official', 'ours']) {
    test(`${c}: Node ${process.version}, ESM`, () => {
      assertRan(result(run(process.execPath, ['run.mjs', server.apiUrl], { cwd: path.join(APP, c) })), `${c} node esm`)
    })
    test(`${c}: Node ${process.version}, CommonJS`, () => {
      assertRan(result(run(process.execPath, ['program.cjs', server.apiUrl], { cwd: path.join(APP, c) })), `${c} node cjs`)
    })
    test(`${c}: Deno`, () => {
      const out = run(path.join(BIN, 'deno'), ['run', '--allow-all', '--quiet', 'run.mjs', server.apiUrl], {
        cwd: path.join(APP, c),
        env: { ...process.env, DENO_DIR: path.join(WORK, 'deno'), DENO_NO_UPDATE_CHECK: '1' },
      })
      assertRan(result(out), `${c} deno`)
    })
    test(`${c}: Bun`, () => {
      const out = run(path.join(BIN, 'bun'), ['run.mjs', server.apiUrl], { cwd: path.join(APP, c), env: { ...process.env, BUN_INSTALL_CACHE_DIR: path.join(WORK, 'bun') } })
      assertRan(result(out), `${c} bun`)
    })
  }

  test('ours: workerd through wrangler dev', async () => {
    const dir = path.join(APP, 'ours')
    const wranglerWorkerd = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/wrangler/node_modules/workerd/package.json'), 'utf8')).version
    // A compatibility date the bundled workerd supports (its version is its date).
    const date = wranglerWorkerd.replace(/^1\.(\d{4})(\d{2})(\d{2})\..*$/, '$1-$2-$3')
    fs.writeFileSync(path.join(dir, 'wrangler.toml'), `name = "install-check"\nmain = "worker.mjs"\ncompatibility_date = "${date}"\n`)
    const port = await freePort()
    const wrangler = await startProcess(path.join(BIN, 'wrangler'), ['dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn', '--show-interactive-dev-session=false'], {
      cwd: dir,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', XDG_CONFIG_HOME: path.join(WORK, 'config'), CI: '1' },
      logFile: path.join(WORK, 'wrangler.log'),
    })
    try {
      const base = `http://127.0.0.1:${port}`
      await waitFor(async () => (await fetch(`${base}/favicon`).catch(() => null)) !== null, 'wrangler dev to answer', 90_000, 200)
      const r = await (await fetch(`${base}/?api=${encodeURIComponent(server.apiUrl)}`)).json()
      assertRan(r, 'ours wrangler')
    } finally {
      await wrangler.stop()
    }
  })

  test('ours: Vite and webpack production builds', () => {
    const dir = path.join(APP, 'ours')
    run(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: dir, timeout: 180_000 })
    assert.ok(fs.readdirSync(path.join(dir, 'dist-vite/assets')).some((f) => f.endsWith('.wasm')), 'Vite emitted the .wasm')
    const webpack = `require(${JSON.stringify(path.join(ROOT, 'node_modules/webpack'))})(require('./webpack.config.cjs'), (err, stats) => {
      if (err || stats.hasErrors()) { console.error(err || stats.toString('errors-only')); process.exit(1) }
    })`
    run(process.execPath, ['-e', webpack], { cwd: dir, timeout: 180_000 })
    assert.ok(fs.readdirSync(path.join(dir, 'dist-webpack')).some((f) => f.endsWith('.wasm')), 'webpack emitted the .wasm')
    fs.copyFileSync(path.join(dir, 'webpack.html'), path.join(dir, 'dist-webpack/index.html'))
  })

  test('ours: the built pages in Chromium', async () => {
    const browser = await launchChromium()
    try {
      for (const build of ['dist-vite', 'dist-webpack']) {
        const page = await browser.newPage()
        const errors = []
        page.on('pageerror', (e) => errors.push(e.message))
        // chat-server serves the project (--static) beside the API.
        await page.goto(`${server.url}/ours/${build}/index.html?apiUrl=${encodeURIComponent(server.apiUrl)}`)
        const text = await waitFor(async () => {
          const t = await page.textContent('#result')
          return t && t.startsWith('{') && t
        }, `the ${build} page's result`, 30_000)
        assertRan(JSON.parse(text), `chromium ${build}`)
        assert.deepEqual(errors, [])
        await page.close()
      }
    } finally {
      await browser.close()
    }
  })

  for (const name of ['firefox', 'webkit']) {
    test(`ours: the built pages in ${name === 'webkit' ? 'WebKit (MiniBrowser)' : 'Firefox'}`, async () => {
      assert.ok(webdriver.available(name), `${name} or its WebDriver is missing: scripts/setup.sh installs them`)
      const browser = await webdriver.launch(name, { logFile: path.join(WORK, `${name}-driver.log`) })
      try {
        for (const build of ['dist-vite', 'dist-webpack']) {
          await browser.goto(`${server.url}/ours/${build}/index.html?apiUrl=${encodeURIComponent(server.apiUrl)}`)
          const text = await waitFor(async () => {
            const t = await browser.text('#result')
            return t && t.startsWith('{') && t
          }, `the ${build} page's result in ${name}`, 30_000, 200)
          assertRan(JSON.parse(text), `${name} ${build}`)
        }
      } finally {
        await browser.close()
      }
    })
  }

  test('types: a program written for @botpress/chat passes tsc --strict against the installed package', () => {
    for (const c of ['official', 'ours']) {
      const dir = path.join(APP, c)
      const text = fs.readFileSync(path.join(HERE, 'types.ts'), 'utf8')
      fs.writeFileSync(path.join(dir, 'types.ts'), c === 'ours' ? text.replaceAll("'@botpress/chat'", "'botpress-chat-wasm'") : text)
      fs.writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], types: [], skipLibCheck: true }, files: ['types.ts'] }),
      )
      run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir })
    }
  })
})
