// What every entry of the npm package exports: the wasm-bindgen module as
// generated (`#glue`, the `--target web` build the package script makes), the
// error classes, `AuthenticatedClient` (the name `@botpress/chat` gives the
// connected client's class) and the `list` getters of both client classes.
// The entries differ only in how they instantiate the wasm; each also exports
// the generated `init` as its default export (`export *` leaves defaults out).
import { ChatClient, Client, SignalIterator, SignalListener } from '#glue'
import { installLists } from '../pages.js'

export * from '#glue'
export { ChatClient as AuthenticatedClient } from '#glue'
// The glue's declarations (its TypeScript sections) also name the error classes, which
// its JS leaves to this module.
// @ts-expect-error TS2308: the same names in two `export *`
export * from '../errors.js'

installLists(ChatClient, Client)
// Minification renames classes: their names are given back.
for (const [name, cls] of Object.entries({ ChatClient, Client, SignalListener, SignalIterator })) {
  Object.defineProperty(cls, 'name', { value: name })
}
