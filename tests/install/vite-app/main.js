// A Vite-built page importing the installed package by name.
import init, { ChatClient } from 'botpress-chat-wasm'

const out = document.getElementById('result')
try {
  await init()
  const apiUrl = new URLSearchParams(location.search).get('apiUrl') ?? `${location.origin}/local`
  const client = await ChatClient.connect({ apiUrl })
  const { conversation } = await client.createConversation({})
  out.textContent = JSON.stringify({ ok: true, userId: client.user.id, conversationId: conversation.id })
} catch (e) {
  out.textContent = JSON.stringify({ ok: false, error: `${e?.type ?? ''} ${e?.message ?? e}` })
}
