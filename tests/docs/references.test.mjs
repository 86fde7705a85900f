// The documentation's references hold: every `§N` that a code comment cites
// (as `spec §N` or `PROTOCOL.md §N`) is a section of docs/PROTOCOL.md, and every
// relative link in the Markdown files points at a file that exists (and, for
// `#anchors` into Markdown files, at a heading that exists).
//   node --test tests/docs/
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const read = (f) => fs.readFileSync(path.join(ROOT, f), 'utf8')

function files(dir, exts, out = []) {
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name)
    if (e.isDirectory()) {
      if (!['node_modules', 'target', 'pkg', 'test-output'].includes(e.name)) files(rel, exts, out)
    } else if (exts.some((x) => e.name.endsWith(x))) {
      out.push(rel)
    }
  }
  return out
}

// Section numbers of docs/PROTOCOL.md: "## 4. Operations" → 4, "### 4.12 …" → 4.12.
export function protocolSections(md) {
  return new Set([...md.matchAll(/^#{2,4} (\d+(?:\.\d+)*)\.?\s/gm)].map((m) => m[1]))
}

// GitHub-style anchor of a heading.
function slug(heading) {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
}

test('docs/PROTOCOL.md has numbered sections', () => {
  const s = protocolSections(read('docs/PROTOCOL.md'))
  for (const n of ['1', '1.3', '4', '4.25', '5.5', '7.5', '9.2', '11']) assert.ok(s.has(n), `§${n}`)
})

test('every § the code cites is a section of docs/PROTOCOL.md', () => {
  const sections = protocolSections(read('docs/PROTOCOL.md'))
  const cited = []
  const code = [...files('src', ['.rs', '.ts', '.js']), ...files('server', ['.rs']), ...files('codegen', ['.rs']),
    ...files('tests', ['.rs', '.mjs', '.ts']).filter((f) => !f.startsWith(path.join('tests', 'docs')))]
  for (const f of code) {
    // `spec §4.4`, `Spec §6.4`, `spec §1.3, §6.4`, and a citation broken across two
    // comment lines.
    const re = /\b(?:spec|PROTOCOL\.md)\s*(?:\/\/[/!]?\s*)?((?:§\d+(?:\.\d+)*(?:,\s*|\s+and\s+)?)+)/gi
    for (const m of read(f).matchAll(re)) {
      for (const n of m[1].matchAll(/§(\d+(?:\.\d+)*)/g)) cited.push([f, n[1]])
    }
  }
  assert.ok(cited.length > 0, 'the code cites sections')
  const missing = cited.filter(([, n]) => !sections.has(n)).map(([f, n]) => `${f}: §${n}`)
  assert.deepEqual(missing, [])
})

test('relative links in the Markdown files resolve', () => {
  const mds = ['README.md', 'CONTRIBUTING.md', 'BENCHMARKS.md', ...files('docs', ['.md'])].filter((f) => fs.existsSync(path.join(ROOT, f)))
  const broken = []
  for (const md of mds) {
    const text = read(md).replace(/```[\s\S]*?```/g, '')
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = m[1]
      if (/^[a-z]+:/i.test(link)) continue
      const [file, anchor] = link.split('#')
      const target = file ? path.join(path.dirname(md), file) : md
      if (!fs.existsSync(path.join(ROOT, target))) { broken.push(`${md}: ${link}`); continue }
      if (anchor && target.endsWith('.md')) {
        const anchors = new Set([...read(target).matchAll(/^#+ (.*)$/gm)].map((h) => slug(h[1])))
        if (!anchors.has(anchor)) broken.push(`${md}: ${link} (no such heading)`)
      }
    }
  }
  assert.deepEqual(broken, [])
})
