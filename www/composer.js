// Everything the user sends: the text box, the suggestion chips, the sample
// gallery (one message of every payload kind), answers to choices and
// dropdowns, and deleting an own message.

import { $, h, icon, ICONS } from './dom.js'
import { errorText, toast } from './feedback.js'
import { dropPending, failPending, removeMessage, showPending, upsertMessage } from './messages.js'
import { state, ui } from './state.js'

export function setComposerEnabled(on) {
  ui.input.disabled = !on
  ui.attach.disabled = !on
  ui.send.disabled = !on || !ui.input.value.trim()
}

function autosize() {
  ui.input.style.height = 'auto'
  ui.input.style.height = `${Math.min(ui.input.scrollHeight, 160)}px`
  ui.send.disabled = ui.input.disabled || !ui.input.value.trim()
}

let sends = 0

// Shown at once as "Sending…"; a failure leaves it "Not sent" with Retry (see showPending).
export async function sendPayload(payload, metadata, pendingId) {
  if (!state.client || !state.conversationId) return
  const id = pendingId ?? `pending-${++sends}`
  const req = { conversationId: state.conversationId, payload }
  if (metadata) req.metadata = metadata
  showPending(id, payload)
  try {
    const { message } = await state.client.createMessage(req)
    dropPending(id)
    upsertMessage({ ...message, isBot: false })
    return message
  } catch (e) {
    failPending(id, () => sendPayload(payload, metadata, id).catch(() => {}))
    toast(`Not sent — ${errorText(e)}`, 'error')
    throw e
  }
}

export async function sendText(text) {
  const t = text.trim()
  if (!t) return
  // "metadata" shows off message metadata: the echo bot returns it unchanged.
  const metadata = t === 'metadata' ? { source: 'demo-page', sentAt: new Date().toISOString() } : undefined
  await sendPayload({ type: 'text', text: t }, metadata)
}

// A choice, dropdown or card button: sends the chosen value as a text message, once.
export async function answer(msg, value, label) {
  if (state.answered.has(msg.id)) return
  state.answered.set(msg.id, value)
  const m = state.messages.get(msg.id)
  if (m) upsertMessage(m)
  try {
    await sendText(String(value ?? label))
  } catch {
    state.answered.delete(msg.id)
    if (m) upsertMessage(m)
  }
}

export async function deleteMessage(id) {
  const el = state.elements.get(id)
  el?.classList.add('deleting')
  try {
    await state.client.deleteMessage({ id })
    removeMessage(id)
  } catch (e) {
    el?.classList.remove('deleting')
    toast(`Could not delete — ${errorText(e)}`, 'error')
  }
}

// ---------------------------------------------------------------------------
// Sample gallery: every payload kind, sent as the user
// ---------------------------------------------------------------------------

const asset = (name) => new URL(`assets/${name}`, location.href).href

function samples() {
  const card = (title, subtitle, img, extra = []) => ({
    type: 'card', title, subtitle, imageUrl: asset(img),
    actions: [{ action: 'say', label: 'Tell me more', value: `Tell me more about ${title}` }, ...extra],
  })
  return [
    ['markdown', 'Markdown', { type: 'markdown', markdown: '**Release notes**\n- *Faster* reconnects\n- Smaller bundle: `72 KB` gzipped\n- [Chat API docs](https://botpress.com/docs)' }],
    ['image', 'Image', { type: 'image', imageUrl: asset('sample-image.svg') }],
    ['audio', 'Audio', { type: 'audio', audioUrl: asset('sample-audio.wav') }],
    ['video', 'Video', { type: 'video', videoUrl: asset('sample-video.webm') }],
    ['file', 'File', { type: 'file', fileUrl: asset('sample-file.txt'), title: 'Release notes.txt' }],
    ['location', 'Location', { type: 'location', latitude: 45.5019, longitude: -73.5674, title: 'Botpress', address: 'Montréal, Québec' }],
    ['card', 'Card', card('Starter plan', 'Everything you need to launch', 'sample-card-1.svg', [{ action: 'url', label: 'Pricing', value: 'https://botpress.com/pricing' }])],
    ['carousel', 'Carousel', { type: 'carousel', items: [
      card('Starter', 'For side projects', 'sample-card-1.svg'),
      card('Team', 'For growing teams', 'sample-card-2.svg'),
      card('Enterprise', 'Scale and support', 'sample-card-3.svg'),
    ] }],
    ['choice', 'Choice', { type: 'choice', text: 'Which plan suits you?', options: [
      { label: 'Starter', value: 'starter' }, { label: 'Team', value: 'team' }, { label: 'Enterprise', value: 'enterprise' },
    ] }],
    ['dropdown', 'Dropdown', { type: 'dropdown', text: 'Pick your timezone', options: [
      { label: 'Montréal (UTC−5)', value: 'America/Montreal' }, { label: 'London (UTC+0)', value: 'Europe/London' },
      { label: 'Paris (UTC+1)', value: 'Europe/Paris' }, { label: 'Tokyo (UTC+9)', value: 'Asia/Tokyo' },
    ] }],
    ['bloc', 'Bloc', { type: 'bloc', items: [
      { type: 'text', text: 'Here is your order summary:' },
      { type: 'image', imageUrl: asset('sample-card-2.svg') },
      { type: 'markdown', markdown: '**Total:** 42.00 $ — _paid_' },
      { type: 'location', latitude: 45.5019, longitude: -73.5674, title: 'Pick-up point' },
    ] }],
  ]
}

export function toggleAttach(open = ui.attachMenu.hidden) {
  ui.attachMenu.hidden = !open
  ui.attach.setAttribute('aria-expanded', String(open))
  ui.attach.classList.toggle('open', open)
}

function buildSampleMenu() {
  ui.samples.replaceChildren(...samples().map(([kind, label, payload]) =>
    h('button', { type: 'button', role: 'menuitem', class: 'sample', 'data-kind': kind,
      onclick: () => { toggleAttach(false); sendPayload(payload).catch(() => {}) } },
    icon(ICONS[kind]), h('span', { text: label }))))
}

export function bindComposer() {
  buildSampleMenu()
  ui.composer.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    const text = ui.input.value
    if (!text.trim() || ui.input.disabled) return
    ui.input.value = ''
    autosize()
    ui.send.classList.add('busy')
    try {
      await sendText(text)
    } catch {
      // The failed message stays in the conversation, with Retry.
    } finally {
      ui.send.classList.remove('busy')
    }
  })
  ui.input.addEventListener('input', autosize)
  ui.input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault()
      ui.composer.requestSubmit()
    }
  })
  $('#chips').addEventListener('click', (ev) => {
    const say = ev.target.closest('[data-say]')?.dataset.say
    if (say) sendText(say).catch(() => {})
  })
  ui.attach.addEventListener('click', () => toggleAttach())
  document.addEventListener('click', (ev) => {
    if (!ui.attachMenu.hidden && !ev.target.closest('.attach')) toggleAttach(false)
  })
}
