// User keys, read on the JS side (smaller than decoding them in wasm): the `id`
// claim of a key that is a JWT (`header.claims.signature`), without checking the
// signature (only the server can); '' when the key is not such a JWT.
export function claimedUserId(key) {
  try {
    const id = JSON.parse(atob(key.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).id
    return typeof id === 'string' ? id : ''
  } catch {
    return ''
  }
}
