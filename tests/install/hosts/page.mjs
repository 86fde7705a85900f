// Runs program.mjs in a page built by Vite or webpack: the result goes into #result.
import { main } from './program.mjs'

const out = document.getElementById('result')
const apiUrl = new URLSearchParams(location.search).get('apiUrl') ?? `${location.origin}/local`
main(apiUrl).then(
  (r) => (out.textContent = JSON.stringify(r)),
  (e) => (out.textContent = JSON.stringify({ ok: false, error: `${e?.type ?? ''} ${e?.message ?? e}` })),
)
