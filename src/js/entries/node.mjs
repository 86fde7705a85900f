// Entry for Node (ESM), Deno and Bun: the wasm beside this file is read and
// instantiated synchronously when the module loads.
import { readFileSync } from 'node:fs'
import { initSync } from '#glue'

export * from './common.mjs'
export { default } from '#glue'

initSync({ module: readFileSync(new URL('./botpress_chat_wasm_bg.wasm', import.meta.url)) })
