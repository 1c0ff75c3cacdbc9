// A few SVG primitives for the benchmark charts: hand-written strings, no dependency. Every chart has an explicit
// white background and dark text, so it reads the same in GitHub's light and dark themes (an <img> keeps its own
// colours).

/** Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), one marker shape per server. */
export const SERIES = {
  gateway: { color: '#0072B2', marker: 'circle', dash: '' },
  proto: { color: '#009E73', marker: 'diamond', dash: '8 3 2 3' },
  raw: { color: '#4D4D4D', marker: 'square', dash: '6 4' },
  sio: { color: '#D55E00', marker: 'triangle', dash: '2 3' },
};
export const INK = '#1a1a1a';
export const MUTED = '#4a4a4a';
export const GRID = '#e3e3e3';
export const FONT = 'font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

const escapes = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
export const esc = (s) => String(s).replace(/[&<>"]/g, (c) => escapes[c]);
const n1 = (v) => Math.round(v * 10) / 10;

export function text(x, y, s, { size = 12, anchor = 'start', weight = 'normal', fill = INK, rotate } = {}) {
  const t = rotate ? ` transform="rotate(${rotate} ${n1(x)} ${n1(y)})"` : '';
  return `<text x="${n1(x)}" y="${n1(y)}" font-size="${size}" text-anchor="${anchor}" font-weight="${weight}" fill="${fill}"${t}>${esc(s)}</text>`;
}

export function line(x1, y1, x2, y2, { stroke = INK, width = 1, dash = '' } = {}) {
  const d = dash ? ` stroke-dasharray="${dash}"` : '';
  return `<line x1="${n1(x1)}" y1="${n1(y1)}" x2="${n1(x2)}" y2="${n1(y2)}" stroke="${stroke}" stroke-width="${width}"${d}/>`;
}

export function rect(x, y, w, h, { fill = 'none', stroke = 'none', width = 1, dash = '' } = {}) {
  const d = dash ? ` stroke-dasharray="${dash}"` : '';
  return `<rect x="${n1(x)}" y="${n1(y)}" width="${n1(Math.max(0, w))}" height="${n1(Math.max(0, h))}" fill="${fill}" stroke="${stroke}" stroke-width="${width}"${d}/>`;
}

/** A filled marker centred on (x, y); `hollow` draws the outline only (used for targets). */
export function marker(shape, x, y, color, { r = 5, hollow = false } = {}) {
  const paint = hollow
    ? `fill="#ffffff" stroke="${color}" stroke-width="2"`
    : `fill="${color}" stroke="#ffffff" stroke-width="1"`;
  if (shape === 'square')
    return `<rect x="${n1(x - r)}" y="${n1(y - r)}" width="${2 * r}" height="${2 * r}" ${paint}/>`;
  if (shape === 'triangle') {
    const h = r * 1.2;
    return `<polygon points="${n1(x)},${n1(y - h)} ${n1(x + h)},${n1(y + h * 0.8)} ${n1(x - h)},${n1(y + h * 0.8)}" ${paint}/>`;
  }
  if (shape === 'diamond') {
    const h = r * 1.3;
    return `<polygon points="${n1(x)},${n1(y - h)} ${n1(x + h)},${n1(y)} ${n1(x)},${n1(y + h)} ${n1(x - h)},${n1(y)}" ${paint}/>`;
  }
  return `<circle cx="${n1(x)}" cy="${n1(y)}" r="${r}" ${paint}/>`;
}

/** Splits a footnote into lines of at most `width` characters (11 px text: ~118 fit in a 720 px chart). */
export function wrap(note, width = 118) {
  const lines = [];
  let cur = '';
  for (const word of note.split(' ')) {
    if (cur && cur.length + 1 + word.length > width) {
      lines.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) lines.push(cur);
  return lines;
}

/** Ticks of a log axis from `lo` to `hi`: 1, 2, 5 × powers of ten, with the rounded bounds. */
export function logTicks(lo, hi) {
  const from = 10 ** Math.floor(Math.log10(lo));
  const ticks = [];
  for (let p = from; p <= hi * 10; p *= 10) for (const m of [1, 2, 5]) ticks.push(m * p);
  const bottom = [...ticks].reverse().find((t) => t <= lo) ?? from;
  const top = ticks.find((t) => t >= hi) ?? hi;
  return { bottom, top, ticks: ticks.filter((t) => t >= bottom && t <= top) };
}

/** A round upper bound and tick step for an axis from 0 to `max` (about five ticks). */
export function niceScale(max) {
  if (!(max > 0)) return { top: 1, step: 0.2 };
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  return { top: Math.ceil(max / step) * step, step };
}

/** 1 234 567 → "1.2 M", 49 960 → "50 k", 18.3 → "18.3". */
export function short(v) {
  if (v == null) return '—';
  if (v >= 1e6) return `${n1(v / 1e6)} M`;
  if (v >= 1e4) return `${Math.round(v / 1e3)} k`;
  if (v >= 1e3) return `${n1(v / 1e3)} k`;
  return String(n1(v));
}

/**
 * The frame every chart shares: white background, title, subtitle, a legend row under them, footnotes at the
 * bottom (already wrapped: one string per line, see `wrap`). Returns the SVG document around `body`.
 */
export function frame({ width, height, title, subtitle, legend = [], notes = [], body, desc }) {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} role="img" aria-labelledby="t d">`,
    `<title id="t">${esc(title)}</title>`,
    `<desc id="d">${esc(desc ?? subtitle)}</desc>`,
    rect(0, 0, width, height, { fill: '#ffffff', stroke: '#d0d0d0' }),
    text(20, 28, title, { size: 16, weight: 'bold' }),
    text(20, 47, subtitle, { size: 12, fill: MUTED }),
  ];
  let x = 20;
  for (const item of legend) {
    const s = SERIES[item.kind] ?? { color: item.color ?? INK, marker: item.marker ?? 'circle', dash: item.dash ?? '' };
    if (item.swatch === 'bar')
      out.push(
        rect(x, 60, 14, 12, { fill: item.color ?? s.color, stroke: item.stroke ?? 'none', dash: item.dash ?? '' }),
      );
    else if (item.swatch === 'line')
      out.push(line(x - 2, 66, x + 16, 66, { stroke: item.color ?? s.color, width: 2, dash: item.dash ?? '' }));
    else {
      out.push(line(x - 4, 66, x + 18, 66, { stroke: s.color, width: 2, dash: s.dash }));
      out.push(marker(s.marker, x + 7, 66, s.color, { r: 4.5, hollow: item.hollow }));
    }
    out.push(text(x + 24, 70, item.label, { size: 12 }));
    x += 24 + item.label.length * 6.6 + 22;
  }
  out.push(body);
  notes.forEach((note, i) =>
    out.push(text(20, height - 14 - (notes.length - 1 - i) * 15, note, { size: 11, fill: MUTED })),
  );
  out.push('</svg>', '');
  return out.join('\n');
}
