// `client.list.*`: every item of a list operation across its pages, as an async
// iterator with `collect()` (the shape of `@botpress/chat`'s AsyncCollection). It
// calls the client's own list operation page by page, so arguments are checked,
// keys injected and errors typed exactly as for a direct call; a rejected page
// rejects the iteration. The build installs the `list` getter on both client classes.

class AsyncCollection {
  constructor(page, args) {
    this._page = page
    this._args = args
  }

  async *_items() {
    let token = this._args?.nextToken
    do {
      const [items, next] = await this._page({ ...this._args, nextToken: token })
      token = next
      yield* items
    } while (token)
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

const LISTS = [
  ['conversations', 'listConversations'],
  ['messages', 'listMessages'],
  ['participants', 'listParticipants'],
]

/** Defines `list` on the prototypes of the given client classes (one object per client). */
export function installLists(...classes) {
  for (const cls of classes) {
    Object.defineProperty(cls.prototype, 'list', {
      configurable: true,
      get() {
        if (!this._lists) {
          const lists = {}
          for (const [name, op] of LISTS) {
            lists[name] = (args, options) =>
              new AsyncCollection((a) => this[op](a, options).then((r) => [r[name], r.meta?.nextToken]), args)
          }
          this._lists = lists
        }
        return this._lists
      },
    })
  }
}
