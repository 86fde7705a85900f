// Node importing the installed package by name: the web build, initialised from the
// .wasm bytes (no fetch of file:// URLs in Node).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { initSync, ChatClient } from 'botpress-chat-wasm'

const require = createRequire(import.meta.url)
initSync({ module: readFileSync(require.resolve('botpress-chat-wasm/botpress_chat_wasm_bg.wasm')) })
const client = await ChatClient.connect({ apiUrl: process.argv[2] })
const { conversations } = await client.listConversations({})
console.log(JSON.stringify({ ok: true, userId: client.user.id, conversations: conversations.length }))
