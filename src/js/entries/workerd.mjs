// Entry for Cloudflare Workers (workerd, wrangler) and other edge hosts that
// import a `.wasm` file as a compiled `WebAssembly.Module`: it is
// instantiated synchronously when the module loads.
import wasm from './botpress_chat_wasm_bg.wasm'
import { initSync } from '#glue'

export * from './common.mjs'
export { default } from '#glue'

initSync({ module: wasm })
