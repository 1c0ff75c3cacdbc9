/**
 * The metrics behind the seed's delivery targets (p95 update latency ≤ 100 ms, dropped < 0.5 %):
 * `rt_delivery_latency_seconds`, `rt_delivery_drop_ratio`, and `rt_engine_up` for the engine they depend on.
 */
import { Gauge, type Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '../delivery/delivery-latency.js';
import type { Hub } from '../delivery/hub.js';

/** The window of {@link DROP_RATIO}: a minute. */
const DROP_WINDOW_MS = 60_000;

/** A sample of the gateway's delivery totals. */
interface Totals {
  at: number;
  sent: number;
  dropped: number;
}

/**
 * Registers the delivery metrics of `hub` in `registry`.
 * @param now the gateway's clock (ms), which dates the samples of the drop ratio
 */
export function registerDeliveryMetrics(registry: Registry, hub: Hub, now: () => number): void {
  const latency = {
    name: 'rt_delivery_latency_seconds',
    help: "Time from a message's publish (its ts) to the moment it was handed to each subscriber's socket, by topic",
    type: 'histogram' as const,
    aggregator: 'sum' as const,
    // prom-client's Histogram observes one value at a time; a fanout is counted once per run of sends with the
    // number of subscribers it served, so this histogram is written out from the hub's counts at scrape time.
    get: () => Promise.resolve({ ...latency, values: latencyValues(hub) }),
    reset: () => {},
  };
  registry.registerMetric(latency as unknown as Parameters<Registry['registerMetric']>[0]);

  // Samples of the totals at each scrape, so the ratio covers about the last minute whatever the scrape interval.
  const samples: Totals[] = [{ at: now(), sent: 0, dropped: 0 }];
  new Gauge({
    name: 'rt_delivery_drop_ratio',
    help: 'Dropped by backpressure / handed to sockets over about the last minute on this gateway (0 when nothing was sent)',
    registers: [registry],
    collect() {
      const { messagesSent: sent, messagesDropped: dropped } = hub.counters();
      const at = now();
      // Keep the newest sample at least a minute old as the base, and those after it.
      while (samples.length > 1 && at - (samples[1] as Totals).at >= DROP_WINDOW_MS) samples.shift();
      const base = samples[0] as Totals;
      const handed = sent - base.sent;
      this.set(handed > 0 ? (dropped - base.dropped) / handed : 0);
      // Scraped very often, a sample per 1/32 of the window is enough: at most 34 kept, and the base keeps moving.
      if (at - (samples[samples.length - 1] as Totals).at >= DROP_WINDOW_MS / 32) samples.push({ at, sent, dropped });
    },
  });

  new Gauge({
    name: 'rt_engine_up',
    help: 'Whether the engine serves: 1, or 0 while degraded (Redis unreachable: this gateway refuses new connections and serves only its own)',
    registers: [registry],
    collect() {
      this.set(hub.engine.health().ok ? 1 : 0);
    },
  });
}

/** The histogram's lines: cumulative buckets, sum and count per topic. */
function latencyValues(hub: Hub): { metricName: string; labels: Record<string, string | number>; value: number }[] {
  const values = [];
  for (const [topic, counts] of hub.latency.entries()) {
    let cumulative = 0;
    for (let i = 0; i <= LATENCY_BUCKETS.length; i++) {
      cumulative += counts.buckets[i] ?? 0;
      const le = i < LATENCY_BUCKETS.length ? (LATENCY_BUCKETS[i] as number) : '+Inf';
      values.push({ metricName: 'rt_delivery_latency_seconds_bucket', labels: { le, topic }, value: cumulative });
    }
    values.push({ metricName: 'rt_delivery_latency_seconds_sum', labels: { topic }, value: counts.sum });
    values.push({ metricName: 'rt_delivery_latency_seconds_count', labels: { topic }, value: counts.count });
  }
  return values;
}
