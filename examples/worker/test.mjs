// The example worker in real workerd, against chat-server in manual-auth mode with its
// webhook pointed at the worker.
//   node --test examples/worker/test.mjs
// Needs target/debug/chat-server (or CHAT_SERVER), pkg/ (node scripts/build-pkg.mjs) and
// the workerd npm package.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT, OUT, freePort, launchChromium, startChatServer, startProcess, waitFor } from '../../tests/e2e/harness.mjs'

const ENCRYPTION_KEY = 'worker-test-encryption-key-0123456789'
const WEBHOOK_SECRET = 'worker-test-webhook-secret'
const WORKERD = process.env.WORKERD || path.join(ROOT, 'node_modules/.bin/workerd')

let server
let worker
let base


const b64json = (part) => JSON.parse(Buffer.from(part.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString())

describe('edge worker in workerd', { timeout: 90_000 }, () => {
  before(async () => {
    assert.ok(fs.existsSync(path.join(ROOT, 'pkg/botpress_chat_wasm_bg.wasm')), 'pkg/ missing: node scripts/build-pkg.mjs')
    assert.ok(fs.existsSync(WORKERD), `${WORKERD} missing: npm install`)
    fs.mkdirSync(OUT, { recursive: true })
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    server = await startChatServer([
      '--encryption-key', ENCRYPTION_KEY,
      '--webhook-url', `${base}/webhook`,
      '--webhook-secret', WEBHOOK_SECRET,
      '--static', 'www', '--static', 'pkg',
    ], { name: 'worker-chat-server' })
    worker = await startProcess(WORKERD, ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`], {
      cwd: path.join(ROOT, 'examples/worker'),
      env: { CHAT_API_URL: server.apiUrl, ENCRYPTION_KEY, WEBHOOK_SECRET },
      logFile: path.join(OUT, 'workerd.log'),
    })
    await waitFor(async () => (await fetch(`${base}/`)).ok, 'workerd to answer', 30_000, 100)
  })

  after(async () => {
    await worker?.stop()
    await server?.stop()
  })

  test('POST /session signs a user key the server accepts, without revealing the encryption key', async () => {
    const res = await fetch(`${base}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'alice' }),
    })
    const text = await res.text()
    assert.equal(res.status, 200, text)
    assert.ok(!text.includes(ENCRYPTION_KEY), 'the encryption key stays in the worker')
    const { userKey } = JSON.parse(text)
    const [header, payload, sig] = userKey.split('.')
    assert.equal(b64json(header).alg, 'HS256')
    assert.equal(b64json(payload).id, 'alice')
    assert.equal(typeof b64json(payload).iat, 'number')
    assert.ok(sig.length > 20)
    const me = await fetch(`${server.apiUrl}/users/me`, { headers: { 'x-user-key': userKey } })
    assert.equal(me.status, 200, await me.clone().text())
    assert.equal((await me.json()).user.id, 'alice')
    // A browser may call it cross-origin.
    const pre = await fetch(`${base}/session`, { method: 'OPTIONS' })
    assert.equal(pre.headers.get('access-control-allow-origin'), '*')
  })

  test('POST /session rejects a missing user id', async () => {
    const res = await fetch(`${base}/session`, { method: 'POST', body: '{}' })
    assert.equal(res.status, 400)
  })

  test('POST /webhook checks x-secret-key and decodes the signal', async () => {
    const signal = { type: 'participant_added', data: { conversationId: 'conv_1', participantId: 'user_2' } }
    const wrong = await fetch(`${base}/webhook`, {
      method: 'POST', headers: { 'x-secret-key': 'nope', 'content-type': 'application/json' }, body: JSON.stringify(signal),
    })
    assert.equal(wrong.status, 401)
    const missing = await fetch(`${base}/webhook`, { method: 'POST', body: JSON.stringify(signal) })
    assert.equal(missing.status, 401)
    const ok = await fetch(`${base}/webhook/`, {
      method: 'POST', headers: { 'x-secret-key': WEBHOOK_SECRET, 'content-type': 'application/json' }, body: JSON.stringify(signal),
    })
    assert.equal(ok.status, 200, await ok.clone().text())
    assert.equal((await ok.json()).type, 'participant_added')
    const last = await (await fetch(`${base}/webhook/last`)).json()
    assert.deepEqual(last.last, signal)
    const bad = await fetch(`${base}/webhook`, { method: 'POST', headers: { 'x-secret-key': WEBHOOK_SECRET }, body: 'not json' })
    assert.equal(bad.status, 400)
  })

  test('GET /ask talks to the Chat API from inside the worker and returns the reply', async () => {
    const before = (await (await fetch(`${base}/webhook/last`)).json()).count
    const res = await fetch(`${base}/ask?text=${encodeURIComponent('hello from the edge')}`)
    const body = await res.json()
    assert.equal(res.status, 200, JSON.stringify(body))
    assert.equal(body.text, 'hello from the edge')
    assert.equal(body.reply.payload.type, 'text')
    assert.ok(body.conversationId)
    // chat-server delivered the signals of that exchange to the worker's webhook.
    const got = await waitFor(async () => {
      const r = await (await fetch(`${base}/webhook/last`)).json()
      return r.types.slice(before).filter((t) => t === 'message_created').length >= 2 && r
    }, 'the webhook to receive both message_created signals', 10_000, 100)
    const created = got.last
    assert.equal(created.type, 'message_created')
    assert.equal(created.data.conversationId, body.conversationId)
  })

  test('the demo page signs in through POST /session (manual auth) and chats', async () => {
    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e.message))
      const sessionCalls = []
      page.on('request', (r) => { if (r.url().startsWith(`${base}/session`)) sessionCalls.push(r.method()) })
      await page.goto(`${server.url}/?sessionUrl=${encodeURIComponent(`${base}/session`)}`)
      await page.waitForSelector('#status[data-status="connected"]', { timeout: 20_000 })
      assert.ok(sessionCalls.includes('POST'), 'the page asked the worker for its key')
      const me = await page.textContent('#me-id')
      assert.match(me, /^web-/)
      await page.fill('#input', 'signed by the worker')
      await page.press('#input', 'Enter')
      await page.waitForSelector('.msg.bot >> text="signed by the worker"', { timeout: 10_000 })
      const storage = await page.evaluate(() => JSON.stringify(localStorage))
      assert.ok(!storage.includes(ENCRYPTION_KEY), 'the encryption key never reaches the page')
      assert.deepEqual(errors, [])
    } finally {
      await browser.close()
    }
  })

  test('GET /ask without text is a 400', async () => {
    assert.equal((await fetch(`${base}/ask`)).status, 400)
  })
})
