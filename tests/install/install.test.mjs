// Install test: `npm pack` the web build (pkg/), install the tarball into a scratch
// project, then use it by name from Node and from a Vite-built page, one call each
// against chat-server.
//   node --test tests/install/
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT, launchChromium, outDir, startChatServer, waitFor } from '../e2e/harness.mjs'

const WORK = outDir('install')
const APP = path.join(WORK, 'app')
const NPM = process.env.NPM || 'npm'
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts })

let tarball
let server
let manifest

describe('npm package', { timeout: 180_000 }, () => {
  before(async () => {
    assert.ok(fs.existsSync(path.join(ROOT, 'pkg/package.json')), 'pkg/ missing: scripts/build-pkg.sh web')
    fs.rmSync(APP, { recursive: true, force: true })
    for (const f of fs.readdirSync(WORK)) if (f.endsWith('.tgz')) fs.rmSync(path.join(WORK, f))
  })

  after(async () => {
    await server?.stop()
  })

  test('package.json carries the metadata', () => {
    manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'pkg/package.json'), 'utf8'))
    for (const field of ['name', 'version', 'description', 'license', 'repository', 'keywords', 'types', 'files', 'sideEffects']) {
      assert.ok(manifest[field] !== undefined && manifest[field] !== '', `package.json has ${field}`)
    }
    assert.equal(manifest.name, 'botpress-chat-wasm')
    assert.equal(manifest.type, 'module')
    assert.ok(manifest.files.includes(manifest.types), 'types are shipped')
    assert.ok(manifest.files.some((f) => f.endsWith('.wasm')), 'the .wasm is shipped')
  })

  test('npm pack', () => {
    const out = run(NPM, ['pack', '--json', '--pack-destination', WORK], { cwd: path.join(ROOT, 'pkg') })
    const [info] = JSON.parse(out.slice(out.indexOf('[')))
    tarball = path.join(WORK, info.filename)
    assert.ok(fs.existsSync(tarball))
    const files = info.files.map((f) => f.path)
    for (const f of manifest.files) assert.ok(files.includes(f), `tarball holds ${f}`)
    assert.ok(files.includes('package.json'))
    const gz = fs.statSync(tarball).size
    console.log(`# ${info.filename}: ${files.length} files, ${info.unpackedSize} bytes unpacked, ${gz} bytes packed`)
  })

  test('installs into a scratch project', () => {
    fs.mkdirSync(APP, { recursive: true })
    fs.writeFileSync(path.join(APP, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }, null, 2))
    run(NPM, ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: APP })
    const installed = JSON.parse(fs.readFileSync(path.join(APP, 'node_modules/botpress-chat-wasm/package.json'), 'utf8'))
    assert.equal(installed.version, manifest.version)
    fs.cpSync(path.join(ROOT, 'tests/install/node-check.mjs'), path.join(APP, 'node-check.mjs'))
    fs.cpSync(path.join(ROOT, 'tests/install/vite-app'), path.join(APP, 'web'), { recursive: true })
  })

  test('builds a page with Vite 7', () => {
    const vite = path.join(ROOT, 'node_modules/vite/bin/vite.js')
    const version = run(process.execPath, [vite, '--version']).trim()
    assert.match(version, /vite\/7\./, version)
    run(process.execPath, [vite, 'build'], { cwd: path.join(APP, 'web'), timeout: 120_000 })
    const assets = fs.readdirSync(path.join(APP, 'web/dist/assets'))
    assert.ok(assets.some((f) => f.endsWith('.wasm')), `vite emitted the .wasm (${assets.join(', ')})`)
  })

  test('imported from Node, it calls chat-server', async () => {
    server = await startChatServer(['--static', path.join(APP, 'web/dist')], { name: 'install-chat-server' })
    const out = run(process.execPath, ['node-check.mjs', server.apiUrl], { cwd: APP, timeout: 30_000 })
    const result = JSON.parse(out.trim().split('\n').pop())
    assert.equal(result.ok, true)
    assert.ok(result.userId)
    assert.equal(result.conversations, 0)
  })

  test('the nodejs build loads with require() and the bundler build as ES modules with .wasm imports', () => {
    const apiUrl = server.apiUrl
    for (const [dir, code, args] of [
      ['pkg-node', `const { ChatClient } = require(${JSON.stringify(path.join(ROOT, 'pkg-node/botpress_chat_wasm.js'))})
        ChatClient.connect({ apiUrl: ${JSON.stringify(apiUrl)} }).then((c) => console.log(JSON.stringify({ ok: true, userId: c.user.id })), (e) => { console.error(e); process.exit(1) })`, []],
      ['pkg-bundler', `import(${JSON.stringify(path.join(ROOT, 'pkg-bundler/botpress_chat_wasm.js'))})
        .then(({ ChatClient }) => ChatClient.connect({ apiUrl: ${JSON.stringify(apiUrl)} }))
        .then((c) => console.log(JSON.stringify({ ok: true, userId: c.user.id })), (e) => { console.error(e); process.exit(1) })`, ['--experimental-wasm-modules', '--no-warnings']],
    ]) {
      if (!fs.existsSync(path.join(ROOT, dir))) {
        console.log(`# ${dir}/ not built; skipped`)
        continue
      }
      const out = run(process.execPath, [...args, '-e', code], { cwd: APP, timeout: 30_000 })
      assert.equal(JSON.parse(out.trim().split('\n').pop()).ok, true, `${dir}: ${out}`)
    }
  })

  test('the Vite-built page runs in chromium and calls chat-server', async () => {
    // chat-server serves dist/ (--static) beside the API.
    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(`${server.url}/`)
      const text = await waitFor(async () => {
        const t = await page.textContent('#result')
        return t && t.startsWith('{') && t
      }, 'the page result', 20_000)
      const result = JSON.parse(text)
      assert.equal(result.ok, true, text)
      assert.ok(result.conversationId)
      assert.deepEqual(errors, [])
    } finally {
      await browser.close()
    }
  })
})
