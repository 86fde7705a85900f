// Where the bytes of a .wasm go: section sizes, and code size per crate and per
// function from the name section (so use a build that keeps names, e.g.
// target/wasm32-unknown-unknown/release/botpress_chat_wasm.wasm before wasm-bindgen
// and wasm-opt, or a `wasm-pack build --profiling` output).
//   node bench/wasm-size.mjs FILE.wasm [--top 40]
import fs from 'node:fs';

const argv = process.argv.slice(2);
const ti = argv.indexOf('--top');
const TOP = ti >= 0 ? Number(argv.splice(ti, 2)[1]) : 40;
const buf = fs.readFileSync(argv[0]);

let pos = 8;
const u32 = () => {
  let r = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    r += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return r;
  }
};
const str = () => {
  const n = u32();
  const s = buf.toString('utf8', pos, pos + n);
  pos += n;
  return s;
};

const SECTION = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount', 'tag'];
const sections = [];
let importedFuncs = 0;
let bodies = [];
const names = new Map();
while (pos < buf.length) {
  const id = buf[pos++];
  const size = u32();
  const start = pos;
  let name = SECTION[id] || `#${id}`;
  if (id === 0) name = `custom "${str()}"`;
  if (id === 2) {
    const n = u32();
    for (let i = 0; i < n; i++) {
      str();
      str();
      const kind = buf[pos++];
      if (kind === 0) {
        importedFuncs++;
        u32();
      } else if (kind === 1) {
        pos++;
        const f = u32();
        u32();
        if (f & 1) u32();
      } else if (kind === 2) {
        const f = u32();
        u32();
        if (f & 1) u32();
      } else if (kind === 3) {
        pos += 2;
      } else if (kind === 4) {
        pos++;
        u32();
      }
    }
  }
  if (id === 10) {
    const n = u32();
    for (let i = 0; i < n; i++) {
      const sz = u32();
      bodies.push({ index: importedFuncs + i, size: sz });
      pos += sz;
    }
  }
  if (name === 'custom "name"') {
    while (pos < start + size) {
      const sub = buf[pos++];
      const len = u32();
      const end = pos + len;
      if (sub === 1) {
        const n = u32();
        for (let i = 0; i < n; i++) {
          const idx = u32();
          names.set(idx, str());
        }
      }
      pos = end;
    }
  }
  sections.push({ name, size: size + 1 + (pos - pos) });
  pos = start + size;
}

const total = buf.length;
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB';
const pct = (n) => ((100 * n) / total).toFixed(1).padStart(5) + '%';
console.log(`${argv[0]}: ${kb(total)} total, ${bodies.length} functions, names for ${names.size}`);
console.log('-- sections');
for (const s of sections.sort((a, b) => b.size - a.size)) console.log(`${kb(s.size)} ${pct(s.size)}  ${s.name}`);

// Rust symbol names: legacy `_ZN…E` fully, v0 `_R…` roughly (its identifiers).
function demangle(n) {
  if (n.startsWith('_ZN')) {
    let i = 3;
    const parts = [];
    while (i < n.length && n[i] !== 'E') {
      const m = /^\d+/.exec(n.slice(i));
      if (!m) break;
      i += m[0].length;
      parts.push(n.slice(i, i + Number(m[0])));
      i += Number(m[0]);
    }
    if (parts.length && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
    const map = { LT: '<', GT: '>', RF: '&', BP: '*', SP: '@', LP: '(', RP: ')', C: ',' };
    return parts
      .join('::')
      .replace(/\$([A-Z]{1,2})\$/g, (x, k) => map[k] ?? x)
      .replace(/\$u([0-9a-f]+)\$/g, (x, h) => String.fromCodePoint(parseInt(h, 16)))
      .replace(/\.\./g, '::')
      .replace(/^_</, '<');
  }
  if (n.startsWith('_R')) {
    const ids = [];
    let i = 2;
    while (i < n.length) {
      if (n[i] === 'C' && n[i + 1] === 's') {
        i = n.indexOf('_', i) + 1 || n.length; // crate disambiguator hash
        continue;
      }
      const m = /^(\d+)_?/.exec(n.slice(i));
      if (m && Number(m[1]) > 0 && /[A-Za-z_]/.test(n[i + m[0].length] || '')) {
        const start = i + m[0].length;
        ids.push(n.slice(start, start + Number(m[1])));
        i = start + Number(m[1]);
      } else i += m ? m[0].length : 1;
    }
    return ids.length ? ids.join('::') : n;
  }
  return n;
}

// Crate of a (demangled) function name: the first `word::` that is not a std-ish
// wrapper of generics, e.g. `<serde_json::de::Deserializer<R> as …>::f` -> serde_json.
function crate(n) {
  n = n.replace(/\[[0-9a-f]+\]/g, '');
  const m = n.match(/([A-Za-z_][A-Za-z0-9_]*)::/);
  return m ? m[1] : n.startsWith('__') || /^[a-z_]+$/.test(n) ? '(runtime/libc)' : '(unnamed)';
}
const byCrate = new Map();
for (const b of bodies) {
  const c = crate(demangle(names.get(b.index) || ''));
  byCrate.set(c, (byCrate.get(c) || 0) + b.size);
}
const code = bodies.reduce((a, b) => a + b.size, 0);
console.log(`-- code by crate (code section ${kb(code)})`);
for (const [c, s] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${kb(s)} ${((100 * s) / code).toFixed(1).padStart(5)}%  ${c}`);
console.log(`-- top ${TOP} functions`);
for (const b of bodies.sort((a, b) => b.size - a.size).slice(0, TOP))
  console.log(`${kb(b.size)} ${((100 * b.size) / code).toFixed(1).padStart(5)}%  ${demangle(names.get(b.index) || `func[${b.index}]`).replace(/\[[0-9a-f]+\]/g, '').replace(/::h[0-9a-f]{16}$/, '').slice(0, 160)}`);
