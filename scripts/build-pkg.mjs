#!/usr/bin/env node
// Builds the npm package into pkg/ (what `npm pack` ships):
//   1. one wasm-bindgen build, `wasm-pack build --target web`, left as generated
//      in target/glue/ (the entries import it as `#glue`, see package.json
//      "imports");
//   2. the hand-written entries of src/js/entries/ (type-checked by tsc -p src/js), one per kind of host, each
//      bundled with the glue and minified by esbuild; the glue's snippets
//      (src/host.js, src/js/*.js) resolve to the repository's files, so an
//      entry and the glue share one copy of each module (one set of error
//      classes: `instanceof` holds);
//   3. the .wasm, the declarations (index.d.ts, and index.d.cts for `require`)
//      and package.json with the `exports` of every host.
//
//   node scripts/build-pkg.mjs [--force]
// Skipped when pkg/ is newer than every input (--force or FORCE=1 rebuilds).
// wasm-opt is npm binaryen's (node_modules/.bin), as scripts/setup.sh sets it up.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const GLUE = path.join(ROOT, 'target', 'glue')
const PKG = path.join(ROOT, 'pkg')
const STAMP = path.join(PKG, '.build-stamp')
const INPUTS = ['src', 'crates', 'Cargo.toml', 'Cargo.lock', 'README.md', 'scripts/build-pkg.mjs']
const force = process.argv.includes('--force') || process.env.FORCE === '1'

const log = (m) => console.log(`[${new Date().toTimeString().slice(0, 8)}] ${m}`)
const die = (m) => {
  console.error(`error: ${m}`)
  process.exit(1)
}

/** The newest modification time under `p` (a file or a folder). */
function newest(p) {
  const st = fs.statSync(p, { throwIfNoEntry: false })
  if (!st) return 0
  if (!st.isDirectory()) return st.mtimeMs
  return fs.readdirSync(p).reduce((m, f) => Math.max(m, newest(path.join(p, f))), st.mtimeMs)
}

function upToDate() {
  const stamp = fs.statSync(STAMP, { throwIfNoEntry: false })
  return stamp !== undefined && INPUTS.every((i) => newest(path.join(ROOT, i)) <= stamp.mtimeMs)
}

/** The entries: source file → [file in pkg/, esbuild options]. */
const ENTRIES = {
  'web.mjs': ['web.js', { format: 'esm', platform: 'neutral' }],
  'node.mjs': ['node.mjs', { format: 'esm', platform: 'node' }],
  // `import.meta.url` (the glue's default location of the .wasm) as CommonJS knows it.
  'node.cjs': [
    'node.cjs',
    {
      format: 'cjs',
      platform: 'node',
      define: { 'import.meta.url': '__import_meta_url' },
      banner: { js: 'var __import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
    },
  ],
  'workerd.mjs': ['workerd.js', { format: 'esm', platform: 'neutral' }],
  'slim.mjs': ['slim.js', { format: 'esm', platform: 'neutral' }],
}

/** package.json: metadata from Cargo.toml, the entries by host condition. */
function manifest() {
  const cargo = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8')
  const field = (name) => new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, 'm').exec(cargo)?.[1]
  const list = (name) => JSON.parse(new RegExp(`^${name}\\s*=\\s*(\\[[^\\]]*\\])`, 'm').exec(cargo)?.[1] ?? '[]')
  const types = { import: './index.d.ts', require: './index.d.cts' }
  return {
    name: field('name'),
    version: field('version'),
    description: field('description'),
    license: field('license'),
    repository: { type: 'git', url: field('repository') },
    keywords: list('keywords'),
    type: 'module',
    engines: { node: '>=20.19' },
    // Hosts read the first condition they know, in this order.
    exports: {
      '.': {
        types: types.import,
        workerd: './workerd.js',
        worker: './workerd.js',
        'edge-light': './workerd.js',
        deno: './node.mjs',
        bun: './node.mjs',
        browser: './web.js',
        node: { import: './node.mjs', require: { types: types.require, default: './node.cjs' } },
        require: { types: types.require, default: './node.cjs' },
        default: './web.js',
      },
      './slim': { types: types.import, default: './slim.js' },
      './wasm': './botpress_chat_wasm_bg.wasm',
      './package.json': './package.json',
    },
    // For tools that read no `exports`.
    main: './node.cjs',
    module: './web.js',
    browser: './web.js',
    types: types.import,
    files: [...Object.values(ENTRIES).map(([f]) => f), 'botpress_chat_wasm_bg.wasm', 'index.d.ts', 'index.d.cts'],
    // Every entry instantiates the wasm when it loads.
    sideEffects: true,
  }
}

/** esbuild plugin: the glue's copies of its snippets (target/glue/snippets/<crate>/src/…) are the repository's files. */
const snippetsAreSources = {
  name: 'snippets-are-sources',
  setup(build) {
    build.onResolve({ filter: /(^|\/)snippets\/[^/]+\/src\// }, (args) => ({
      path: path.join(ROOT, 'src', args.path.replace(/^.*snippets\/[^/]+\/src\//, '')),
    }))
  },
}

async function build() {
  // As scripts/lib.sh sets it: the npm tools, then cargo's.
  const bins = [path.join(ROOT, 'node_modules', '.bin'), path.join(process.env.HOME ?? '', '.cargo', 'bin')]
  process.env.PATH = [...bins, ...(process.env.PATH ?? '').split(':').filter((p) => !bins.includes(p))].join(':')
  const wasmOpt = execFileSync('sh', ['-c', 'command -v wasm-opt || true'], { encoding: 'utf8' }).trim()
  if (wasmOpt !== path.join(ROOT, 'node_modules', '.bin', 'wasm-opt'))
    die(`wasm-opt resolves to '${wasmOpt || 'nothing'}', not npm binaryen: run scripts/setup.sh`)
  const t0 = Date.now()
  log('wasm-pack build --release --target web --out-dir target/glue')
  // no-install: the wasm-bindgen on PATH (the version of Cargo.lock) or fail, never a download.
  execFileSync('wasm-pack', ['-q', 'build', '--release', '--mode', 'no-install', '--no-pack', '--target', 'web', '--out-dir', GLUE], {
    cwd: ROOT,
    stdio: 'inherit',
  })
  fs.rmSync(PKG, { recursive: true, force: true })
  fs.mkdirSync(PKG)
  const esbuild = await import('esbuild')
  for (const [src, [out, opts]] of Object.entries(ENTRIES)) {
    await esbuild.build({
      entryPoints: [path.join(ROOT, 'src', 'js', 'entries', src)],
      outfile: path.join(PKG, out),
      bundle: true,
      minify: true,
      external: ['*.wasm', 'node:*'],
      target: 'es2022',
      logLevel: 'warning',
      plugins: [snippetsAreSources],
      ...opts,
    })
  }
  fs.copyFileSync(path.join(GLUE, 'botpress_chat_wasm_bg.wasm'), path.join(PKG, 'botpress_chat_wasm_bg.wasm'))
  fs.copyFileSync(path.join(GLUE, 'botpress_chat_wasm.d.ts'), path.join(PKG, 'index.d.ts'))
  fs.copyFileSync(path.join(GLUE, 'botpress_chat_wasm.d.ts'), path.join(PKG, 'index.d.cts'))
  fs.copyFileSync(path.join(ROOT, 'README.md'), path.join(PKG, 'README.md'))
  fs.writeFileSync(path.join(PKG, 'package.json'), JSON.stringify(manifest(), null, 2) + '\n')
  fs.writeFileSync(path.join(PKG, '.gitignore'), '*\n')
  fs.writeFileSync(STAMP, '')
  log(`pkg/ built in ${Math.round((Date.now() - t0) / 1000)} s`)
}

if (!force && upToDate()) log('pkg/ is up to date')
else await build()

// What a browser downloads: the wasm and the browser entry.
for (const f of ['botpress_chat_wasm_bg.wasm', 'web.js', 'node.mjs', 'node.cjs', 'workerd.js']) {
  const b = fs.readFileSync(path.join(PKG, f))
  console.log(`  pkg/${f.padEnd(28)} ${String(b.length).padStart(8)} bytes ${String(zlib.gzipSync(b, { level: 9 }).length).padStart(8)} gzip -9`)
}
