// Where a wrapped fetch loses time against a bare one: createMessage done with raw
// fetch in the ways our transport does it, one ingredient at a time.
//   bare      fetch + r.text() + JSON.parse
//   abort     + an AbortController and its signal per request
//   timer     + a setTimeout/clearTimeout per request
//   headers   + a Headers object instead of a plain object
//   reader    the body read with getReader()/read() chunks copied into one buffer
//   all       every ingredient above (what transport/fetch.rs does)
export const VARIANTS = ['bare', 'abort', 'timer', 'headers', 'reader', 'all'];

async function readAll(r) {
  const reader = r.body.getReader();
  let buf = new Uint8Array(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const next = new Uint8Array(buf.length + value.length);
    next.set(buf);
    next.set(value, buf.length);
    buf = next;
  }
  return new TextDecoder().decode(buf);
}

export function makeCall(variant, base, key) {
  const v = (x) => variant === x || variant === 'all';
  return async (conversationId) => {
    const body = JSON.stringify({ conversationId, payload: { type: 'text', text: 'm' } });
    let headers = { 'content-type': 'application/json', 'x-user-key': key };
    if (v('headers')) {
      const h = new Headers();
      h.set('x-user-key', key);
      h.set('content-type', 'application/json');
      headers = h;
    }
    const init = { method: 'POST', headers, body };
    let ac = null;
    if (v('abort')) {
      ac = new AbortController();
      init.signal = ac.signal;
    }
    const t = v('timer') ? setTimeout(() => ac && ac.abort(), 60000) : null;
    const r = await fetch(`${base}/messages`, init);
    const text = v('reader') ? await readAll(r) : await r.text();
    if (t) clearTimeout(t);
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return JSON.parse(text);
  };
}

export async function runVariants({ apiUrl, n, rounds, now }) {
  const h = await fetch(apiUrl + '/hello');
  await h.text();
  const u = await (await fetch(apiUrl + '/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json();
  const c = await (
    await fetch(apiUrl + '/conversations', { method: 'POST', headers: { 'content-type': 'application/json', 'x-user-key': u.key }, body: '{}' })
  ).json();
  const conv = c.conversation.id;
  const out = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  for (const variant of VARIANTS) for (let i = 0; i < 20; i++) await makeCall(variant, apiUrl, u.key)(conv);
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < VARIANTS.length; j++) {
      const variant = VARIANTS[(round + j) % VARIANTS.length];
      const call = makeCall(variant, apiUrl, u.key);
      const t0 = now();
      for (let i = 0; i < n; i++) await call(conv);
      out[variant].push(((now() - t0) * 1000) / n);
    }
  }
  return out;
}
