// `botpress-chat-wasm/slim`: everything the package exports, with the wasm
// not yet instantiated, for hosts that want to choose where it comes from:
// `await init({ module_or_path })` (the default export: a URL, a `Response`,
// bytes or a `WebAssembly.Module`) or `initSync({ module })` before the first
// call. The `.wasm` itself is the subpath `botpress-chat-wasm/wasm`.
export * from './common.mjs'
export { default } from '#glue'
