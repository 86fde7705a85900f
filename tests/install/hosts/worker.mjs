// Runs program.mjs in a worker (wrangler dev): GET /?api=URL answers the result as JSON.
import { main } from './program.mjs'

export default {
  async fetch(request) {
    const apiUrl = new URL(request.url).searchParams.get('api')
    try {
      return Response.json(await main(apiUrl))
    } catch (e) {
      return Response.json({ ok: false, error: String((e && e.stack) || e) })
    }
  },
}
