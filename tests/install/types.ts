// A TypeScript program written for @botpress/chat's declarations: it must type-check
// against this package's too, with only the import changed (tests/install). It reads
// payload fields without narrowing, as the official payload types allow (their object
// types accept any other field).
import * as chat from '@botpress/chat'

export async function firstItems(apiUrl: string): Promise<number> {
  const client: chat.AuthenticatedClient = await chat.Client.connect({ apiUrl })
  const { conversation } = await client.createConversation({})
  const { messages } = await client.listMessages({ conversationId: conversation.id })
  let n = 0
  for (const message of messages) {
    // Checked at run time only: the field is read on the union.
    const items = message.payload.items
    if (message.payload.type === 'carousel' && Array.isArray(items)) n += items.length
    const text: string | undefined = message.payload.text
    if (text) n += text.length
  }
  const listener = await client.listenConversation({ id: conversation.id })
  listener.on('message_created', (m) => {
    const options = m.payload.options
    if (Array.isArray(options)) n += options.length
  })
  try {
    await client.getConversation({ id: 'missing' })
  } catch (e) {
    if (e instanceof chat.ResourceNotFoundError) n += e.code
  }
  await listener.disconnect()
  return n + client.user.id.length
}
