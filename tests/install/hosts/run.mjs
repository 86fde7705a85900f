// Runs program.mjs in Node, Deno or Bun: the API URL is the first argument; prints the result as JSON.
import { main } from './program.mjs'

const apiUrl = globalThis.Deno ? globalThis.Deno.args[0] : process.argv[2]
main(apiUrl).then(
  (r) => {
    console.log(JSON.stringify(r))
    process.exit(0)
  },
  (e) => {
    console.error(e)
    process.exit(1)
  },
)
