/**
 * The Redis engine: several gateways share sequence numbers, history, epochs and delivery through Redis, a single
 * server or a Cluster (see {@link RedisLink}).
 *
 * - `publish` runs one Lua script that assigns the seq, appends to the capped history and publishes the entry on
 *   the topic's channel, atomically; every gateway (the publisher included) delivers what arrives there. On a
 *   Cluster the channel is sharded and shares the topic's slot, so a message travels only to its shard.
 * - Each gateway remembers, per topic, the last seq it delivered and a SHA-1 digest of that entry, never the entry
 *   itself (retention: a payload must not outlive its topic's keys in a gateway's memory). A jump in seq (messages
 *   missed while Pub/Sub was cut) is filled from history before going on.
 * - **Outages close no connection.** While Redis is away, clients stay connected. When it is back, the gateway
 *   checks each topic against its evidence (RECOVER_SCRIPT): if the history still holds the entry it delivered
 *   last, unchanged (same digest), the topic continues with what was missed; if the history was lost or went back
 *   (an older snapshot, a failover that lost writes), the topic gets a new epoch and its subscribers an in-band
 *   `reset` with the latest message, so no client takes a new message for one it holds. Publishing waits for that check.
 * - Raw `PUBLISH <topic> <json>` (the seed's pipeline pattern) is ingested by one gateway at a time, the holder
 *   of a lease, which turns each payload into a sequenced message. At most once: a payload published while no
 *   gateway holds the lease (for up to the lease time after the holder died) or while the holder is
 *   disconnected from Redis is lost, since Pub/Sub keeps nothing. Use `fanout()` when every message counts.
 * - The ingest stream (`<prefix>ingest`, {@link StreamIngest}) is the at-least-once path for pipelines: entries are
 *   acknowledged only once sequenced, and an idempotency key per entry makes a second publish a no-op.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  DEFAULT_IDEMPOTENCY_WINDOW_MS,
  type Engine,
  type EngineHealth,
  type EngineSink,
  type EngineStatus,
  type PublishResult,
  type Resume,
} from '../engine.js';
import type { Logger } from '../../ops/log.js';
import { PreparedFrame } from '../../delivery/prepared-frame.js';
import { createEpoch } from '../../delivery/topic-history.js';
import type { Topic } from '../../delivery/topic.js';
import type { RedisOptions } from './clients.js';
import { IngestLease } from './ingest-lease.js';
import type { RedisLink } from './link.js';
import { ScriptRunner } from './script-runner.js';
import { PUBLISH_SCRIPT, RECOVER_SCRIPT, RESUME_SCRIPT } from './scripts.js';
import { StreamIngest } from './stream-ingest.js';
import { WriteWitness } from './write-witness.js';
import { PayloadRefused } from '../../contracts/admission.js';

/** Options of the Redis engine. */
export interface RedisEngineOptions extends RedisOptions {
  /** Messages kept per topic (default 100). */
  historySize?: number;
  /** Ingest raw `PUBLISH <topic> <json>` (default true). */
  rawPublish?: boolean;
  /** How long an idempotency key is remembered per topic (default a day; PROTOCOL.md §10.4). */
  idempotencyWindowMs?: number;
  /**
   * How long a topic's keys (meta and history) outlive its last publish, by Redis expiry (default 0: for ever;
   * the gateway's `historyTtlMs` sets it). A gateway that delivered the topic before finds out at the next
   * publish, which begins a new epoch, and resets its subscribers in-band.
   */
  historyTtlMs?: number;
  /** Lease of the raw-publish ingester (default 6 000 ms, renewed every third of it). */
  leaseMs?: number;
  /**
   * The channel a pipeline `PUBLISH`es a topic's raw payloads on (default: the topic's name, as in the seed's
   * example). Give deployments that share a Redis distinct channels, e.g. `(topic) => 'staging:' + topic`.
   */
  rawChannel?: (topic: string) => string;
  /**
   * Read the ingest stream, on by default (PROTOCOL.md §10.5): producers `XADD` entries (`topic`, `data`, optional
   * `id`) to `key` (default `<prefix>ingest`), each published once; refused ones go to `<key>:dead`. An entry
   * pending `claimIdleMs` (default 15 000) with a gateway that died is claimed by another. `false`: not read.
   * `<key>:dead` keeps about 10 000 entries at most and, when `historyTtlMs` is set, drops entries older than it at
   * each write and expires that long after its last write (an entry lives less than twice `historyTtlMs`).
   * @example { stream: { key: 'staging:ingest', claimIdleMs: 30_000 } }
   */
  stream?: { key?: string; claimIdleMs?: number } | false;
  /**
   * Told of each entry this gateway took from the ingest stream, for metrics: `accepted` (published), `deduped`
   * (its idempotency key was published before: nothing sent again) or `refused` (moved to `<key>:dead`; `reason` is
   * its `reason` field, e.g. `unknown_topic`). `topic` only when the entry names a registered topic.
   */
  onIngest?: (outcome: 'accepted' | 'deduped' | 'refused', topic: string | undefined, reason?: string) => void;
}

/** Connects the engine's link to Redis (a single server or a Cluster, from the options). */
export type LinkFactory = (options: RedisEngineOptions, logger: Logger) => Promise<RedisLink>;

interface TopicState {
  /** Last seq delivered locally; -1 until known. */
  lastSeq: number;
  /**
   * SHA-1 (hex) of the entry delivered at `lastSeq`, '' for none: evidence to check against Redis after an outage.
   * A digest, not the entry, so no payload stays in memory after the topic's keys expired in Redis.
   */
  lastDigest: string;
  epoch: string | undefined;
  /** Incoming messages are handled one after another, so catch-up and live delivery never interleave. */
  chain: Promise<void>;
}

type ScriptReply = [number, string, number?, string[]?];

const CONTINUE = 0;

/**
 * A dropped raw `PUBLISH` is logged at most once per topic and reason in this time (ms): a misbehaving publisher
 * must not write the log at its own pace. The next line tells how many were dropped unlogged since.
 */
export const RAW_DROP_LOG_EVERY_MS = 60_000;

/** Sequence, history and delivery shared through Redis. */
export class RedisEngine implements Engine {
  /** This gateway's id (lease owner, cluster stats). */
  readonly id = randomBytes(8).toString('hex');
  private link: RedisLink | undefined;
  private sink: EngineSink | undefined;
  private readonly topics = new Map<Topic, TopicState>();
  private readonly scripts = new ScriptRunner(() => this.redis);
  private readonly prefix: string;
  private readonly historySize: number;
  private readonly witness: WriteWitness;
  private lease: IngestLease | undefined;
  private stream: StreamIngest | undefined;
  /** One stream reader at a time, so each topic's entries are published in stream order. */
  private streamLease: IngestLease | undefined;
  private closed = false;
  /** Who Redis was when last seen (its `run_id`, or its masters'). */
  private identity = '';
  /** A restart or failover was seen and its topics are not all checked yet. */
  private restartPending = false;
  /** From an outage until every topic was checked after it: publishing and nonce claims wait for it. */
  private outage: { done: Promise<void>; end: () => void } | undefined;
  private recovering = false;
  /** Connections lost so far: a pass during which one more was lost does not end the outage. */
  private losses = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private fence = 0;
  private readonly counts = { restarts: 0, continued: 0, reset: 0 };
  /** Per topic and reason: when a dropped raw `PUBLISH` was last logged, and how many were dropped unlogged since. */
  private readonly rawDrops = new Map<string, { at: number; unlogged: number }>();

  constructor(
    private readonly options: RedisEngineOptions,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly connect: LinkFactory,
  ) {
    this.prefix = options.prefix ?? 'rt:';
    this.historySize = options.historySize ?? 100;
    this.witness = new WriteWitness(() => this.redis, `${this.prefix}mark:${this.id}`);
    const claimIdleMs = options.stream ? options.stream.claimIdleMs : undefined;
    if (claimIdleMs !== undefined && (!Number.isSafeInteger(claimIdleMs) || claimIdleMs < 1))
      throw new RangeError('stream.claimIdleMs must be a whole number of ms ≥ 1');
  }

  /** The connection to Redis, shared with the nonce store and the cluster stats. */
  get redis(): RedisLink {
    if (!this.link) throw new Error('Redis engine not started');
    return this.link;
  }

  async start(sink: EngineSink): Promise<void> {
    this.sink = sink;
    const link = await this.connect(this.options, this.logger);
    this.link = link;
    link.on('lost', () => this.beginOutage());
    link.on('restored', () => this.startRecovery());
    this.identity = await link.identity();
    this.witness.start();
    if (this.options.rawPublish !== false) {
      this.lease = new IngestLease(link, `${this.prefix}ingest-lease`, this.id, this.options.leaseMs ?? 6000, {
        acquired: () => this.subscribeRaw([...this.topics.keys()]),
        lost: () => link.unsubscribeRaw([...this.topics.keys()].map((t) => this.rawChannel(t))),
        logger: this.logger,
      });
      this.lease.start();
    }
    const stream = this.options.stream ?? {};
    if (stream !== false) {
      this.stream = new StreamIngest({
        link,
        key: stream.key ?? `${this.prefix}ingest`,
        consumer: this.id,
        claimIdleMs: stream.claimIdleMs,
        topic: (name) => this.sink?.topic(name),
        append: (topic, data, id) => this.append(topic, data, id),
        logger: this.logger,
        onIngest: this.options.onIngest,
        holding: () => this.streamLease?.held === true,
        retentionMs: this.options.historyTtlMs,
      });
      const ingest = this.stream;
      this.streamLease = new IngestLease(link, `${this.prefix}stream-lease`, this.id, this.options.leaseMs ?? 6000, {
        acquired: () => Promise.resolve(ingest.gained()),
        lost: () => Promise.resolve(),
        logger: this.logger,
        gained: 'Reading the ingest stream',
      });
      this.streamLease.start();
      this.stream.start();
    }
  }

  /**
   * Tickets issued before this time (ms) are refused as possible replays: Redis came back without some of the
   * writes this gateway had made, so nonces used just before may be gone. 0 when that never happened. On a
   * Cluster any failover counts, since a promoted replica may lack the last writes of its master.
   */
  get ticketsNotBefore(): number {
    return this.fence;
  }

  /**
   * Resolves once the topics were checked after an outage (at once when there was none). Rejects while Redis is
   * still away, so a caller fails fast instead of waiting for it.
   */
  async settled(): Promise<void> {
    if (!this.outage) return;
    if (!this.redis.ready) throw new Error('Redis unavailable');
    await this.outage.done;
  }

  /** Records that this gateway claimed a nonce (evidence for {@link ticketsNotBefore}). */
  claimed(): void {
    this.witness.mark();
  }

  health(): EngineHealth {
    if (this.link?.ready) return { ok: true };
    return { ok: false, reason: 'redis_unavailable' };
  }

  status(): EngineStatus {
    const { restarts, continued, reset } = this.counts;
    return {
      mode: this.link?.mode === 'cluster' ? 'redis-cluster' : 'redis',
      restarts,
      recovered: { continued, reset },
    };
  }

  watch(topic: Topic): void {
    if (this.topics.has(topic) || !this.link) return;
    const state: TopicState = { lastSeq: -1, lastDigest: '', epoch: undefined, chain: Promise.resolve() };
    this.topics.set(topic, state);
    // Subscribe first, then learn where the topic stands: nothing published in between can be missed.
    const subscribed = this.link.subscribeTopic(this.key(topic, 'ch'), (message) => {
      this.enqueue(topic, () => this.receive(topic, message));
    });
    this.enqueue(topic, async () => {
      await subscribed;
      await this.learn(topic);
    });
    if (this.lease?.held) void this.subscribeRaw([topic]);
  }

  async publish(topic: Topic, payload: unknown, id?: string): Promise<PublishResult> {
    const data = JSON.stringify(payload);
    if (data === undefined) throw new TypeError('fanout: payload must be JSON-serializable');
    return this.append(topic, data, id);
  }

  async resume(topic: Topic, since: number | undefined, epoch: string | undefined): Promise<Resume> {
    const args = [String(since ?? -1), epoch ?? '', createEpoch(), this.ttl];
    const [seq, current, reset, entries] = await this.run<ScriptReply>(RESUME_SCRIPT, topic, args);
    return { seq, epoch: current, reset: reset === 1, frames: (entries ?? []).map((e) => this.frame(topic, e)) };
  }

  async close(): Promise<void> {
    // First, while a recovery can still finish: a stream entry under way may be waiting for it.
    await this.stream?.stop();
    await this.streamLease?.stop();
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.witness.stop();
    await this.lease?.stop();
    await Promise.all([...this.topics.values()].map((s) => s.chain));
    await this.link?.close();
  }

  /** The scripts' expiry of a topic's keys, in ms ('0': none). */
  private get ttl(): string {
    return String(this.options.historyTtlMs ?? 0);
  }

  private rawChannel(topic: Topic): string {
    return this.options.rawChannel ? this.options.rawChannel(topic.name) : topic.name;
  }

  private key(topic: Topic, kind: 'meta' | 'hist' | 'ch'): string {
    return `${this.prefix}{${topic.name}}:${kind}`;
  }

  /**
   * Publishes `data` (JSON text) on `topic`, once per idempotency key `id` within the window.
   * @internal for the stream ingester
   */
  async append(topic: Topic, data: string, id?: string): Promise<PublishResult> {
    // After an outage, nothing is published before the topics were checked: a new epoch must come first.
    await this.settled();
    const args = [
      topic.name,
      data,
      String(this.now()),
      String(this.historySize),
      createEpoch(),
      this.key(topic, 'ch'),
      this.redis.publishCommand,
      String(this.options.idempotencyWindowMs ?? DEFAULT_IDEMPOTENCY_WINDOW_MS),
      this.ttl,
    ];
    const keys = [this.key(topic, 'meta'), this.key(topic, 'hist')];
    if (id !== undefined) keys.push(`${this.prefix}{${topic.name}}:id:${id}`);
    const [seq, epoch, duplicate] = await this.scripts.run<ScriptReply>(PUBLISH_SCRIPT, keys, args);
    return { seq, epoch, duplicate: duplicate === 1 };
  }

  private run<T>(script: string, topic: Topic, args: string[]): Promise<T> {
    return this.scripts.run<T>(script, [this.key(topic, 'meta'), this.key(topic, 'hist')], args);
  }

  private frame(topic: Topic, entry: string): PreparedFrame {
    const cut = entry.indexOf('\n');
    return PreparedFrame.fromJson(topic.name, Number(entry.slice(0, cut)), entry.slice(cut + 1));
  }

  private enqueue(topic: Topic, work: () => unknown): Promise<void> {
    const state = this.topics.get(topic) as TopicState;
    state.chain = state.chain
      .then(async () => void (await work()))
      .catch((error: unknown) => {
        this.logger.warn('Redis', `${topic.name}: delivery step failed`, {
          error: error instanceof Error ? error.message : 'unknown',
        });
      });
    return state.chain;
  }

  /** Where a watched topic stands: its seq, epoch and latest entry. */
  private async learn(topic: Topic): Promise<void> {
    const state = this.topics.get(topic) as TopicState;
    const [seq, epoch, , entries] = await this.run<ScriptReply>(RESUME_SCRIPT, topic, [
      '-1',
      '',
      createEpoch(),
      this.ttl,
    ]);
    if (state.lastSeq >= 0) return;
    state.lastSeq = seq;
    state.lastDigest = digest(entries?.[0]);
    state.epoch = epoch;
  }

  private beginOutage(): void {
    this.losses += 1;
    if (this.outage) return;
    let end!: () => void;
    const done = new Promise<void>((resolve) => (end = resolve));
    this.outage = { done, end };
  }

  /** Redis is back (both connections): check every topic, then let publishing go on. */
  private startRecovery(): void {
    if (this.closed || this.recovering) return;
    this.beginOutage();
    this.recovering = true;
    void this.recover().finally(() => {
      this.recovering = false;
      if (this.outage) this.retryLater(); // this pass did not finish the job
    });
  }

  private async recover(): Promise<void> {
    const losses = this.losses;
    try {
      const identity = await this.redis.identity();
      if (identity !== this.identity) {
        this.identity = identity;
        this.restartPending = true;
        this.counts.restarts += 1;
      }
      if (!(await this.witness.kept()) || (this.restartPending && this.redis.mode === 'cluster')) {
        this.fence = this.now();
        this.logger.warn('Redis', 'Redis came back without some recent writes: tickets issued before now are refused');
      }
    } catch {
      return this.retryLater();
    }
    const before = { ...this.counts };
    const outcomes = await Promise.all([...this.topics.keys()].map((topic) => this.checkTopic(topic)));
    if (outcomes.includes(false)) return this.retryLater();
    const continued = this.counts.continued - before.continued;
    const reset = this.counts.reset - before.reset;
    if (this.restartPending || reset > 0) {
      this.logger.warn('Redis', `Redis ${this.restartPending ? 'restarted' : 'reconnected'}: topics checked`, {
        continued,
        reset,
      });
    }
    if (losses !== this.losses) return; // lost again meanwhile: the next `restored` checks again
    this.restartPending = false;
    this.outage?.end();
    this.outage = undefined;
  }

  /** Checks one topic in its delivery order. Resolves false when Redis failed meanwhile. */
  private checkTopic(topic: Topic): Promise<boolean> {
    let ok = false;
    return this.enqueue(topic, async () => {
      ok = await this.tryCatchUp(topic, true);
    }).then(() => ok);
  }

  /** A check that failed (Redis away again) is retried shortly, never skipped. */
  private retryLater(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.redis.ready) this.startRecovery();
    }, 250);
    this.retry.unref();
  }

  private async tryCatchUp(topic: Topic, counted = false): Promise<boolean> {
    try {
      await this.catchUp(topic, counted);
      return true;
    } catch {
      this.retryLater();
      return false;
    }
  }

  private async receive(topic: Topic, entry: string): Promise<void> {
    const state = this.topics.get(topic) as TopicState;
    const frame = this.frame(topic, entry);
    if (frame.seq <= state.lastSeq) {
      // Already delivered (by a catch-up), unless the topic began anew: its keys expired (retention) or were
      // deleted, and this publish started a new epoch at 1. The check finds out, and resets its subscribers.
      if (frame.seq === 1 && state.lastSeq > 0) await this.tryCatchUp(topic);
      return;
    }
    // A gap: fill it from history first. If that fails, this message waits in history for the retry.
    if (state.lastSeq >= 0 && frame.seq > state.lastSeq + 1 && !(await this.tryCatchUp(topic))) return;
    if (frame.seq <= state.lastSeq) return;
    this.deliver(topic, state, frame, entry);
  }

  private deliver(topic: Topic, state: TopicState, frame: PreparedFrame, entry: string): void {
    state.lastSeq = frame.seq;
    state.lastDigest = digest(entry);
    this.sink?.deliver(topic, frame);
  }

  /** Delivers what this gateway missed, or resets the topic's subscribers in-band when it cannot. */
  private async catchUp(topic: Topic, counted: boolean): Promise<void> {
    const state = this.topics.get(topic) as TopicState;
    if (state.lastSeq < 0) return this.learn(topic);
    const args = [
      state.epoch ?? '',
      String(state.lastSeq),
      state.lastDigest,
      createEpoch(),
      this.restartPending ? '1' : '0',
      this.ttl,
    ];
    const [seq, epoch, verdict, entries = []] = await this.run<ScriptReply>(RECOVER_SCRIPT, topic, args);
    if (verdict === CONTINUE) {
      for (const entry of entries) {
        const frame = this.frame(topic, entry);
        if (frame.seq > state.lastSeq) this.deliver(topic, state, frame, entry);
      }
      if (counted) this.counts.continued += 1;
      return;
    }
    const renewed = epoch !== state.epoch;
    this.logger.warn('Redis', `${topic.name}: ${renewed ? 'history lost or went back' : 'too much missed'}: reset`, {
      delivered: state.lastSeq,
      seq,
    });
    const frames = entries.map((entry) => this.frame(topic, entry));
    state.epoch = epoch;
    state.lastSeq = seq;
    state.lastDigest = digest(entries.at(-1));
    this.counts.reset += 1;
    this.sink?.reset(topic, epoch, frames);
  }

  private async subscribeRaw(topics: Topic[]): Promise<void> {
    for (const topic of topics)
      await this.redis.subscribeRaw(this.rawChannel(topic), (message) => this.ingest(topic, message));
  }

  /**
   * One raw `PUBLISH`: parsed, admitted by the topic's schema and PII policy (v1.3; a refused payload is dropped
   * and counted, with a warn line naming the topic and the reason at most once a minute per topic and reason), then
   * published. Payloads admitted one after the other are published in that order (a synchronous schema settles the
   * admission at once).
   */
  private ingest(topic: Topic, message: string): void {
    let value: unknown;
    try {
      value = JSON.parse(message);
    } catch {
      this.rawDropped(topic, 'not_json', `${topic.name}: raw PUBLISH is not JSON, ignored`);
      return;
    }
    const lost = (error: unknown) => {
      if (error instanceof PayloadRefused)
        this.rawDropped(topic, error.reason, `${topic.name}: raw PUBLISH refused, dropped`, { reason: error.reason });
      else
        this.logger.warn('Redis', `${topic.name}: raw PUBLISH lost`, {
          error: error instanceof Error ? error.message : 'unknown',
        });
    };
    // One line, whatever the publisher's formatting (SSE needs it).
    if (topic.admission.inert) return void this.append(topic, JSON.stringify(value)).catch(lost);
    topic.admission
      .check(value, 'redis')
      .then((admitted) => this.append(topic, JSON.stringify(admitted)))
      .catch(lost);
  }

  /**
   * Logs a dropped raw `PUBLISH`, at most once per topic and reason per {@link RAW_DROP_LOG_EVERY_MS} of the
   * gateway's clock; the line after a quiet spell carries `suppressed`, the drops left unlogged since the last one.
   * Counting in metrics is the admission's job, so it happens for every drop, logged or not.
   */
  private rawDropped(topic: Topic, reason: string, message: string, data: Record<string, unknown> = {}): void {
    const key = `${topic.name}\n${reason}`;
    const now = this.now();
    const last = this.rawDrops.get(key);
    // `now >= last.at`: a clock set back must not silence the line until it catches up.
    if (last && now >= last.at && now - last.at < RAW_DROP_LOG_EVERY_MS) {
      last.unlogged += 1;
      return;
    }
    this.rawDrops.set(key, { at: now, unlogged: 0 });
    const details = last?.unlogged ? { ...data, suppressed: last.unlogged } : data;
    this.logger.warn('Redis', message, Object.keys(details).length > 0 ? details : undefined);
  }
}

/** SHA-1 (hex) of an entry, as RECOVER_SCRIPT's `redis.sha1hex` computes it; '' for none. */
function digest(entry: string | undefined): string {
  return entry === undefined ? '' : createHash('sha1').update(entry).digest('hex');
}
