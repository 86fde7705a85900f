// A program written for @botpress/chat: what every host of the install test runs
// (tests/install/install.test.mjs). For this package the test changes only the import
// line; nothing is initialised.
import * as chat from '@botpress/chat'

function within(promise, ms, what) {
  let timer
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

// Connect, create a conversation, listen, send, receive the bot's echo, catch a
// ResourceNotFoundError.
export async function main(apiUrl) {
  const client = await chat.Client.connect({ apiUrl })
  const { conversation } = await client.createConversation({})
  const listener = await client.listenConversation({ id: conversation.id })
  const seen = []
  const echo = new Promise((resolve) => {
    listener.on('message_created', (message) => {
      seen.push(message.isBot ? 'bot' : 'user')
      if (message.isBot) resolve(message)
    })
  })
  await client.createMessage({ conversationId: conversation.id, payload: { type: 'text', text: 'hello' } })
  const reply = await within(echo, 15_000, 'echo from the bot')
  let notFound = null
  try {
    await client.getConversation({ id: 'conv_missing' })
  } catch (e) {
    notFound = e instanceof chat.ResourceNotFoundError ? e.constructor.name : String(e)
  }
  await listener.disconnect()
  return { ok: true, userId: client.user.id, reply: reply.payload.type, seen, notFound }
}
