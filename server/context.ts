/**
 * What every endpoint of one gateway shares: the hub and its topics, the nonce store, the clock, the logger,
 * the heartbeat and the draining flag. Endpoints add their own auth settings on top.
 */
import { randomBytes } from 'node:crypto';
import { Heartbeat } from './heartbeat.js';
import { Hub } from './hub.js';
import { createLogger, type Logger, type LogLevelName } from './log.js';
import { MemoryNonceStore, type NonceStore } from './nonce-store.js';
import type { BackpressureOptions } from './outbound-queue.js';
import { systemClock, type Clock } from './timers.js';
import { SEED_TOPICS, TopicRegistry, type TopicSpec } from './topic-registry.js';

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
  /** Where used nonces are kept (default: in memory). */
  nonceStore?: NonceStore;
  /** Topics registered at start (default: the seed's four). */
  topics?: Readonly<Record<string, TopicSpec>>;
  /** Clock and interval timers (tests inject a fake). */
  clock?: Clock;
  /** Log level (default `info`), or a whole logger. */
  logLevel?: LogLevelName;
  logger?: Logger;
}

/** The shared state of one gateway. */
export class GatewayContext {
  readonly hub: Hub;
  readonly nonces: NonceStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly heartbeat: Heartbeat;
  readonly heartbeatMs: number;
  readonly backpressure: BackpressureOptions;
  /** Set when shutdown begins: new connections are refused with 1013 / 503, `/health` answers 503. */
  draining = false;

  constructor(options: ContextOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? createLogger(options.logLevel ?? 'info');
    this.nonces = options.nonceStore ?? new MemoryNonceStore({ now: () => this.clock.now() });
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.backpressure = options.backpressure ?? {};
    const registry = new TopicRegistry(options.historySize ?? 100);
    for (const [name, spec] of Object.entries(options.topics ?? SEED_TOPICS)) registry.register(name, spec);
    this.hub = new Hub(registry, this.logger, () => this.clock.now());
    this.heartbeat = new Heartbeat(this.hub, this.clock, this.heartbeatMs, options.timeoutMs ?? 30_000, this.logger);
  }

  /** A fresh connection id. */
  newId(): string {
    return randomBytes(9).toString('base64url');
  }

  /** Stops the heartbeat and releases the nonce store. */
  async close(): Promise<void> {
    this.heartbeat.stop();
    await this.nonces.close();
  }
}
