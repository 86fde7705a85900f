// End-to-end: the demo page (www/) with the web build of the package (pkg/), both served
// by chat-server, driven in headless chromium.
//   node --test tests/e2e/
// Needs target/debug/chat-server (or CHAT_SERVER) and pkg/ (node scripts/build-pkg.mjs).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { ROOT, launchChromium, outDir, startChatServer, waitFor } from './harness.mjs'

const SHOTS = outDir('e2e')
const DESKTOP = { width: 1280, height: 860 }
const PHONE = { width: 390, height: 844 }

let server
let browser
let context
let page
const pageErrors = []

const shot = (name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) })

async function send(text) {
  await page.fill('#input', text)
  await page.press('#input', 'Enter')
}

/** Texts of the rendered messages: [{ own, kind, text, id }] in page order. */
function messages() {
  return page.$$eval('#message-list > .msg', (els) => els.map((el) => ({
    own: el.classList.contains('own'),
    streaming: el.classList.contains('streaming'),
    kind: el.dataset.kind,
    id: el.dataset.id,
    text: el.querySelector('.bubble')?.innerText.trim() ?? '',
  })))
}

async function waitForMessage(pred, what, timeoutMs = 10_000) {
  return waitFor(async () => (await messages()).find(pred), what, timeoutMs)
}

async function stored() {
  return page.evaluate(() => {
    const s = {}
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i)
      s[k] = JSON.parse(localStorage.getItem(k))
    }
    return s
  })
}

/**
 * A TCP proxy in front of chat-server whose connections the test can cut: the page
 * loaded through it loses its listen stream while the server stays up.
 */
function cuttableProxy(target) {
  const { hostname, port } = new URL(target)
  const sockets = new Set()
  let blocked = false
  const srv = net.createServer((client) => {
    if (blocked) return client.destroy()
    const upstream = net.connect(Number(port), hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => { client.destroy(); upstream.destroy() })
    }
    client.pipe(upstream).pipe(client)
  })
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${srv.address().port}`,
    cut() { blocked = true; for (const s of sockets) s.destroy() },
    resume() { blocked = false },
    close() { for (const s of sockets) s.destroy(); return new Promise((r) => srv.close(r)) },
  })))
}

describe('demo page', { timeout: 120_000 }, () => {
  before(async () => {
    assert.ok(fs.existsSync(path.join(ROOT, 'pkg/web.js')), 'pkg/ missing: node scripts/build-pkg.mjs')
    server = await startChatServer(['--static', 'www', '--static', 'pkg'], { name: 'e2e-chat-server' })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: DESKTOP })
    page = await context.newPage()
    page.on('pageerror', (e) => pageErrors.push(e.message))
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`) })
  })

  after(async () => {
    await browser?.close().catch(() => {})
    await server?.stop()
  })

  test('opens, creates a user and a conversation, and listens', async () => {
    await page.goto(`${server.url}/`)
    await page.waitForSelector('#app[data-state="ready"]', { timeout: 20_000 })
    await page.waitForSelector('#status[data-status="connected"]', { timeout: 10_000 })
    const me = await page.textContent('#me-id')
    assert.ok(me && me !== '—', 'the signed-in user is shown')
    await waitFor(() => page.$('#conversations li.active'), 'an active conversation')
    await page.waitForSelector('#empty:not([hidden])')
    await shot('01-empty')
  })

  test('sends hello and sees the echo', async () => {
    await send('hello')
    await waitForMessage((m) => m.own && m.text === 'hello', 'own hello')
    await waitForMessage((m) => !m.own && m.text === 'hello', 'bot echo of hello')
    const list = await messages()
    assert.ok(list.findIndex((m) => m.own) < list.findIndex((m) => !m.own), 'the echo follows the message')
  })

  test('renders a streamed reply as it grows', async () => {
    // Record every intermediate text of the live bubble.
    await page.evaluate(() => {
      window.__streamTexts = []
      const seen = new Set()
      const record = () => {
        for (const el of document.querySelectorAll('.msg.streaming .p-text')) {
          const t = el.textContent
          if (t && !seen.has(t)) { seen.add(t); window.__streamTexts.push(t) }
        }
      }
      window.__streamObserver = new MutationObserver(record)
      window.__streamObserver.observe(document.querySelector('#message-list'), { childList: true, subtree: true, characterData: true })
    })
    const before = (await messages()).length
    await send('stream 20')
    await waitFor(() => page.$('.msg.streaming'), 'the live bubble', 10_000)
    await page.waitForTimeout(150)
    await shot('02-streaming')
    // The final message replaces the live bubble.
    await waitFor(async () => !(await page.$('.msg.streaming')) && (await messages()).length >= before + 2, 'the final streamed message', 20_000)
    const texts = await page.evaluate(() => { window.__streamObserver.disconnect(); return window.__streamTexts })
    const list = await messages()
    const final = list[list.length - 1]
    assert.equal(final.own, false)
    assert.ok(final.text.length > 0, 'final text')
    const partial = texts.filter((t) => t.trim().length && t.trim().length < final.text.length)
    assert.ok(partial.length >= 2, `saw ${partial.length} partial texts before the final one: ${JSON.stringify(texts)}`)
    for (const t of texts) assert.ok(final.text.startsWith(t.trim()) || final.text.replace(/\s+/g, ' ').startsWith(t.replace(/\s+/g, ' ').trim()), `partial "${t}" is a prefix of "${final.text}"`)
    assert.equal(list.filter((m) => m.streaming).length, 0)
  })

  test('a choice posted through the API renders live, and clicking an option sends its value', async () => {
    const s = await stored()
    const user = s[`bpchat:user:${server.apiUrl}`]
    const conversationId = s[`bpchat:last:${server.apiUrl}`]
    assert.ok(user?.userKey && conversationId, 'the page stored its user key and conversation')
    const res = await fetch(`${server.apiUrl}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-key': user.userKey },
      body: JSON.stringify({
        conversationId,
        payload: { type: 'choice', text: 'Which plan suits you?', options: [
          { label: 'Starter', value: 'starter' }, { label: 'Team', value: 'team-plan' }, { label: 'Enterprise', value: 'enterprise' },
        ] },
      }),
    })
    assert.equal(res.status, 200, await res.clone().text())
    const { message } = await res.json()
    const sel = `.msg[data-id="${message.id}"] .option[data-value="team-plan"]`
    await page.waitForSelector(sel, { timeout: 10_000 })
    await page.click(sel)
    await waitForMessage((m) => m.own && m.text === 'team-plan', 'the chosen value sent as text')
    await waitForMessage((m) => !m.own && m.text === 'team-plan', 'the echo of the chosen value')
    assert.ok(await page.$(`.msg[data-id="${message.id}"] .option.chosen`), 'the chosen option is marked')
  })

  test('renders every payload kind from the sample menu', async () => {
    const kinds = ['markdown', 'image', 'audio', 'video', 'file', 'location', 'card', 'carousel', 'dropdown', 'bloc']
    for (const kind of kinds) {
      await page.click('#attach')
      await page.click(`.sample[data-kind="${kind}"]`)
      await page.waitForSelector(`.msg.own[data-kind="${kind}"]`, { timeout: 10_000 })
    }
    assert.ok(await page.$('.msg[data-kind="markdown"] .p-markdown strong'), 'markdown bold')
    assert.ok(await page.$('.msg[data-kind="markdown"] .p-markdown a[href^="https://"][rel~="noopener"]'), 'markdown link')
    assert.ok(await page.$('.msg[data-kind="image"] img'), 'image')
    assert.ok(await page.$('.msg[data-kind="audio"] audio[controls]'), 'audio')
    assert.ok(await page.$('.msg[data-kind="video"] video[controls]'), 'video')
    assert.ok(await page.$('.msg[data-kind="file"] a.p-file'), 'file')
    assert.ok(await page.$('.msg[data-kind="location"] a.p-location[href*="openstreetmap.org"]'), 'location links to a map')
    assert.equal((await page.$$('.msg[data-kind="carousel"] .card')).length, 3, 'carousel cards')
    assert.ok(await page.$('.msg[data-kind="dropdown"] select'), 'dropdown')
    assert.equal((await page.$$('.msg[data-kind="bloc"] .bloc-item')).length, 4, 'bloc items')
    await page.waitForTimeout(300)
    await page.evaluate(() => document.querySelector('.msg[data-kind="carousel"]').scrollIntoView({ block: 'center' }))
    await shot('03-desktop-rich')
    // The bot answers `bloc` with a bloc of three items.
    await send('bloc')
    await waitFor(async () => (await page.$$('.msg.bot[data-kind="bloc"] .bloc-item')).length === 3, 'the bot bloc', 10_000)
    await page.waitForTimeout(300)
    await shot('04-desktop')
    // Markdown is escaped: no HTML from a message reaches the DOM.
    await page.evaluate(() => window.chatDemo.sendPayload({ type: 'markdown', markdown: '<img src=x onerror="window.__xss=1"> **safe** [js](javascript:alert(1))' }))
    await page.waitForSelector('.msg.own[data-kind="markdown"] >> text=safe')
    assert.equal(await page.evaluate(() => window.__xss), undefined)
    assert.equal(await page.$('.p-markdown a[href^="javascript"]'), null)
  })

  test('deletes an own message', async () => {
    const hello = (await messages()).find((m) => m.own && m.text === 'hello')
    const sel = `.msg[data-id="${hello.id}"]`
    await page.hover(sel)
    await page.click(`${sel} .msg-delete`)
    await waitFor(async () => !(await page.$(sel)), 'the deleted message to disappear')
    const s = await stored()
    const user = s[`bpchat:user:${server.apiUrl}`]
    const conversationId = s[`bpchat:last:${server.apiUrl}`]
    const res = await fetch(`${server.apiUrl}/conversations/${conversationId}/messages`, { headers: { 'x-user-key': user.userKey } })
    const { messages: left } = await res.json()
    assert.ok(!left.some((m) => m.id === hello.id), 'the server no longer lists it')
  })

  test('a reload resumes the same user and conversation', async () => {
    const me = await page.textContent('#me-id')
    const count = (await messages()).length
    await page.reload()
    await page.waitForSelector('#app[data-state="ready"]', { timeout: 20_000 })
    await page.waitForSelector('#status[data-status="connected"]')
    assert.equal(await page.textContent('#me-id'), me)
    await waitFor(async () => (await messages()).length === count, `the ${count} messages after reload`)
  })

  test('a reload while the bot streams and bursts shows every message once, none missing', async () => {
    const before = (await messages()).length
    await send('burst 40')
    await send('stream 30')
    await waitFor(async () => (await messages()).length >= before + 6, 'the burst to start')
    await page.reload()
    await page.waitForSelector('#app[data-state="ready"]', { timeout: 20_000 })
    const s = await stored()
    const key = s[`bpchat:user:${server.apiUrl}`].userKey
    const conversationId = s[`bpchat:last:${server.apiUrl}`]
    const listAll = async () => {
      const ids = []
      let token
      do {
        const q = token ? `?nextToken=${encodeURIComponent(token)}` : ''
        const res = await fetch(`${server.apiUrl}/conversations/${conversationId}/messages${q}`, { headers: { 'x-user-key': key } })
        const page = await res.json()
        ids.push(...page.messages.map((m) => m.id))
        token = page.meta.nextToken
      } while (token)
      return ids
    }
    let last = ''
    await waitFor(async () => {
      const shown = (await messages()).filter((m) => !m.streaming).map((m) => m.id)
      const stored = await listAll()
      last = `${shown.length} shown (${new Set(shown).size} distinct), ${stored.length} stored`
      return shown.length === new Set(shown).size && stored.length >= before + 43 &&
        JSON.stringify([...shown].sort()) === JSON.stringify([...stored].sort())
    }, 'every stored message shown once', 30_000, 300).catch((e) => { throw new Error(`${e.message} (${last})`) })
    assert.equal(await page.$('.msg.streaming'), null, 'the streamed reply is final')
  })

  test('phone viewport', async () => {
    await page.setViewportSize(PHONE)
    await page.waitForTimeout(300)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 0, `no horizontal overflow on a phone (${overflow}px)`)
    assert.ok(await page.isVisible('#composer'), 'composer visible')
    assert.ok(await page.isVisible('#status'), 'status visible')
    await waitFor(async () => !(await page.isVisible('#new-conversation')), 'the sidebar to be tucked away', 3_000)
    await shot('05-phone')
    await page.click('#open-sidebar')
    await waitFor(() => page.isVisible('#new-conversation'), 'the sidebar to open', 3_000)
    await page.waitForTimeout(300)
    await shot('06-phone-conversations')
    await page.click('#new-conversation')
    await page.waitForSelector('#empty:not([hidden])')
    assert.equal(await page.$$eval('#conversations li[data-id]', (els) => els.length), 2)
    await send('hello from a phone')
    await waitForMessage((m) => !m.own && m.text === 'hello from a phone', 'echo on the phone')
    await send('stream 12')
    await waitFor(async () => !(await page.$('.msg.streaming')) && (await messages()).length === 4, 'the streamed reply on the phone', 15_000)
    await page.waitForTimeout(500)
    await shot('07-phone-chat')
  })

  test('shows the connection state and catches up after the connection drops', async () => {
    const proxy = await cuttableProxy(server.url)
    const ctx = await browser.newContext({ viewport: DESKTOP })
    const p = await ctx.newPage()
    p.on('pageerror', (e) => pageErrors.push(e.message + ' @ ' + (e.stack ?? '').split('\n').slice(0, 6).join(' | ')))
    try {
      await p.goto(`${proxy.url}/?apiUrl=${encodeURIComponent(`${proxy.url}/local`)}`)
      await p.waitForSelector('#status[data-status="connected"]', { timeout: 20_000 })
      const s = await p.evaluate(() => ({ key: window.chatDemo.state.client.user.key, conv: window.chatDemo.state.conversationId }))
      // Record the badge states the page goes through.
      await p.evaluate(() => {
        window.__states = []
        new MutationObserver(() => window.__states.push(document.querySelector('#status').dataset.status))
          .observe(document.querySelector('#status'), { attributes: true, attributeFilter: ['data-status'] })
      })
      proxy.cut()
      await p.waitForSelector('#status[data-status="reconnecting"]', { timeout: 10_000 })
      assert.ok(await p.isVisible('#conn-banner'), 'a banner explains the state')
      // While the page is cut off, a message arrives (posted straight to the server).
      const res = await fetch(`${server.apiUrl}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-key': s.key },
        body: JSON.stringify({ conversationId: s.conv, payload: { type: 'text', text: 'sent while you were away' } }),
      })
      assert.equal(res.status, 200)
      await new Promise((r) => setTimeout(r, 800))
      await p.screenshot({ path: path.join(SHOTS, '08-reconnecting.png') })
      proxy.resume()
      await p.waitForSelector('#status[data-status="connected"]', { timeout: 30_000 })
      const texts = async () => p.$$eval('#message-list > .msg', (els) => els.map((e) => `${e.classList.contains('own') ? 'own' : 'bot'}:${e.querySelector('.bubble').innerText.trim()}`))
      await waitFor(async () => {
        const t = await texts()
        return t.includes('own:sent while you were away') && t.includes('bot:sent while you were away')
      }, 'the missed message and its echo', 15_000)
      const t = await texts()
      assert.equal(t.filter((x) => x === 'own:sent while you were away').length, 1, 'delivered once')
      assert.ok(!(await p.isVisible('#conn-banner')), 'the banner is gone once connected')
      const states = await p.evaluate(() => window.__states)
      assert.ok(states.includes('reconnecting') && states.at(-1) === 'connected', `badge states: ${states.join(' → ')}`)
    } finally {
      await ctx.close()
      await proxy.close()
    }
  })

  test('offline: the badge says Offline; back online the listener reconnects at once, not after its backoff', async () => {
    // The emulated offline fails new requests; the proxy ends the stream already open.
    const proxy = await cuttableProxy(server.url)
    const ctx = await browser.newContext({ viewport: DESKTOP })
    const p = await ctx.newPage()
    p.on('pageerror', (e) => pageErrors.push(e.message))
    try {
      await p.goto(`${proxy.url}/?apiUrl=${encodeURIComponent(`${proxy.url}/local`)}`)
      await p.waitForSelector('#status[data-status="connected"]', { timeout: 20_000 })
      // The listener's own reports: its state changes and the backoff it announced last.
      await p.evaluate(() => {
        const l = window.chatDemo.state.listener
        window.__states = []
        window.__waits = []
        l.on('state', (e) => window.__states.push([e.state, Date.now()]))
        l.on('reconnecting', (r) => window.__waits.push([Date.now(), r.delayMs]))
      })
      await ctx.setOffline(true)
      proxy.cut()
      await p.waitForSelector('#status[data-status="offline"]', { timeout: 10_000 })
      await waitFor(() => p.evaluate(() => window.__states.some(([s]) => s === 'offline')), "the listener's offline state", 20_000)
      // A message sent offline: shown at once, then "Not sent" with Retry.
      await p.fill('#input', 'written offline')
      await p.press('#input', 'Enter')
      await p.waitForSelector('.msg.failed >> text="written offline"', { timeout: 10_000 })
      await p.screenshot({ path: path.join(SHOTS, '09-offline.png') })
      // Offline long enough for a wait longer than a second to be announced.
      await waitFor(() => p.evaluate(() => window.__waits.some(([, ms]) => ms >= 1500)), 'a backoff of 1.5 s or more', 60_000, 100)
      proxy.resume()
      await ctx.setOffline(false)
      await p.waitForSelector('#status[data-status="connected"]', { timeout: 20_000 })
      // Retry sends it; its bubble gives way to the message, shown once, and the bot answers.
      await p.click('.msg.failed .msg-retry')
      await p.waitForSelector('.msg.bot >> text="written offline"', { timeout: 10_000 })
      const own = await p.$$eval('#message-list > .msg.own', (els) => els.map((e) => e.querySelector('.bubble').innerText.trim()))
      assert.equal(own.filter((t) => t === 'written offline').length, 1, `own messages: ${own.join(' | ')}`)
      assert.equal(await p.$$eval('.msg.pending, .msg.failed', (els) => els.length), 0, 'no send bubble is left')
      const { states, waits } = await p.evaluate(() => ({ states: window.__states, waits: window.__waits }))
      const names = states.map(([s]) => s)
      const connectedAt = states.findLast(([s]) => s === 'connected')?.[1]
      assert.ok(names.includes('offline') && names.lastIndexOf('connected') > names.indexOf('offline'), `states: ${names.join(' → ')}`)
      // The wait the listener had announced when the network came back: it did not sleep it out.
      const [at, ms] = waits.findLast(([t]) => t < connectedAt)
      assert.ok(ms >= 1500 && connectedAt < at + ms, `reconnected ${connectedAt - at} ms into a ${ms} ms backoff`)
    } finally {
      await ctx.close()
      await proxy.close()
    }
  })

  for (const protocol of ['websocket', 'eventsource']) {
    test(`works over ${protocol}`, async () => {
      const ctx = await browser.newContext({ viewport: PHONE })
      const p = await ctx.newPage()
      p.on('pageerror', (e) => pageErrors.push(e.message + ' @ ' + (e.stack ?? '').split('\n').slice(0, 6).join(' | ')))
      try {
        await p.goto(`${server.url}/?protocol=${protocol}`)
        await p.waitForSelector('#status[data-status="connected"]', { timeout: 20_000 })
        await p.fill('#input', `hello over ${protocol}`)
        await p.press('#input', 'Enter')
        await p.waitForSelector(`.msg.bot >> text="hello over ${protocol}"`, { timeout: 10_000 })
        await p.fill('#input', 'stream 8')
        await p.press('#input', 'Enter')
        await p.waitForFunction(() => document.querySelectorAll('#message-list > .msg:not(.streaming)').length === 4, null, { timeout: 15_000 })
      } finally {
        await ctx.close()
      }
    })
  }

  test('no page errors', () => {
    assert.deepEqual(pageErrors.filter((e) => !/favicon/.test(e)), [])
  })
})
