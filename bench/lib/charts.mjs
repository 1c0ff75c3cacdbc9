// The charts of BENCHMARKS.md, drawn from a run's JSON (or several merged, see mergeRuns): p95 latency against
// connections (four topics; and the tail of one hot topic), delivered messages/s at saturation, RSS per connection.
// Each is an SVG string.
import { KIND_NAMES, LG_BOUND, kindsIn, nsIn, spreadOf, medianOf } from './run-data.mjs';
import { SERIES, GRID, INK, MUTED, frame, line, logTicks, marker, niceScale, rect, short, text, wrap } from './svg.mjs';

/** The targets of issue 7 that have a place on these charts (the verdicts are in BENCHMARKS.md). */
export const TARGETS = {
  p95Ms: [
    { n: 1000, ms: 20 },
    { n: 5000, ms: 70 },
  ],
  rssPerConnKB: 8,
};

const W = 720;
const thousands = (n) => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));
const list = (items) => (items.length ? items.join('; ') : 'none');
const source = (run, section) =>
  run.sources?.[section]?.run ?? `${run.startedAt.slice(0, 16).replace('T', ' ')} (${run.label})`;
const machineNote = (run) =>
  `${run.machine?.nproc ?? '?'} CPUs (${run.machine?.cpu ?? '?'}), Node ${run.machine?.node ?? '?'}; server and load generator pinned to one core each.`;

/** Which servers were load-generator-bound, or kept less than 95 % of the offered rate, at which N. */
function caveats(rows) {
  const bound = [];
  const slow = [];
  for (const kind of kindsIn(rows)) {
    const lg = nsIn(rows).filter((n) =>
      rows.some((x) => x.kind === kind && x.n === n && (x.loadgenBound ?? x.loadgenCpu >= LG_BOUND)),
    );
    if (lg.length) bound.push(`${KIND_NAMES[kind]} at ${lg.map(thousands).join(', ')}`);
    const kept = nsIn(rows)
      .map((n) => ({ n, kept: medianOf(rows, kind, n, (x) => x.keptRate) }))
      .filter((x) => x.kept != null && x.kept < 0.95);
    if (kept.length)
      slow.push(
        `${KIND_NAMES[kind]} ${kept.map((x) => `${+(x.kept * 100).toFixed(1)} % at ${thousands(x.n)}`).join(', ')}`,
      );
  }
  return { bound, slow };
}

/** What the fanout chart plots: p95 from the send of every client, 4 topics, against issue 7's targets. */
const fanoutSpec = (run) => ({
  rows: run.fanout ?? [],
  section: 'fanout',
  get: (x) => x.latency?.p95,
  targets: TARGETS.p95Ms,
  title: 'Fanout latency against connections',
  subtitle: `p95 from the publisher's send to the client's receipt, 4 topics × ${run.sources?.fanout?.params?.rate ?? run.params?.rate ?? 10} broadcasts/s, ~200 B payload`,
  xLabel: 'connections (each client on one of 4 topics, 10 messages/s per client)',
  yLabel: 'p95 latency from the send, ms (log scale)',
});

/** What the hot-topic chart plots: the tail probe's p95 from the schedule, at the scenario's highest rate. */
function hotSpec(run) {
  const all = run.hot ?? [];
  const rate = Math.max(...all.map((x) => x.rate));
  const params = run.sources?.hot?.params ?? run.params ?? {};
  return {
    rows: all.filter((x) => x.rate === rate),
    section: 'hot',
    get: (x) => x.probe?.latencyScheduled?.p95,
    targets: [],
    title: 'One hot topic: the tail against connections',
    subtitle: `p95 from the schedule at the last ${params.probeN ?? 10} subscribers (a separate light generator), one topic × ${rate} broadcasts/s, ~200 B`,
    xLabel: `connections (every client on ${all[0]?.topic ?? 'one topic'}, ${rate} messages/s per client)`,
    yLabel: 'tail p95 from the schedule, ms (log scale)',
  };
}

/** p95 latency against connections, one line per server, whiskers over rounds (`spec`: which rows and value). */
export function latencyChart(run, spec = fanoutSpec(run)) {
  const { rows, get } = spec;
  if (rows.length === 0) return null;
  const kinds = kindsIn(rows);
  const ns = nsIn(rows);
  const rounds = Math.max(...rows.map((x) => x.round ?? 1));
  const { bound, slow } = caveats(rows);
  const notes = [
    `${rounds > 1 ? `Medians of ${rounds} rounds; whiskers span the fastest and slowest round. ` : ''}Run ${source(run, spec.section)}. ${machineNote(run)}`,
    `LG-bound (load generator ≥ ${LG_BOUND * 100} % of its core in a round): ${list(bound)}.`,
    `Publisher kept < 95 % of the offered rate (its messages waited before they were stamped): ${list(slow)}.`,
  ].flatMap((note) => wrap(note));
  const H = 420 + notes.length * 15;
  const box = { left: 70, right: W - 90, top: 92, bottom: H - 58 - notes.length * 15 };
  const spreads = kinds.flatMap((k) => ns.map((n) => spreadOf(rows, k, n, get))).filter(Boolean);
  const targets = spec.targets.filter((t) => ns.includes(t.n));
  const values = [...spreads.flatMap((s) => [s.min, s.max]), ...targets.map((t) => t.ms)].filter((v) => v > 0);
  // Log scale: the 1k rows (~20 ms) and the 10k rows (~400 ms) both stay readable.
  const y = logTicks(Math.min(...values), Math.max(...values));
  const xMax = Math.max(...ns) * 1.06;
  const px = (n) => box.left + ((box.right - box.left) * n) / xMax;
  const py = (ms) =>
    box.bottom - ((box.bottom - box.top) * Math.log(Math.max(ms, y.bottom) / y.bottom)) / Math.log(y.top / y.bottom);
  const out = [];
  for (const v of y.ticks) {
    out.push(line(box.left, py(v), box.right, py(v), { stroke: GRID }));
    out.push(text(box.left - 8, py(v) + 4, short(v), { anchor: 'end', size: 11, fill: MUTED }));
  }
  out.push(line(box.left, box.bottom, box.right, box.bottom, { stroke: INK }));
  out.push(line(box.left, box.top, box.left, box.bottom, { stroke: INK }));
  for (const n of ns) {
    out.push(line(px(n), box.bottom, px(n), box.bottom + 5, { stroke: INK }));
    out.push(
      text(px(n), box.bottom + 18, n.toLocaleString('en-US').replace(/,/g, ' '), { anchor: 'middle', size: 11 }),
    );
  }
  out.push(text((box.left + box.right) / 2, box.bottom + 34, spec.xLabel, { anchor: 'middle', size: 12 }));
  out.push(
    text(18, (box.top + box.bottom) / 2, spec.yLabel, {
      anchor: 'middle',
      size: 12,
      rotate: -90,
    }),
  );
  const offset = (i) => (i - (kinds.length - 1) / 2) * 7;
  kinds.forEach((kind, i) => {
    const s = SERIES[kind];
    const pts = ns.map((n) => ({ n, sp: spreadOf(rows, kind, n, get) })).filter((p) => p.sp);
    const path = pts.map((p) => `${(px(p.n) + offset(i)).toFixed(1)},${py(p.sp.median).toFixed(1)}`).join(' ');
    out.push(
      `<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    for (const p of pts) {
      const x = px(p.n) + offset(i);
      if (p.sp.rounds > 1) {
        out.push(line(x, py(p.sp.min), x, py(p.sp.max), { stroke: s.color, width: 1.5 }));
        out.push(line(x - 4, py(p.sp.min), x + 4, py(p.sp.min), { stroke: s.color, width: 1.5 }));
        out.push(line(x - 4, py(p.sp.max), x + 4, py(p.sp.max), { stroke: s.color, width: 1.5 }));
      }
      out.push(marker(s.marker, x, py(p.sp.median), s.color));
    }
  });
  for (const t of targets) out.push(marker('circle', px(t.n) + 16, py(t.ms), INK, { r: 5, hollow: true }));
  // Value labels at the largest N, to the right of the plot, pushed apart so they never overlap.
  const last = ns[ns.length - 1];
  const labels = kinds
    .map((kind) => ({ kind, v: medianOf(rows, kind, last, get) }))
    .filter((l) => l.v != null)
    .sort((a, b) => b.v - a.v);
  let prevY = -Infinity;
  for (const l of labels) {
    const ly = Math.max(py(l.v) + 4, prevY + 14);
    prevY = ly;
    out.push(text(box.right + 8, ly, `${short(l.v)} ms`, { size: 11, weight: 'bold', fill: SERIES[l.kind].color }));
  }
  const legend = [
    ...kinds.map((kind) => ({ kind, label: KIND_NAMES[kind] })),
    ...(targets.length ? [{ color: INK, marker: 'circle', hollow: true, label: 'target (issue 7)' }] : []),
  ];
  return frame({
    width: W,
    height: H,
    title: spec.title,
    subtitle: spec.subtitle,
    legend,
    notes,
    body: out.join('\n'),
  });
}

/** Delivered messages/s at the highest step that passed, and the peak at any step: one panel per N. */
export function throughputChart(run) {
  const rows = run.max ?? [];
  if (rows.length === 0) return null;
  const kinds = kindsIn(rows);
  const ns = nsIn(rows);
  const params = run.sources?.max?.params ?? run.params ?? {};
  const bound = kinds
    .map((k) => ({ k, at: ns.filter((n) => rows.find((x) => x.kind === k && x.n === n)?.loadgenBound) }))
    .filter((b) => b.at.length)
    .map((b) => `${KIND_NAMES[b.k]} at ${b.at.map(thousands).join(', ')}`);
  const notes = [
    `Steps of ${(params.maxRates ?? []).join(', ')} broadcasts/s per topic, ${(params.maxStepMs ?? 0) / 1000} s each; pass = p95 < 100 ms, no drops, publisher kept ≥ 95 % of the rate (a failing step is retried once).`,
    `LG-bound (load generator ≥ ${LG_BOUND * 100} % of its core at some step): ${list(bound)}. Run ${source(run, 'max')}.`,
    machineNote(run),
  ].flatMap((note) => wrap(note));
  const H = 360 + notes.length * 15;
  const top = 100;
  const bottom = H - 48 - notes.length * 15;
  const gap = 60;
  const panelW = (W - 70 - 30 - gap * (ns.length - 1)) / ns.length;
  const out = [];
  ns.forEach((n, p) => {
    const left = 70 + p * (panelW + gap);
    const right = left + panelW;
    const peak = Math.max(
      ...rows.filter((x) => x.n === n).map((x) => Math.max(x.peakDeliveredPerSec ?? 0, x.maxDeliveredPerSec ?? 0)),
    );
    const y = niceScale(peak);
    const py = (v) => bottom - ((bottom - top) * v) / y.top;
    for (let v = 0; v <= y.top + 1e-9; v += y.step) {
      out.push(line(left, py(v), right, py(v), { stroke: GRID }));
      out.push(text(left - 6, py(v) + 4, short(v), { anchor: 'end', size: 11, fill: MUTED }));
    }
    out.push(line(left, bottom, right, bottom, { stroke: INK }));
    out.push(line(left, top, left, bottom, { stroke: INK }));
    out.push(
      text((left + right) / 2, bottom + 18, `${n.toLocaleString('en-US').replace(/,/g, ' ')} connections`, {
        anchor: 'middle',
        size: 12,
        weight: 'bold',
      }),
    );
    const slot = panelW / kinds.length;
    const bw = Math.min(56, slot * 0.6);
    kinds.forEach((kind, i) => {
      const x = rows.find((r) => r.kind === kind && r.n === n);
      if (!x) return;
      const s = SERIES[kind];
      const cx = left + slot * (i + 0.5);
      const hasPeak = x.peakDeliveredPerSec != null && x.peakDeliveredPerSec > (x.maxDeliveredPerSec ?? 0);
      let peakLabelY = hasPeak ? py(x.peakDeliveredPerSec) - 5 : null;
      if (x.maxDeliveredPerSec != null) {
        out.push(rect(cx - bw / 2, py(x.maxDeliveredPerSec), bw, bottom - py(x.maxDeliveredPerSec), { fill: s.color }));
        const inside = bottom - py(x.maxDeliveredPerSec) > 20;
        // Too short to hold its label, and the peak's top too close above it: both labels go above the peak.
        let valueY = inside ? py(x.maxDeliveredPerSec) + 15 : py(x.maxDeliveredPerSec) - 5;
        if (!inside && hasPeak && valueY - peakLabelY < 14) {
          valueY = peakLabelY;
          peakLabelY -= 14;
        }
        out.push(
          text(cx, valueY, short(x.maxDeliveredPerSec), {
            anchor: 'middle',
            size: 11,
            weight: 'bold',
            fill: inside ? '#ffffff' : INK,
          }),
        );
      } else {
        out.push(text(cx, bottom - 6, 'none passed', { anchor: 'middle', size: 10, weight: 'bold', fill: s.color }));
      }
      if (hasPeak) {
        out.push(
          rect(cx - bw / 2, py(x.peakDeliveredPerSec), bw, bottom - py(x.peakDeliveredPerSec), {
            stroke: s.color,
            width: 1.5,
            dash: '4 3',
          }),
        );
        out.push(
          text(cx, peakLabelY, `peak ${short(x.peakDeliveredPerSec)}`, { anchor: 'middle', size: 10, fill: MUTED }),
        );
      }
    });
  });
  out.push(
    text(18, (top + bottom) / 2, 'delivered messages/s (all clients)', { anchor: 'middle', size: 12, rotate: -90 }),
  );
  const legend = [
    ...kinds.map((kind) => ({ swatch: 'bar', color: SERIES[kind].color, label: KIND_NAMES[kind] })),
    { swatch: 'bar', color: '#ffffff', stroke: MUTED, dash: '4 3', label: 'peak at any step' },
  ];
  return frame({
    width: W,
    height: H,
    title: 'Delivered messages/s at saturation',
    subtitle:
      'Solid: the highest publish rate that passed the bar; dashed: the most any step delivered (it failed the bar)',
    legend,
    notes,
    body: out.join('\n'),
  });
}

/** RSS per idle connection, and what one subscription adds, one bar per server. */
export function memoryChart(run) {
  const rows = run.mem ?? [];
  if (rows.length === 0) return null;
  const kinds = kindsIn(rows);
  const n = rows[0].n;
  const heap = kinds.map((k) => `${KIND_NAMES[k]} ${rows.find((x) => x.kind === k).heapPerConnKB} KB`).join(', ');
  const notes = [
    `Server RSS after GC: ${n.toLocaleString('en-US').replace(/,/g, ' ')} idle connections, then each subscribed to all 4 topics. Run ${source(run, 'mem')}.`,
    `JavaScript heap per connection: ${heap}.`,
    machineNote(run),
  ].flatMap((note) => wrap(note));
  const H = 176 + kinds.length * 46 + notes.length * 15;
  const box = { left: 140, right: W - 250, top: 112, bottom: 112 + kinds.length * 46 };
  const maxKB = Math.max(...rows.map((x) => x.rssPerConnWith1SubKB ?? x.rssPerConnKB), TARGETS.rssPerConnKB);
  const xs = niceScale(maxKB);
  const px = (kb) => box.left + ((box.right - box.left) * kb) / xs.top;
  const out = [];
  for (let v = 0; v <= xs.top + 1e-9; v += xs.step) {
    out.push(line(px(v), box.top - 6, px(v), box.bottom, { stroke: GRID }));
    out.push(text(px(v), box.bottom + 16, short(v), { anchor: 'middle', size: 11, fill: MUTED }));
  }
  out.push(line(box.left, box.bottom, box.right, box.bottom, { stroke: INK }));
  out.push(
    text((box.left + box.right) / 2, box.bottom + 34, 'KB of server RSS per connection', {
      anchor: 'middle',
      size: 12,
    }),
  );
  kinds.forEach((kind, i) => {
    const x = rows.find((r) => r.kind === kind);
    const s = SERIES[kind];
    const cy = box.top + 46 * i + 23;
    out.push(text(box.left - 10, cy + 4, KIND_NAMES[kind], { anchor: 'end', size: 12, weight: 'bold' }));
    out.push(rect(box.left, cy - 13, px(x.rssPerConnKB) - box.left, 26, { fill: s.color }));
    const withSub = x.rssPerConnWith1SubKB ?? x.rssPerConnKB;
    if (withSub > x.rssPerConnKB)
      out.push(
        rect(px(x.rssPerConnKB), cy - 13, px(withSub) - px(x.rssPerConnKB), 26, {
          fill: '#ffffff',
          stroke: s.color,
          width: 1.5,
        }),
      );
    out.push(
      text(box.right + 14, cy + 4, `${x.rssPerConnKB.toFixed(2)} KB idle, +${x.rssPerSubKB} KB per subscription`, {
        size: 11,
      }),
    );
  });
  const tx = px(TARGETS.rssPerConnKB);
  out.push(line(tx, box.top - 10, tx, box.bottom, { stroke: INK, width: 1.5, dash: '5 3' }));
  out.push(
    text(tx, box.top - 14, `target ≤ ${TARGETS.rssPerConnKB} KB with a subscription (issue 7)`, {
      anchor: 'middle',
      size: 11,
    }),
  );
  const legend = [
    ...kinds.map((kind) => ({ swatch: 'bar', color: SERIES[kind].color, label: `${KIND_NAMES[kind]}, idle` })),
    { swatch: 'bar', color: '#ffffff', stroke: MUTED, label: '+ one subscription' },
  ];
  return frame({
    width: W,
    height: H,
    title: 'Memory per connection',
    subtitle: 'Resident memory of the server process per idle connection, and what one topic subscription adds',
    legend,
    notes,
    body: out.join('\n'),
  });
}

/** Every chart the run has data for, as `{ file, svg }`. */
export function renderCharts(run) {
  return [
    { file: 'p95-latency.svg', svg: latencyChart(run) },
    { file: 'hot-topic-tail.svg', svg: run.hot?.length ? latencyChart(run, hotSpec(run)) : null },
    { file: 'throughput-at-saturation.svg', svg: throughputChart(run) },
    { file: 'rss-per-connection.svg', svg: memoryChart(run) },
  ].filter((c) => c.svg);
}
