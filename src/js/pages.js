// `client.list.*`: every item of a list operation across its pages, as an async
// iterator with `collect()` (the shape of `@botpress/chat`'s AsyncCollection),
// over the steps src/js/pages.rs decides (which method lists, the next page's
// arguments, the last page); each page is the client's own call of the list
// operation, so arguments are checked, keys injected and errors typed exactly
// as for a direct call; a rejected page rejects the iteration. The build
// installs the `list` getter on both client classes.

class AsyncCollection {
  // `step` is `ChatClient.__listStep` (src/js/pages.rs): it names the list
  // method and turns each of its answers into the items and the next page's
  // arguments, undefined after the last page.
  constructor(step, client, name, args, options) {
    /** @type {AsyncGenerator<unknown> | undefined} the iteration, once started */
    this._it = undefined
    this._step = step
    this._client = client
    this._name = name
    this._args = args ?? {}
    this._options = options
  }

  async *_items() {
    const [op] = this._step(this._name, this._args)
    for (let args = this._args; args !== undefined; ) {
      const [, items, next] = this._step(this._name, args, await this._client[op](args, this._options))
      args = next
      yield* items
    }
  }

  // One iteration per collection: `next()`, `for await` and `collect()` share it,
  // and `break` (return()) ends it.
  [Symbol.asyncIterator]() {
    return (this._it ??= this._items())
  }

  next() {
    return this[Symbol.asyncIterator]().next()
  }

  return() {
    return this[Symbol.asyncIterator]().return()
  }

  /** The remaining items, at most `limit`, as an array. */
  async collect({ limit = Infinity } = {}) {
    const out = []
    while (out.length < limit) {
      const { value, done } = await this.next()
      if (done) break
      out.push(value)
    }
    return out
  }
}

/** Defines `list` on the prototypes of the given client classes (one object per
 * client); the first class has the static `__listStep`. */
export function installLists(...classes) {
  const step = classes[0].__listStep
  for (const cls of classes) {
    Object.defineProperty(cls.prototype, 'list', {
      configurable: true,
      get() {
        if (!this._lists) {
          const lists = {}
          for (const name of ['conversations', 'messages', 'participants']) {
            lists[name] = (args, options) => new AsyncCollection(step, this, name, args, options)
          }
          this._lists = lists
        }
        return this._lists
      },
    })
  }
}
