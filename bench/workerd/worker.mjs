// Benchmark worker. workerd advances Date.now() only across I/O, so every timed
// span below ends on an awaited network call; the cold start is also timed from
// outside (wall clock of the first request to a freshly started workerd).
//   GET /cold?c=ours|official|raw&api=URL
//   GET /create?c=…&api=URL&n=1000
import * as C from './contenders.mjs';
import * as K from './cases.mjs';

async function load(name) {
  if (name === 'ours') {
    // The package's workerd entry: the wasm is instantiated as it loads.
    return C.ours(await import('./ours.js'));
  }
  if (name === 'official') return C.official(await import('./official.cjs'));
  return C.raw();
}

const json = (o) => new Response(JSON.stringify(o), { headers: { 'content-type': 'application/json' } });

export default {
  async fetch(req) {
    const u = new URL(req.url);
    const c = u.searchParams.get('c');
    const apiUrl = u.searchParams.get('api');
    try {
      if (u.pathname === '/cold') {
        const t0 = Date.now();
        const k = await load(c);
        const tImport = Date.now();
        await k.connect(apiUrl);
        const t1 = Date.now();
        return json({ ms: t1 - t0, importMs: tImport - t0, connectMs: t1 - tImport });
      }
      if (u.pathname === '/create') {
        const n = Number(u.searchParams.get('n') || 1000);
        return json(await K.createMessages(await load(c), { apiUrl, n, now: Date.now }));
      }
      return new Response('not found', { status: 404 });
    } catch (e) {
      return json({ error: String((e && e.stack) || e) });
    }
  },
};
