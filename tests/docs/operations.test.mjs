// "Adding an operation" (docs/ARCHITECTURE.md) holds: every file the section names exists,
// and every operation of the table (`for_each_operation!` in crates/botpress-chat/src/api.rs) has the footprint
// the section describes — its `operation!` line, a server route, the generated TypeScript
// `Operations` entry, a test in the Rust suite and in the JS suite, and a section of
// docs/PROTOCOL.md. A step the section forgets, or an operation that skipped one, fails here.
//   node --test tests/docs/
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const read = (f) => fs.readFileSync(path.join(ROOT, f), 'utf8')

function section(md, title) {
  const start = md.indexOf(`## ${title}`)
  assert.ok(start >= 0, `docs/ARCHITECTURE.md has a "${title}" section`)
  const end = md.indexOf('\n## ', start + 3)
  return md.slice(start, end < 0 ? undefined : end)
}

/** The operations of the table: [rust name, JS name, input type]. */
function operations() {
  const api = read('crates/botpress-chat/src/api.rs')
  const table = api.slice(api.indexOf('macro_rules! for_each_operation'))
  return [...table.matchAll(/^\s+(\w+), "(\w+)", \$crate::api::(\w+);/gm)].map((m) => m.slice(1, 4))
}

test('every file the section names exists', () => {
  const text = section(read('docs/ARCHITECTURE.md'), 'Adding an operation')
  const named = [...new Set([...text.matchAll(/`((?:src|crates|server|tests|docs)\/[\w./-]+)`/g)].map((m) => m[1]))]
  assert.ok(named.length >= 8, `the section names the files to touch (${named.join(', ')})`)
  for (const f of named) assert.ok(fs.existsSync(path.join(ROOT, f)), `${f} exists`)
})

test('every operation has the footprint the section describes', () => {
  const ops = operations()
  assert.equal(ops.length, 20, 'the table holds the 20 request/response operations')
  const api = read('crates/botpress-chat/src/api.rs')
  const routes = read('server/src/routes.rs')
  const dts = read('src/js/generated.d.ts')
  const rust = read('tests-wasm/tests/client_suite/mod.rs')
  const js = read('tests/js/client.test.mjs')
  const protocol = read('docs/PROTOCOL.md')
  for (const [rust_name, js_name, input] of ops) {
    assert.match(api, new RegExp(`operation!\\(${input} =>[^;]*"${js_name}"`), `${js_name}: its operation! line`)
    assert.match(routes, new RegExp(`\\.op::<${input},`), `${js_name}: a server route`)
    assert.match(dts, new RegExp(`^  ${js_name}: \\{ input: ${input};`, 'm'), `${js_name}: the Operations entry`)
    assert.match(rust, new RegExp(`\\.${rust_name}\\(`), `${js_name}: a case in tests-wasm/tests/client_suite`)
    assert.match(js, new RegExp(`\\.${js_name}\\(`), `${js_name}: a case in tests/js/client.test.mjs`)
    assert.match(protocol, new RegExp(`^### \\d+\\.\\d+ ${js_name}\\b`, 'm'), `${js_name}: a section of PROTOCOL.md`)
  }
})
