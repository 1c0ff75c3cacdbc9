/**
 * The Redis engine: several gateways share sequence numbers, history, epochs and delivery through Redis.
 *
 * - `publish` runs one Lua script that assigns the seq, appends to the capped history and publishes the frame,
 *   atomically; every gateway (the publisher included) delivers what arrives on the topic's channel.
 * - Each gateway tracks the last seq it delivered per topic. A jump (messages missed while its Pub/Sub
 *   connection was down) is filled from history before going on; if history no longer reaches back, or the
 *   epoch changed (Redis lost its data), the topic's local subscribers are told to resync (close 1012), and
 *   they resume with `since` and get a `reset` if anything is truly gone.
 * - Raw `PUBLISH <topic> <json>` (the seed's pipeline pattern) is ingested by one gateway at a time, the holder
 *   of a lease, which turns each payload into a sequenced message. At most once: a payload published while no
 *   gateway holds the lease (for up to the lease time after the holder died) or while the holder is
 *   disconnected from Redis is lost, since Pub/Sub keeps nothing. Use `fanout()` when every message counts.
 */
import { randomBytes } from 'node:crypto';
import type { Engine, EngineHealth, EngineSink, PublishResult, Resume } from '../engine.js';
import type { Logger } from '../../ops/log.js';
import { PreparedFrame } from '../../delivery/prepared-frame.js';
import { createEpoch } from '../../delivery/topic-history.js';
import type { Topic } from '../../delivery/topic.js';
import { connectRedis, type RedisClient, type RedisOptions } from './clients.js';
import { BUMP_EPOCH_SCRIPT, PUBLISH_SCRIPT, RENEW_LEASE_SCRIPT, RESUME_SCRIPT } from './scripts.js';

/** Options of the Redis engine. */
export interface RedisEngineOptions extends RedisOptions {
  /** Messages kept per topic (default 100). */
  historySize?: number;
  /** Ingest raw `PUBLISH <topic> <json>` (default true). */
  rawPublish?: boolean;
  /** Lease of the raw-publish ingester (default 6 000 ms, renewed every third of it). */
  leaseMs?: number;
  /**
   * The channel a pipeline `PUBLISH`es a topic's raw payloads on (default: the topic's name, as in the seed's
   * example). Give deployments that share a Redis distinct channels, e.g. `(topic) => 'staging:' + topic`.
   */
  rawChannel?: (topic: string) => string;
}

interface TopicState {
  /** Last seq delivered locally; -1 until known. */
  lastSeq: number;
  epoch: string | undefined;
  /** Incoming messages are handled one after another, so catch-up and live delivery never interleave. */
  chain: Promise<void>;
}

type ScriptReply = [number, string, number?, string[]?];

/** Sequence, history and delivery shared through Redis. */
export class RedisEngine implements Engine {
  /** This gateway's id (lease owner, cluster stats). */
  readonly id = randomBytes(8).toString('hex');
  private commands: RedisClient | undefined;
  private subscriber: RedisClient | undefined;
  private sink: EngineSink | undefined;
  private readonly topics = new Map<Topic, TopicState>();
  private readonly shas = new Map<string, string>();
  private readonly prefix: string;
  private readonly historySize: number;
  private leaseTimer: ReturnType<typeof setInterval> | undefined;
  private ingesting = false;
  private closed = false;
  /** Messages may have been missed (the Pub/Sub connection dropped): catch up from history when possible. */
  private behind = false;
  private restartedAt = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly options: RedisEngineOptions,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.prefix = options.prefix ?? 'rt:';
    this.historySize = options.historySize ?? 100;
  }

  /** The command connection (shared with the nonce store and cluster stats). */
  get client(): RedisClient {
    if (!this.commands) throw new Error('Redis engine not started');
    return this.commands;
  }

  async start(sink: EngineSink): Promise<void> {
    this.sink = sink;
    this.commands = await connectRedis(this.options, this.logger, 'command');
    try {
      this.subscriber = await connectRedis(this.options, this.logger, 'subscriber');
    } catch (error) {
      this.commands.destroy();
      throw error;
    }
    // node-redis resubscribes every channel by itself after a reconnection; what was published meanwhile is
    // fetched from history once both connections are back.
    this.subscriber.on('error', () => (this.behind = true));
    for (const client of [this.commands, this.subscriber]) client.on('ready', () => this.behind && this.catchUpAll());
    this.commands.on('ready', () => void this.checkRestart().catch(() => {}));
    await this.checkRestart();
    if (this.options.rawPublish !== false) this.startLease();
  }

  /**
   * Tickets issued before this time (ms) are refused as possible replays: Redis restarted, and the nonces it held
   * may be gone. 0 when no restart was seen.
   */
  get ticketsNotBefore(): number {
    return this.restartedAt;
  }

  /**
   * Notices a Redis restart (its `run_id` differs from the one recorded in Redis, or the record is gone) and
   * makes it safe: tickets issued before it are refused for one window (their nonces may be lost), and each
   * topic gets a new epoch (its `seq` may have gone back with a snapshot), so clients resume with `reset` rather
   * than take new messages for ones they hold. One gateway bumps the epochs per restart.
   */
  private async checkRestart(): Promise<void> {
    const client = this.client;
    const runId = /run_id:(\w+)/.exec(await client.info('server'))?.[1];
    if (runId === undefined) return;
    const recorded = `${this.prefix}run-id`;
    if ((await client.get(recorded)) === runId) return;
    this.restartedAt = this.now();
    await client.set(recorded, runId);
    const first = await client.set(`${this.prefix}restart:${runId}`, '1', {
      condition: 'NX',
      expiration: { type: 'EX', value: 600 },
    });
    if (first === 'OK') {
      for (const topic of this.topics.keys()) {
        await client.eval(BUMP_EPOCH_SCRIPT, { keys: [this.key(topic, 'meta')], arguments: [createEpoch()] });
      }
    }
    if (this.topics.size > 0) {
      this.logger.warn('Redis', 'Redis restarted: older tickets refused for 5 minutes, topics resume with a new epoch');
      this.catchUpAll();
    }
  }

  health(): EngineHealth {
    if (this.commands?.isReady && this.subscriber?.isReady) return { ok: true };
    return { ok: false, reason: 'redis_unavailable' };
  }

  watch(topic: Topic): void {
    if (this.topics.has(topic) || !this.subscriber) return;
    const state: TopicState = { lastSeq: -1, epoch: undefined, chain: Promise.resolve() };
    this.topics.set(topic, state);
    // Subscribe first, then learn where the topic stands: nothing published in between can be missed.
    const subscribed = this.subscriber.subscribe(this.key(topic, 'ch'), (message) => {
      this.enqueue(topic, () => this.receive(topic, message));
    });
    this.enqueue(topic, async () => {
      await subscribed;
      const [seq, epoch] = await this.run<ScriptReply>(RESUME_SCRIPT, topic, ['-1', '', createEpoch()]);
      if (state.lastSeq < 0) state.lastSeq = seq;
      state.epoch = epoch;
    });
    if (this.ingesting)
      void this.subscriber.subscribe(this.rawChannel(topic), (message) => this.ingest(topic, message));
  }

  publish(topic: Topic, payload: unknown): Promise<PublishResult> {
    const data = JSON.stringify(payload);
    if (data === undefined) throw new TypeError('fanout: payload must be JSON-serializable');
    return this.append(topic, data);
  }

  async resume(topic: Topic, since: number | undefined, epoch: string | undefined): Promise<Resume> {
    const args = [String(since ?? -1), epoch ?? '', createEpoch()];
    const [seq, current, reset, entries] = await this.run<ScriptReply>(RESUME_SCRIPT, topic, args);
    return { seq, epoch: current, reset: reset === 1, frames: (entries ?? []).map((e) => this.frame(topic, e)) };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    if (this.retry) clearTimeout(this.retry);
    const lease = `${this.prefix}ingest-lease`;
    if (this.ingesting && this.commands?.isReady) {
      await this.commands
        .eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, {
          keys: [lease],
          arguments: [this.id],
        })
        .catch(() => {});
    }
    await Promise.all([...this.topics.values()].map((s) => s.chain));
    for (const client of [this.subscriber, this.commands]) {
      if (client?.isOpen) await client.close().catch(() => client.destroy());
    }
  }

  private rawChannel(topic: Topic): string {
    return this.options.rawChannel ? this.options.rawChannel(topic.name) : topic.name;
  }

  private key(topic: Topic, kind: 'meta' | 'hist' | 'ch'): string {
    return `${this.prefix}{${topic.name}}:${kind}`;
  }

  private async append(topic: Topic, data: string): Promise<PublishResult> {
    const args = [topic.name, data, String(this.now()), String(this.historySize), createEpoch(), this.key(topic, 'ch')];
    const [seq, epoch] = await this.run<ScriptReply>(PUBLISH_SCRIPT, topic, args);
    return { seq, epoch };
  }

  /** Runs a script by SHA, loading it on first use or after Redis forgot it (a restart). */
  private async run<T>(script: string, topic: Topic, args: string[]): Promise<T> {
    const client = this.client;
    const keys = [this.key(topic, 'meta'), this.key(topic, 'hist')];
    const sha = this.shas.get(script);
    if (sha !== undefined) {
      try {
        return (await client.evalSha(sha, { keys, arguments: args })) as T;
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      }
    }
    this.shas.set(script, String(await client.scriptLoad(script)));
    return (await client.eval(script, { keys, arguments: args })) as T;
  }

  private frame(topic: Topic, entry: string): PreparedFrame {
    const cut = entry.indexOf('\n');
    return PreparedFrame.fromJson(topic.name, Number(entry.slice(0, cut)), entry.slice(cut + 1));
  }

  private enqueue(topic: Topic, work: () => unknown): void {
    const state = this.topics.get(topic);
    if (!state) return;
    state.chain = state.chain
      .then(async () => void (await work()))
      .catch((error: unknown) => {
        this.logger.warn('Redis', `${topic.name}: delivery step failed`, {
          error: error instanceof Error ? error.message : 'unknown',
        });
      });
  }

  /** Catches every topic up, now if both connections are ready, else as soon as they are. */
  private catchUpAll(): void {
    if (this.closed) return;
    this.behind = true;
    if (!this.commands?.isReady || !this.subscriber?.isReady) return;
    this.behind = false;
    for (const topic of this.topics.keys()) this.enqueue(topic, () => this.tryCatchUp(topic));
  }

  /** A catch-up that failed (Redis away again) is retried shortly, never skipped. */
  private async tryCatchUp(topic: Topic): Promise<boolean> {
    try {
      await this.catchUp(topic);
      return true;
    } catch {
      this.behind = true;
      this.retry ??= setTimeout(() => {
        this.retry = undefined;
        this.catchUpAll();
      }, 250);
      this.retry.unref();
      return false;
    }
  }

  private async receive(topic: Topic, entry: string): Promise<void> {
    const state = this.topics.get(topic) as TopicState;
    const frame = this.frame(topic, entry);
    if (frame.seq <= state.lastSeq) return; // already delivered (by a catch-up)
    // A gap: fill it from history first. If that fails, this message waits in history for the retry.
    if (state.lastSeq >= 0 && frame.seq > state.lastSeq + 1 && !(await this.tryCatchUp(topic))) return;
    if (frame.seq <= state.lastSeq) return;
    state.lastSeq = frame.seq;
    this.sink?.deliver(topic, frame);
  }

  /** Delivers what this gateway missed from history, or makes the topic's subscribers resync. */
  private async catchUp(topic: Topic): Promise<void> {
    const state = this.topics.get(topic) as TopicState;
    const resume = await this.resume(topic, Math.max(state.lastSeq, 0), state.epoch);
    state.epoch = resume.epoch;
    if (resume.reset) {
      this.logger.warn('Redis', `${topic.name}: history lost or too short to catch up; subscribers resync`);
      state.lastSeq = resume.seq;
      this.sink?.resync(topic);
      return;
    }
    for (const frame of resume.frames) {
      if (frame.seq <= state.lastSeq) continue;
      state.lastSeq = frame.seq;
      this.sink?.deliver(topic, frame);
    }
  }

  /** Takes or renews the raw-publish lease; the holder subscribes to the topics' raw channels. */
  private startLease(): void {
    const leaseMs = this.options.leaseMs ?? 6000;
    const lease = `${this.prefix}ingest-lease`;
    const tick = async () => {
      const client = this.commands;
      if (!client?.isReady || this.closed) return this.setIngesting(false);
      try {
        const held = this.ingesting
          ? (await client.eval(RENEW_LEASE_SCRIPT, { keys: [lease], arguments: [this.id, String(leaseMs)] })) === 1
          : (await client.set(lease, this.id, { condition: 'NX', expiration: { type: 'PX', value: leaseMs } })) ===
            'OK';
        await this.setIngesting(held);
      } catch {
        await this.setIngesting(false);
      }
    };
    this.leaseTimer = setInterval(() => void tick(), Math.max(50, Math.floor(leaseMs / 3)));
    this.leaseTimer.unref();
    void tick();
  }

  private async setIngesting(on: boolean): Promise<void> {
    if (on === this.ingesting || !this.subscriber) return;
    this.ingesting = on;
    const names = [...this.topics.keys()];
    if (on) {
      for (const topic of names)
        await this.subscriber.subscribe(this.rawChannel(topic), (message) => this.ingest(topic, message));
      this.logger.info('Redis', 'Ingesting raw PUBLISH on topic channels');
    } else if (this.subscriber.isReady) {
      await this.subscriber.unsubscribe(names.map((t) => this.rawChannel(t))).catch(() => {});
    }
  }

  private ingest(topic: Topic, message: string): void {
    let data: string;
    try {
      data = JSON.stringify(JSON.parse(message)); // one line, whatever the publisher's formatting (SSE needs it)
    } catch {
      this.logger.warn('Redis', `${topic.name}: raw PUBLISH is not JSON, ignored`);
      return;
    }
    this.append(topic, data).catch((error: unknown) => {
      this.logger.warn('Redis', `${topic.name}: raw PUBLISH lost`, {
        error: error instanceof Error ? error.message : 'unknown',
      });
    });
  }
}
