// What the PII guard and payload contracts cost per message (issue 19), in one process, no network:
//
//   node --import tsx bench/pii.mjs [--time=1] [--label=x] [--out=file.json]
//
// Rows (each a time-boxed loop: a warm-up of a fifth of --time, then --time seconds, at most 5 000 000 messages):
//   guard    the topic's admission alone (`checkSync`, what every entry point calls), per payload and policy:
//            off (the entry points skip an inert admission: the cost is reading one flag), warn on a ~200-byte
//            KPI payload, warn on a ~4 KB nested payload, redact on the 4 KB payload with a few findings in it,
//            refuse-free warn with a zod schema, and a JSON Schema (ajv) on the KPI payload.
//   fanout   `gw.fanout()` on an in-memory gateway with no subscriber (serialization, sequencing, history: the
//            work every publish does anyway), PII off against warn, for the KPI and the 4 KB payload: the guard's
//            share of a real publish.
// Bounded in count and time; nothing listens on a port that outlives the run (the gateway is closed at the end).
// Raw results go to bench/results/pii-<timestamp>.json (ignored) unless --out names a file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Admission } from '../server/contracts/admission.ts';
import { createGateway } from '../server/gateway.ts';
import { silentLogger } from '../server/ops/log.js';

const argv = process.argv.slice(2);
const opt = (name, dflt) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const seconds = Math.max(0.05, Math.min(10, Number(opt('time', '1')) || 1));
const MAX_OPS = 5_000_000;
const round = (v, d = 0) => Math.round(v * 10 ** d) / 10 ** d;

/** The seed's KPI message, about 200 bytes of JSON. */
const KPI = {
  crash_free: 99.2,
  p95_gpu: 15.8,
  p99_frame_ms: 42.1,
  dau: 128_734,
  revenue: '$12,345.67',
  build: 'v1.2.3',
  region: 'eu-central',
  ts: 1733312345678,
  at: '2024-12-04T10:30:00.000Z',
};

/** About 4 KB of nested live-ops data: events with players, notes and numbers; no personal data. */
function nested(withFindings) {
  const events = Array.from({ length: 24 }, (_, i) => ({
    id: `evt-${1000 + i}`,
    kind: i % 3 === 0 ? 'purchase' : 'level_up',
    player: { handle: `player_${i}`, level: 10 + i, guild: { name: 'night owls', rank: i % 5 } },
    note: `level ${10 + i} reached at 2024-12-04T10:${String(i).padStart(2, '0')}:00Z`,
    score: 1000 * i + 0.5,
  }));
  if (withFindings) {
    events[3].note = 'refund asked by jane.doe@example.com';
    events[9].note = 'call back +90 532 123 45 67';
    events[17].player.handle = '203.0.113.7';
  }
  return { topic: 'liveops.events', events };
}

const NESTED = nested(false);
const NESTED_FINDINGS = nested(true);

/** Runs `work` for `seconds` (after a warm-up); ns per call and calls per second. */
function measure(work) {
  const deadline = (ms) => performance.now() + ms;
  for (let i = 0, end = deadline(seconds * 200); i < MAX_OPS && performance.now() < end; i++) work();
  let ops = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  // Check the clock every 256 calls: reading it costs about as much as the cheapest rows.
  while (ops < MAX_OPS && performance.now() < end) for (let j = 0; j < 256; j++, ops++) work();
  const ms = performance.now() - started;
  return { ops, nsPerOp: round((ms * 1e6) / ops, 1), perSecond: round((ops * 1000) / ms) };
}

const bytes = (value) => Buffer.byteLength(JSON.stringify(value));
const rows = [];
const report = (group, name, payload, result) => {
  rows.push({ group, name, bytes: bytes(payload), ...result });
  console.log(
    `${group.padEnd(7)} ${name.padEnd(34)} ${String(bytes(payload)).padStart(5)} B  ${String(result.nsPerOp).padStart(9)} ns/msg  ${String(result.perSecond).padStart(10)} msg/s`,
  );
};

console.log(`pii bench: ${seconds} s per row, ${cpus()[0]?.model ?? 'cpu'}`);

const admission = (spec) => new Admission('bench.topic', spec);
const off = admission({ pii: 'off' });
const guard = (a, payload) => () => (a.inert ? payload : a.checkSync(payload, 'fanout'));
report('guard', 'off (inert: skipped)', KPI, measure(guard(off, KPI)));
report('guard', 'warn, KPI payload', KPI, measure(guard(admission({ pii: 'warn' }), KPI)));
report('guard', 'warn, nested payload', NESTED, measure(guard(admission({ pii: 'warn' }), NESTED)));
report(
  'guard',
  'warn, nested with 3 findings',
  NESTED_FINDINGS,
  measure(guard(admission({ pii: 'warn' }), NESTED_FINDINGS)),
);
report(
  'guard',
  'redact, nested with 3 findings',
  NESTED_FINDINGS,
  measure(guard(admission({ pii: 'redact' }), NESTED_FINDINGS)),
);
const zodKpi = z
  .object({ crash_free: z.number(), p95_gpu: z.number(), build: z.string(), ts: z.number() })
  .passthrough();
report('guard', 'zod schema + warn, KPI payload', KPI, measure(guard(admission({ schema: zodKpi, pii: 'warn' }), KPI)));
const jsonKpi = {
  type: 'object',
  required: ['crash_free', 'p95_gpu', 'build', 'ts'],
  properties: {
    crash_free: { type: 'number' },
    p95_gpu: { type: 'number' },
    build: { type: 'string' },
    ts: { type: 'integer' },
  },
};
report(
  'guard',
  'JSON Schema (ajv) + off, KPI payload',
  KPI,
  measure(guard(admission({ schema: jsonKpi, pii: 'off' }), KPI)),
);

const gw = await createGateway({
  secret: 'bench-secret-0123456789abcdef',
  port: 0,
  logger: silentLogger,
  processMetrics: false,
  topics: { 'b.off': { scopes: [], pii: 'off' }, 'b.warn': { scopes: [], pii: 'warn' } },
});
try {
  for (const [label, payload] of [
    ['KPI payload', KPI],
    ['nested payload', NESTED],
  ])
    for (const topic of ['b.off', 'b.warn'])
      report(
        'fanout',
        `${topic.slice(2)}, ${label}`,
        payload,
        measure(() => gw.fanout(topic, payload)),
      );
} finally {
  await gw.close();
}

const here = fileURLToPath(new URL('.', import.meta.url));
const out = opt(
  'out',
  resolve(here, 'results', `${opt('label', 'pii')}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
);
mkdirSync(resolve(out, '..'), { recursive: true });
writeFileSync(out, JSON.stringify({ seconds, cpu: cpus()[0]?.model, node: process.version, rows }, null, 2));
console.log(`results: ${out}`);
