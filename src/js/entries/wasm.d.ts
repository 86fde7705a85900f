// What hosts that import a `.wasm` as a module (workerd, wrangler) give workerd.js.
declare module '*.wasm' {
  const module: WebAssembly.Module
  export default module
}
