// `client.list.*`: every item of a list operation across its pages, as an async
// iterator with `collect()` (the shape of `@botpress/chat`'s AsyncCollection),
// over the package's Pages object (src/js/pages.rs): the pages come from the
// client's own call of the list operation, so arguments are checked, keys
// injected and errors typed exactly as for a direct call, and which page is the
// last is decided there; a rejected page rejects the iteration. The build
// installs the `list` getter on both client classes.

class AsyncCollection {
  // `pages` is the package's Pages object of one list call: `nextPage()` gives
  // the next page's items, or undefined after the last page.
  constructor(pages) {
    this._pages = pages
  }

  async *_items() {
    for (;;) {
      const items = await this._pages.nextPage()
      if (items === undefined) return
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

/** Defines `list` on the prototypes of the given client classes (one object per client). */
export function installLists(...classes) {
  for (const cls of classes) {
    Object.defineProperty(cls.prototype, 'list', {
      configurable: true,
      get() {
        if (!this._lists) {
          const lists = {}
          for (const name of ['conversations', 'messages', 'participants']) {
            lists[name] = (args, options) => new AsyncCollection(this.__pages(name, args, options))
          }
          this._lists = lists
        }
        return this._lists
      },
    })
  }
}
