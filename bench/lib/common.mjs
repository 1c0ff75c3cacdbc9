// Shared by every bench process: the topics, the clock, the RPC over IPC, the latency histogram.
import { performance } from 'node:perf_hooks';

/** The seed's four topics (server/delivery/topic-registry.ts SEED_TOPICS). */
export const TOPICS = ['kpis.s2', 'liveops.events', 'economy.patch', 'ab.status'];
/** Scopes that cover all four. */
export const SCOPES = ['ops.admin', 'liveops.admin', 'economy.admin'];
export const SECRET = 'bench-secret-not-for-production';

/** Wall clock in ms with sub-ms resolution, comparable across processes on one machine. */
export const now = () => performance.timeOrigin + performance.now();

/**
 * Answers `{ id, cmd, args }` messages from the parent with `{ id, ok, result | error }`. A child whose parent
 * goes away exits: no orphan ever outlives the run.
 */
export function serveRpc(handlers) {
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0)); // a normal exit, so `--cpu-prof` writes its profile
  process.on('message', async (msg) => {
    if (!msg || typeof msg.id !== 'number') return;
    const fn = handlers[msg.cmd];
    try {
      if (!fn) throw new Error(`unknown command ${msg.cmd}`);
      const result = await fn(msg.args ?? {});
      process.send?.({ id: msg.id, ok: true, result });
    } catch (error) {
      process.send?.({ id: msg.id, ok: false, error: String(error?.stack ?? error) });
    }
  });
  process.send?.({ ready: true });
}

/** Latency histogram: 0.1 ms buckets up to 60 s (beyond: the last bucket). */
export class Histogram {
  constructor() {
    this.buckets = new Uint32Array(600_001);
    this.count = 0;
    this.max = 0;
    this.sum = 0;
  }
  add(ms) {
    if (ms < 0) ms = 0;
    const i = Math.min(600_000, Math.round(ms * 10));
    this.buckets[i] += 1;
    this.count += 1;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }
  percentile(p) {
    if (this.count === 0) return null;
    const target = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= target) return i / 10;
    }
    return this.max;
  }
  summary() {
    const r = (v) => (v === null ? null : Math.round(v * 10) / 10);
    return {
      count: this.count,
      p50: r(this.percentile(50)),
      p95: r(this.percentile(95)),
      p99: r(this.percentile(99)),
      max: r(this.max),
      mean: this.count ? r(this.sum / this.count) : null,
    };
  }
}
