/**
 * `GET /metrics` in Prometheus format, with `prom-client`. One registry per gateway (several gateways in one
 * process do not mix), fed by the hub's events and read from its counters at scrape time.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Hub } from '../delivery/hub.js';
import { registerDeliveryMetrics } from './delivery-metrics.js';

let processRegistry: Registry | undefined;

/** Process metrics (CPU, memory, event loop, GC) once per process, however many gateways it runs. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'rt_' });
  }
  return processRegistry;
}

/** The gateway's metrics. */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly withProcess: boolean;

  /**
   * @param options.processMetrics whether to add the process's CPU, memory, event loop and GC metrics (default true)
   * @param options.now the gateway's clock in ms (default `Date.now`)
   */
  constructor(hub: Hub, options: { processMetrics?: boolean; now?: () => number } = {}) {
    const registers = [this.registry];
    this.withProcess = options.processMetrics !== false;

    new Gauge({
      name: 'rt_connections',
      help: 'Open connections by transport',
      labelNames: ['transport'] as const,
      registers,
      collect() {
        const { connections } = hub.counters();
        this.set({ transport: 'websocket' }, connections.websocket);
        this.set({ transport: 'sse' }, connections.sse);
      },
    });
    new Gauge({
      name: 'rt_subscribers',
      help: 'Subscribers per topic on this gateway',
      labelNames: ['topic'] as const,
      registers,
      collect() {
        for (const topic of hub.registry.all()) this.set({ topic: topic.name }, topic.subscribers.size);
      },
    });
    const cumulative = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    cumulative(
      'rt_messages_sent_total',
      'Messages written or queued to connections',
      () => hub.counters().messagesSent,
    );
    cumulative('rt_messages_dropped_total', 'Messages dropped by backpressure', () => hub.counters().messagesDropped);

    const fanout = new Histogram({
      name: 'rt_fanout_duration_seconds',
      help: 'Time one fanout held the event loop (what does not fit the fanout budget goes out in later turns)',
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    hub.on('fanout', (_topic, seconds) => fanout.observe(seconds));

    const refusals = new Counter({
      name: 'rt_refusals_total',
      help: 'Connection attempts refused, by reason (auth failures: bad_sig, stale_ts, replay, …)',
      labelNames: ['reason', 'transport'] as const,
      registers,
    });
    hub.on('refuse', ({ reason, transport }) => refusals.inc({ reason, transport }));
    const subRefusals = new Counter({
      name: 'rt_subscribe_refusals_total',
      help: 'Subscriptions refused, by code',
      labelNames: ['code'] as const,
      registers,
    });
    hub.on('subRefused', (_session, _topic, code) => subRefusals.inc({ code }));
    const limits = new Counter({
      name: 'rt_rate_limit_hits_total',
      help: 'Rate limits and caps hit, by kind',
      labelNames: ['kind', 'transport'] as const,
      registers,
    });
    hub.on('rateLimited', (kind, transport) => limits.inc({ kind, transport }));
    const authority = new Counter({
      name: 'rt_authority_changes_total',
      help: 'Connection authority changes: expired (closed 4401), refreshed, refresh_refused, narrowed, disconnected (4410)',
      labelNames: ['event', 'transport'] as const,
      registers,
    });
    hub.on('authority', (session, { event }) => authority.inc({ event, transport: session.transport }));
    const refreshRefusals = new Counter({
      name: 'rt_refresh_refusals_total',
      help: 'Refresh frames refused, by code (bad_sig, replay, expired, subject_mismatch, rate_limited, …)',
      labelNames: ['code'] as const,
      registers,
    });
    hub.on('authority', (_session, { event, reason }) => {
      if (event === 'refresh_refused' && reason !== undefined) refreshRefusals.inc({ code: reason });
    });
    const revocations = new Counter({
      name: 'rt_revocations_total',
      help: 'Operator commands issued through this gateway, by op (disconnect, revoke) and target kind',
      labelNames: ['op', 'target'] as const,
      registers,
    });
    hub.on('revocation', ({ op, kind }) => revocations.inc({ op, target: kind }));
    const published = new Counter({
      name: 'rt_publish_messages_total',
      help: 'Messages from backends (source http or stream) by key and topic: accepted, or deduped (a retry of an idempotency key)',
      labelNames: ['source', 'key', 'topic', 'outcome'] as const,
      registers,
    });
    hub.on('published', ({ source, key, topic, outcome }) => published.inc({ source, key, topic, outcome }));
    const publishRefusals = new Counter({
      name: 'rt_publish_refusals_total',
      help: 'Publish requests and stream entries refused, by source, key (unknown when none was recognized) and reason',
      labelNames: ['source', 'key', 'reason'] as const,
      registers,
    });
    hub.on('publishRefused', ({ source, key, reason }) =>
      publishRefusals.inc({ source, key: key ?? 'unknown', reason }),
    );
    const payloadRefusals = new Counter({
      name: 'rt_payload_refusals_total',
      help: "v1.3: payloads refused by their topic's schema or PII policy, by topic, source (fanout, http, stream, redis) and reason (schema, pii)",
      labelNames: ['topic', 'source', 'reason'] as const,
      registers,
    });
    hub.on('payloadRefused', ({ topic, source, reason }) => payloadRefusals.inc({ topic, source, reason }));
    const piiFindings = new Counter({
      name: 'rt_pii_findings_total',
      help: 'v1.3: personal data found in payloads, by topic, kind (email, phone, ip, card, tckn) and action (warned, redacted, refused)',
      labelNames: ['topic', 'kind', 'action'] as const,
      registers,
    });
    hub.on('piiFound', ({ topic, kind, action, count }) => piiFindings.inc({ topic, kind, action }, count));

    new Gauge({
      name: 'rt_engine_info',
      help: 'Where sequence and history live: 1 for the mode the engine runs in (memory, redis, redis-cluster)',
      labelNames: ['mode'] as const,
      registers,
      collect() {
        this.reset();
        this.set({ mode: hub.engine.status().mode }, 1);
      },
    });
    cumulative(
      'rt_engine_restarts_total',
      'Redis restarts or failovers this gateway came back from',
      () => hub.engine.status().restarts,
    );
    new Counter({
      name: 'rt_engine_recovered_topics_total',
      help: 'Topics checked after Redis outages, by outcome: continued (nothing lost) or reset (in-band reset frame)',
      labelNames: ['outcome'] as const,
      registers,
      collect() {
        const { continued, reset } = hub.engine.status().recovered;
        this.reset();
        this.inc({ outcome: 'continued' }, continued);
        this.inc({ outcome: 'reset' }, reset);
      },
    });
    registerDeliveryMetrics(this.registry, hub, options.now ?? Date.now);
  }

  /** Counts the audit log's lost entries as `rt_audit_entries_lost_total` (a gap in the chain, its alert). */
  watchAudit(log: { readonly lost: number }): void {
    new Counter({
      name: 'rt_audit_entries_lost_total',
      help: 'Audit entries lost (queue full or write failed); each loss is also a gap record in the chain',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(log.lost);
      },
    });
  }

  /** The exposition text. */
  render(): Promise<string> {
    return (this.withProcess ? Registry.merge([this.registry, processMetrics()]) : this.registry).metrics();
  }

  /** Its content type. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
