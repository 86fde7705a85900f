// Entry for browsers, bundlers (Vite, webpack 5, esbuild) and other hosts
// with `fetch`: the wasm beside this file is fetched and instantiated
// (streaming where the host can) before the module finishes loading, so the
// exports are ready when `import` resolves. `init()` stays exported and does
// nothing once the wasm is in.
import init from '#glue'

export * from './common.mjs'
export { default } from '#glue'

await init({ module_or_path: new URL('./botpress_chat_wasm_bg.wasm', import.meta.url) })
