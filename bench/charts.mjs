// SVG bar charts of bench/results.json, one per case: for each environment, one
// bar per variant (median), a min–max line over it, and the median as text.
// Colour by contender: ours, official, raw. Written by bench/report.mjs next to
// BENCHMARKS.md (bench/charts/*.svg); no dependencies, plain SVG 1.1.

const COLORS = { ours: '#2563eb', official: '#ea7a0b', raw: '#6b7280' };
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const W = 760;
const LABEL_W = 150;
const VALUE_W = 110;
const ROW = 22;
const BAR = 14;

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function fmt(x, digits) {
  if (!Number.isFinite(x)) return '–';
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

// A "nice" upper bound for the axis: 1, 2, 2.5 or 5 × 10^k at or above max.
function niceMax(max) {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/**
 * chart({ title, subtitle, unit, groups: [{ name, rows: [{ label, contender, median, min, max, note }] }] })
 * → SVG text. One shared axis for all groups (they measure the same thing); negative
 * values draw no bar (the text still gives them).
 */
export function chart({ title, subtitle, unit, groups }) {
  const all = groups.flatMap((g) => g.rows.flatMap((r) => [r.max, r.median])).filter(Number.isFinite);
  const top = niceMax(Math.max(0, ...all));
  const plotW = W - LABEL_W - VALUE_W - 20;
  const x = (v) => LABEL_W + Math.max(0, Math.min(v, top)) / top * plotW;
  const out = [];
  let y = 28;
  out.push(`<text x="10" y="${y}" font-size="15" font-weight="600" fill="#111">${esc(title)}</text>`);
  if (subtitle) {
    y += 18;
    out.push(`<text x="10" y="${y}" font-size="12" fill="#555">${esc(subtitle)}</text>`);
  }
  y += 10;
  // legend
  let lx = 10;
  y += 16;
  for (const [name, color] of Object.entries(COLORS)) {
    out.push(`<rect x="${lx}" y="${y - 10}" width="12" height="12" fill="${color}"/><text x="${lx + 17}" y="${y}" font-size="12" fill="#333">${name}</text>`);
    lx += 90;
  }
  out.push(`<line x1="${lx}" y1="${y - 4}" x2="${lx + 20}" y2="${y - 4}" stroke="#111" stroke-width="1.5"/><text x="${lx + 25}" y="${y}" font-size="12" fill="#333">min–max of the runs</text>`);
  y += 14;
  const plotTop = y;
  for (const g of groups) {
    y += 20;
    out.push(`<text x="10" y="${y}" font-size="13" font-weight="600" fill="#111">${esc(g.name)}</text>`);
    y += 6;
    for (const r of g.rows) {
      const cy = y + ROW / 2;
      const color = COLORS[r.contender] ?? '#999';
      out.push(`<text x="${LABEL_W - 8}" y="${cy + 4}" font-size="12" text-anchor="end" fill="#333">${esc(r.label)}</text>`);
      if (Number.isFinite(r.median) && r.median > 0) {
        out.push(`<rect class="bar" data-variant="${esc(r.label)}" x="${LABEL_W}" y="${cy - BAR / 2}" width="${(x(r.median) - LABEL_W).toFixed(1)}" height="${BAR}" fill="${color}"><title>${esc(`${r.label}: ${fmt(r.median)} ${unit} (median; min ${fmt(r.min)}, max ${fmt(r.max)})`)}</title></rect>`);
      } else {
        out.push(`<rect class="bar" data-variant="${esc(r.label)}" x="${LABEL_W}" y="${cy - BAR / 2}" width="0" height="${BAR}" fill="${color}"/>`);
      }
      if (Number.isFinite(r.min) && Number.isFinite(r.max) && r.max > 0) {
        const x1 = x(r.min);
        const x2 = x(r.max);
        out.push(`<line x1="${x1.toFixed(1)}" y1="${cy}" x2="${x2.toFixed(1)}" y2="${cy}" stroke="#111" stroke-width="1.5"/>`);
        out.push(`<line x1="${x1.toFixed(1)}" y1="${cy - 4}" x2="${x1.toFixed(1)}" y2="${cy + 4}" stroke="#111" stroke-width="1.5"/>`);
        out.push(`<line x1="${x2.toFixed(1)}" y1="${cy - 4}" x2="${x2.toFixed(1)}" y2="${cy + 4}" stroke="#111" stroke-width="1.5"/>`);
      }
      const label = `${fmt(r.median)}${r.note ? ` ${r.note}` : ''}`;
      out.push(`<text x="${W - VALUE_W}" y="${cy + 4}" font-size="12" fill="#111">${esc(label)}</text>`);
      y += ROW;
    }
  }
  y += 8;
  // axis: 0, half, top
  out.push(`<line x1="${LABEL_W}" y1="${y}" x2="${LABEL_W + plotW}" y2="${y}" stroke="#999"/>`);
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    const ax = LABEL_W + f * plotW;
    out.push(`<line x1="${ax}" y1="${plotTop}" x2="${ax}" y2="${y}" stroke="#ddd" stroke-dasharray="2,3"/>`);
    out.push(`<text x="${ax}" y="${y + 14}" font-size="11" text-anchor="middle" fill="#555">${fmt(f * top, top >= 10 ? 0 : 2)}</text>`);
  }
  out.push(`<text x="${LABEL_W + plotW}" y="${y + 30}" font-size="11" text-anchor="end" fill="#555">${esc(unit)}</text>`);
  const h = y + 40;
  // The grid goes under the bars: move the grid lines first.
  const grid = out.filter((l) => l.includes('stroke-dasharray'));
  const rest = out.filter((l) => !l.includes('stroke-dasharray'));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" ${FONT}>`,
    `<rect width="${W}" height="${h}" fill="#fff"/>`,
    ...grid,
    ...rest,
    '</svg>',
    '',
  ].join('\n');
}
