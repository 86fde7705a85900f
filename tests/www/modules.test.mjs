// The demo page's modules (www/*.js): every relative import names a file that
// exists and exports the imported names, and the import graph has no cycle
// (docs/ARCHITECTURE.md describes it that way).
//   node --test tests/www/
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const WWW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'www')
const modules = fs.readdirSync(WWW).filter((f) => f.endsWith('.js'))
const source = Object.fromEntries(modules.map((f) => [f, fs.readFileSync(path.join(WWW, f), 'utf8')]))

// import { a, b } from './x.js'  →  { from: 'x.js', names: ['a', 'b'] }
function imports(text) {
  return [...text.matchAll(/^import\s*\{([^}]*)\}\s*from\s*'\.\/([^']+)'/gm)].map((m) => ({
    from: m[2],
    names: m[1].split(',').map((s) => s.trim()).filter(Boolean),
  }))
}

const exported = (text, name) =>
  new RegExp(`^export\\s+(?:async\\s+)?(?:function\\*?|const|let|class)\\s+${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'm').test(text)

test('index.html loads app.js, and every module is reachable from it', () => {
  assert.match(fs.readFileSync(path.join(WWW, 'index.html'), 'utf8'), /<script type="module" src="app\.js">/)
  const seen = new Set()
  const visit = (f) => { if (seen.has(f)) return; seen.add(f); for (const i of imports(source[f])) visit(i.from) }
  visit('app.js')
  assert.deepEqual(modules.filter((f) => !seen.has(f)), [])
})

test('every import names an existing module and an exported name', () => {
  const bad = []
  for (const f of modules) {
    for (const i of imports(source[f])) {
      if (!source[i.from]) { bad.push(`${f}: ./${i.from} does not exist`); continue }
      for (const n of i.names) if (!exported(source[i.from], n)) bad.push(`${f}: ${n} is not exported by ${i.from}`)
    }
  }
  assert.deepEqual(bad, [])
})

test('the import graph has no cycle', () => {
  const state = {}
  const cycles = []
  const dfs = (f, trail) => {
    if (state[f] === 1) { cycles.push([...trail, f].join(' → ')); return }
    if (state[f] === 2) return
    state[f] = 1
    for (const i of imports(source[f] ?? '')) dfs(i.from, [...trail, f])
    state[f] = 2
  }
  for (const f of modules) dfs(f, [])
  assert.deepEqual(cycles, [])
})

test('markdown.js stands alone (no imports, no DOM), so it runs under Node', () => {
  assert.deepEqual(imports(source['markdown.js']), [])
  assert.doesNotMatch(source['markdown.js'], /\bdocument\b|\bwindow\b/)
})
