/**
 * What every endpoint of one gateway shares: the hub and its topics, the engine, the nonce store, the clock,
 * the logger, the heartbeat and the draining flag. Endpoints add their own auth settings on top.
 */
import type { IncomingMessage } from 'node:http';
import { DEFAULT_IDEMPOTENCY_WINDOW_MS, type Engine, type EngineHealth } from './engines/engine.js';
import type { FanoutOptions } from './delivery/fanout-queue.js';
import { Heartbeat } from './delivery/heartbeat.js';
import { Hub, type Stats } from './delivery/hub.js';
import { RandomIds } from './delivery/random-ids.js';
import { createLogger, type Logger, type LogLevelName } from './ops/log.js';
import { MemoryEngine } from './engines/memory.js';
import { GatewayMetrics } from './ops/metrics.js';
import { MemoryNonceStore, type NonceStore } from './admission/nonce-store.js';
import { resolveBackpressure, type BackpressureOptions } from './delivery/backpressure.js';
import { ClusterStats } from './engines/redis/cluster-stats.js';
import { RedisEngine, type RedisEngineOptions } from './engines/redis/engine.js';
import { RedisNonceStore } from './engines/redis/nonce-store.js';
import { connectLink } from './engines/redis/connect.js';
import { IpLimiter, resolveRateLimits, type RateLimitOptions, type RateLimits } from './limits/rate-limits.js';
import { systemClock, type Clock } from './clock.js';
import type { Session } from './delivery/session.js';
import { SEED_TOPICS, TopicRegistry, type TopicSpec } from './delivery/topic-registry.js';
import { isPiiPolicy, type PiiPolicy } from './contracts/pii-guard.js';
import { AccessControl } from './access/access-control.js';
import { localBus, type ControlBus } from './access/control.js';
import { ExpiryWatch } from './access/expiry-watch.js';
import { RedisControlBus } from './engines/redis/control-bus.js';

/** What the publish API would have answered for a stream entry refused for `reason` (PROTOCOL.md §10.5). */
function ingestStatus(reason: string | undefined): number {
  if (reason === 'too_large') return 413;
  if (reason === 'unknown_topic') return 404;
  return reason === 'schema' || reason === 'pii' ? 422 : 400;
}

/** The default maximum connection age: a day, the seed's key rotation period. */
export const DEFAULT_MAX_CONNECTION_AGE_MS = 24 * 60 * 60 * 1000;

/** How long a topic's history outlives its last publish by default: 90 days (the seed's retention). */
export const DEFAULT_HISTORY_TTL_MS = 90 * 24 * 60 * 60 * 1000;

/** How often the in-memory engine looks for idle topics to forget (each publish and resume checks too). */
const RETENTION_SWEEP_MS = 60 * 60 * 1000;

/** Settings shared by every endpoint of a gateway. All optional; defaults follow the seed. */
export interface ContextOptions {
  /** Messages kept per topic for resume (default 100). */
  historySize?: number;
  /** How often `ping` frames and SSE comment lines go out (default 15 000 ms). */
  heartbeatMs?: number;
  /** A WebSocket peer silent this long is terminated (default 30 000 ms). */
  timeoutMs?: number;
  /** Per-connection backpressure (defaults: 1 MiB buffer, 200 queued, 50 ms flush). */
  backpressure?: BackpressureOptions;
  /**
   * Share sequence, history, delivery and nonces with other gateways through Redis: a `redis://` URL or
   * options. Unset: everything stays in this process.
   */
  redis?: string | RedisEngineOptions;
  /**
   * How long fanout may hold the event loop per turn (default 5 ms, checked every 128 sends): the rest of a large
   * fanout goes out in the next turns, in order per topic.
   */
  fanout?: FanoutOptions;
  /** Rate limits and caps (defaults in {@link RATE_LIMIT_DEFAULTS}). */
  rateLimits?: RateLimitOptions;
  /**
   * The client address rate limits count by (default: the socket's peer address). Behind a proxy, derive it
   * from a header only that proxy sets, e.g. `(req) => String(req.headers['x-real-ip'])`.
   */
  clientIp?: (req: IncomingMessage) => string;
  /** Process metrics (CPU, memory, event loop lag) beside the gateway's in `/metrics` (default true). */
  processMetrics?: boolean;
  /** Where used nonces are kept (default: in memory, or in Redis with `redis`). */
  nonceStore?: NonceStore;
  /**
   * The longest a connection's authority lasts without a refresh (default 24 h; 0 = no cap): the end of a
   * ticket without `exp`, and a cap on the `exp` of those that have one (`RT_MAX_CONNECTION_AGE`).
   */
  maxConnectionAgeMs?: number;
  /**
   * How long an idempotency key (`id` of a published message) is remembered per topic, so that a retry within it
   * is not published twice (default a day; PROTOCOL.md §10.4).
   */
  idempotencyWindowMs?: number;
  /**
   * How long a topic's history and latest message outlive its last publish (default 90 days; 0 = for ever;
   * `RT_HISTORY_TTL` in seconds). Past it they are forgotten, in memory and in Redis, and subscribers still
   * connected get `reset` (PROTOCOL.md §4).
   */
  historyTtlMs?: number;
  /** Topics registered at start (default: the seed's four). */
  topics?: Readonly<Record<string, TopicSpec>>;
  /**
   * v1.3: the PII policy of topics that set none (default `warn`): `off`, `warn` (published, counted), `redact`
   * (findings replaced by `[redacted:<kind>]`) or `refuse` (see README, "Payload contracts and the PII guard").
   */
  piiPolicy?: PiiPolicy;
  /** Clock and interval timers (default: the system clock, its intervals `unref`ed; tests inject a fake). */
  clock?: Clock;
  /** Level of the console logger the gateway creates (default `info`); ignored when `logger` is given. */
  logLevel?: LogLevelName;
  /** A whole logger, used instead of the console one (default: a console logger at `logLevel`). */
  logger?: Logger;
}

/** The shared state of one gateway. */
export class GatewayContext {
  readonly hub: Hub;
  readonly engine: Engine;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly heartbeat: Heartbeat;
  readonly heartbeatMs: number;
  readonly backpressure: BackpressureOptions;
  readonly nonces: NonceStore;
  /** Rate limits and caps. */
  readonly limits: RateLimits;
  /** Connection attempts per IP, unless disabled. */
  readonly ipLimiter: IpLimiter | undefined;
  /** The address a request counts against. */
  readonly clientIp: (req: IncomingMessage) => string;
  /** Prometheus metrics (`/metrics`). */
  readonly metrics: GatewayMetrics;
  /** Cluster-wide stats, with the Redis engine. */
  readonly cluster: ClusterStats | undefined;
  /** Revocation and forced disconnects, spread to every gateway. */
  readonly access: AccessControl;
  /** Closes connections whose authority ended. */
  readonly expiry: ExpiryWatch;
  /** See {@link ContextOptions.maxConnectionAgeMs}. */
  readonly maxConnectionAgeMs: number;
  private readonly bus: ControlBus;
  private readonly ids = new RandomIds();
  /** Set when shutdown begins: new connections are refused with 1013 / 503, `/health` answers 503. */
  draining = false;
  /** Connections past the cheap checks whose ticket is being verified (they count against the cap). */
  admitting = 0;
  private started: Promise<void> | undefined;
  /** Forgets the in-memory history of topics idle past the retention time (memory engine). */
  private sweepIdle: (() => void) | undefined;
  private sweep: unknown;

  constructor(options: ContextOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? createLogger(options.logLevel ?? 'info');
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.backpressure = resolveBackpressure(options.backpressure);
    const historySize = options.historySize ?? 100;
    this.limits = resolveRateLimits(options.rateLimits);
    this.ipLimiter = this.limits.connectionsPerIp
      ? new IpLimiter(this.limits.connectionsPerIp, this.limits.maxTrackedIps)
      : undefined;
    this.clientIp = options.clientIp ?? ((req) => req.socket.remoteAddress ?? 'unknown');
    const now = () => this.clock.now();
    this.maxConnectionAgeMs = options.maxConnectionAgeMs ?? DEFAULT_MAX_CONNECTION_AGE_MS;
    if (!Number.isSafeInteger(this.maxConnectionAgeMs) || this.maxConnectionAgeMs < 0)
      throw new RangeError('maxConnectionAgeMs must be a whole number of ms ≥ 0');
    // How long a revocation must be remembered: as long as a connection it reaches may live (a day when uncapped).
    const reachMs = this.maxConnectionAgeMs || DEFAULT_MAX_CONNECTION_AGE_MS;
    const idempotencyWindowMs = options.idempotencyWindowMs ?? DEFAULT_IDEMPOTENCY_WINDOW_MS;
    if (!Number.isSafeInteger(idempotencyWindowMs) || idempotencyWindowMs < 1000)
      throw new RangeError('idempotencyWindowMs must be a whole number of ms ≥ 1000');
    const historyTtlMs = options.historyTtlMs ?? DEFAULT_HISTORY_TTL_MS;
    if (!Number.isSafeInteger(historyTtlMs) || historyTtlMs < 0)
      throw new RangeError('historyTtlMs must be a whole number of ms ≥ 0');
    if (options.piiPolicy !== undefined && !isPiiPolicy(options.piiPolicy))
      throw new TypeError('piiPolicy must be off, warn, redact or refuse');
    // Refusals and findings become hub events (metrics, audit log); the hub exists by the time any payload comes.
    const registry = new TopicRegistry<Session>(historySize, {
      pii: options.piiPolicy ?? 'warn',
      logger: this.logger,
      report: {
        refused: (refusal) => this.hub.emit('payloadRefused', refusal),
        found: (finding) => this.hub.emit('piiFound', finding),
      },
    });
    for (const [name, spec] of Object.entries(options.topics ?? SEED_TOPICS)) registry.register(name, spec);

    if (options.redis !== undefined) {
      const redis = typeof options.redis === 'string' ? { url: options.redis } : options.redis;
      // Stream entries are counted and audited like publish requests (`source: 'stream'`, key `stream`).
      const onIngest: RedisEngineOptions['onIngest'] = (outcome, topic, reason) => {
        if (outcome === 'refused')
          this.hub.emit('publishRefused', {
            source: 'stream',
            key: 'stream',
            reason: reason ?? 'refused',
            status: ingestStatus(reason),
            ...(topic === undefined ? {} : { topic }),
          });
        else if (topic !== undefined) this.hub.emit('published', { source: 'stream', key: 'stream', topic, outcome });
        redis.onIngest?.(outcome, topic, reason);
      };
      const engine = new RedisEngine(
        { historySize, idempotencyWindowMs, historyTtlMs, ...redis, onIngest },
        this.logger,
        now,
        connectLink,
      );
      this.engine = engine;
      this.nonces = options.nonceStore ?? new RedisNonceStore(() => engine.redis, redis.prefix, engine);
      this.hub = new Hub(registry, engine, this.logger, this.limits.maxSubscriptions, options.fanout, now);
      this.cluster = new ClusterStats(
        () => engine.redis,
        engine.id,
        () => this.hub.stats(),
        redis.prefix,
        undefined,
        now,
      );
      this.bus = new RedisControlBus(() => engine.redis, this.logger, redis.prefix, reachMs);
    } else {
      const engine = new MemoryEngine(now, idempotencyWindowMs, historyTtlMs);
      this.engine = engine;
      // Checked on each publish and subscribe too; the sweep forgets what nobody touches any more.
      if (historyTtlMs > 0) this.sweepIdle = () => engine.expireIdle(this.hub.registry.all());
      this.nonces = options.nonceStore ?? new MemoryNonceStore({ now });
      this.hub = new Hub(registry, this.engine, this.logger, this.limits.maxSubscriptions, options.fanout, now);
      this.cluster = undefined;
      this.bus = localBus;
    }
    this.access = new AccessControl(this.hub, this.bus, this.logger, this.clock, this.newId(), reachMs);
    this.expiry = new ExpiryWatch(this.hub, this.clock);
    this.metrics = new GatewayMetrics(this.hub, { processMetrics: options.processMetrics !== false, now });
    this.heartbeat = new Heartbeat(this.hub, this.clock, this.heartbeatMs, options.timeoutMs ?? 30_000, this.logger);
  }

  /** Starts the engine (connects to Redis) and watches every registered topic. Idempotent. */
  start(): Promise<void> {
    return (this.started ??= (async () => {
      await this.engine.start(this.hub);
      for (const topic of this.hub.registry.all()) this.engine.watch(topic);
      this.cluster?.start();
      await this.access.start();
      this.expiry.start();
      if (this.sweepIdle) this.sweep = this.clock.setInterval(this.sweepIdle, RETENTION_SWEEP_MS);
    })());
  }

  /** The engine's health; `/health` answers 503 with the reason when it is not ok. */
  health(): EngineHealth {
    return this.engine.health();
  }

  /** This gateway's stats, or the whole cluster's (Redis engine; this gateway's alone otherwise). */
  async stats(scope: 'gateway' | 'cluster' = 'gateway'): Promise<Stats> {
    if (scope === 'cluster' && this.cluster) return this.cluster.total();
    return this.hub.stats();
  }

  /** A fresh connection id: 9 random bytes, as 12 base64url characters. */
  newId(): string {
    return this.ids.next();
  }

  /** Stops the heartbeat, the fanout still waiting, the engine and the nonce store. */
  async close(): Promise<void> {
    if (this.sweep !== undefined) this.clock.clearInterval(this.sweep);
    this.heartbeat.stop();
    this.expiry.stop();
    this.access.stop();
    await this.bus.close();
    this.hub.dispose();
    await this.cluster?.stop();
    await this.nonces.close();
    await this.engine.close();
  }
}
