/**
 * At-least-once ingestion from a Redis stream (PROTOCOL.md §10.5): producers `XADD` entries (`topic`, `data`,
 * optional `id`) to `<prefix>ingest`; the gateway holding the stream lease reads them in the consumer group
 * `rt-gateways`, publishes each with an idempotency key (its `id`, else `stream:<entry id>`), and only then `XACK`s
 * and `XDEL`s it. One reader at a time keeps each topic in stream order (several would race each other). A new
 * holder first claims what its predecessor left pending (`XAUTOCLAIM`), oldest first, and publishes it again, which
 * the idempotency key makes a no-op when the first publish went through: subscribers get each entry once, in order.
 * An entry that can never be published goes to `<key>:dead` with a `reason` and is never retried; one its topic's
 * schema or PII policy refuses (v1.3, reasons `schema` and `pii`) keeps its data there with personal data redacted.
 * The dead stream keeps at most about 10 000 entries and, with a retention (the gateway's `historyTtlMs`), drops
 * entries older than it at each write and expires that long after its last write: an entry is gone less than twice
 * the retention after it was written.
 */
import type { PublishResult } from '../engine.js';
import type { Topic } from '../../delivery/topic.js';
import type { Logger } from '../../ops/log.js';
import { MAX_BODY_BYTES, MAX_MESSAGE_BYTES, MESSAGE_ID } from '../../publish/limits.js';
import type { RedisLink } from './link.js';
import { ScriptRunner } from './script-runner.js';
import { BURY_SCRIPT } from './scripts.js';
import { PayloadRefused } from '../../contracts/admission.js';

/** The consumer group every gateway reads the stream in. */
export const INGEST_GROUP = 'rt-gateways';

/** What became of one entry: published, found already published (its key seen), or moved to the dead stream. */
export type IngestOutcome = 'accepted' | 'deduped' | 'refused';

/** Why an entry was moved to the dead stream (its `reason` field). */
export type IngestRefusal =
  | 'missing_topic'
  | 'unknown_topic'
  | 'missing_data'
  | 'not_json'
  | 'too_large'
  | 'bad_id'
  /** v1.3: the topic's schema refused the payload. */
  | 'schema'
  /** v1.3: the topic's PII policy (`refuse`, or `redact` of a payload too deep to scan) refused the payload. */
  | 'pii';

/** Told of each entry: `topic` only when it names a registered topic, `reason` only when refused. */
export type IngestListener = (outcome: IngestOutcome, topic: string | undefined, reason?: IngestRefusal) => void;

/** Options of {@link StreamIngest}. */
export interface StreamIngestOptions {
  /** Where the stream lives. */
  link: RedisLink;
  /** The stream's key, e.g. `rt:ingest`; refused entries go to `<key>:dead`. */
  key: string;
  /** This gateway's consumer name in the group (the engine's id). */
  consumer: string;
  /** How long an entry stays pending before any gateway may claim it (default 15 000 ms). */
  claimIdleMs?: number;
  /** Looks a registered topic up by name. */
  topic: (name: string) => Topic | undefined;
  /** Publishes JSON text on a topic once per idempotency key (the engine's `append`). */
  append: (topic: Topic, data: string, id: string) => Promise<PublishResult>;
  logger: Logger;
  /** Told of each entry, for metrics. */
  onIngest?: IngestListener | undefined;
  /** Whether this gateway holds the stream lease (only the holder reads; default: always). */
  holding?: () => boolean;
  /**
   * How long a refused entry may stay in `<key>:dead`, in ms (default 0: no age bound, only the count). The engine
   * passes the gateway's `historyTtlMs`: a refused payload is kept no longer than the history of its topic.
   */
  retentionMs?: number | undefined;
}

/** One stream entry as Redis returns it; `fields` is null when the entry was deleted while pending. */
interface StreamEntry {
  id: string;
  fields: string[] | null;
}

/** An entry fit to publish. */
interface Checked {
  topic: Topic;
  data: string;
  /** `data` parsed, for the topic's admission. */
  value: unknown;
  id: string | undefined;
}

/** An entry that can never be published. */
interface Refused {
  reason: IngestRefusal;
  topic: Topic | undefined;
  /** What the dead entry keeps as `data` instead of the producer's (personal data redacted). */
  data?: string;
}

const BATCH = '100';
/** Pause after an empty read: the command connection is shared, so no `BLOCK`, and idle polling stays cheap. */
const IDLE_MS = 50;
/** How often pending entries of other (perhaps dead) consumers are looked at. */
const CLAIM_EVERY_MS = 2000;
/** Pause while Redis is away, or after a pass that left entries pending. */
const AWAY_MS = 250;
const RETRY_MS = 500;
/** Pages of `XAUTOCLAIM` per pass, so one pass never monopolizes the connection. */
const CLAIM_PAGES = 10;
const DEAD_MAXLEN = '10000';

/** One gateway's reader of the ingest stream. */
export class StreamIngest {
  /** Entries handled by this gateway since start. */
  readonly counts: Record<IngestOutcome, number> = { accepted: 0, deduped: 0, refused: 0 };
  private readonly claimIdleMs: string;
  private readonly scripts: ScriptRunner;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pass: Promise<void> | undefined;
  private stopped = false;
  private grouped = false;
  /** This consumer may hold pending entries (at start, after an outage, after a failed publish): read them first. */
  private ownPending = true;
  private lastClaim = -Infinity;
  /** Ingestion is failing (said once, until a pass succeeds). */
  private failing = false;
  private readonly onRestored = (): void => {
    this.ownPending = true;
  };
  /** Just became the reader: take over everything pending before reading anything new, so order holds. */
  private takeOver = true;

  constructor(private readonly options: StreamIngestOptions) {
    this.claimIdleMs = String(options.claimIdleMs ?? 15_000);
    this.scripts = new ScriptRunner(() => options.link);
  }

  /** This gateway just gained the stream lease: it claims every pending entry, idle or not, before new ones. */
  gained(): void {
    this.takeOver = true;
  }

  /** Starts polling (timers `unref`ed). */
  start(): void {
    this.options.link.on('restored', this.onRestored);
    this.schedule(0);
  }

  /** Stops polling and waits for the pass under way; entries it did not finish stay pending for others. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.options.link.off('restored', this.onRestored);
    await this.pass;
    await this.leaveGroup();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pass = this.run()
        .catch(() => RETRY_MS) // run() handles its failures; this only keeps the loop alive whatever happens
        .then((next) => {
          this.pass = undefined;
          this.schedule(next);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One pass: own pending entries first, then (now and then) other consumers' idle ones, then new ones. */
  private async run(): Promise<number> {
    if (!this.options.link.ready) return AWAY_MS; // the engine reports the outage
    if (this.options.holding && !this.options.holding()) return AWAY_MS;
    try {
      if (!this.grouped) await this.createGroup();
      if (this.ownPending) {
        if (!(await this.readOwn())) return RETRY_MS;
        this.ownPending = false;
      }
      if (this.takeOver || performance.now() - this.lastClaim >= CLAIM_EVERY_MS) {
        const idleMs = this.takeOver ? '0' : this.claimIdleMs;
        this.lastClaim = performance.now();
        if (!(await this.claim(idleMs))) return RETRY_MS;
        this.takeOver = false;
      }
      const entries = await this.read('>');
      if (!(await this.process(entries))) return RETRY_MS;
      this.resumed();
      return entries.length > 0 ? 0 : IDLE_MS;
    } catch (error) {
      // Replies lost with the connection may have left entries delivered to this consumer: read them again.
      this.ownPending = true;
      if (error instanceof Error && error.message.startsWith('NOGROUP')) this.grouped = false; // Redis lost it
      this.paused(error);
      return RETRY_MS;
    }
  }

  private async createGroup(): Promise<void> {
    const { link, key } = this.options;
    try {
      await link.command(key, ['XGROUP', 'CREATE', key, INGEST_GROUP, '0', 'MKSTREAM']);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error;
    }
    this.grouped = true;
  }

  private async read(from: string): Promise<StreamEntry[]> {
    const { link, key, consumer } = this.options;
    const args = ['XREADGROUP', 'GROUP', INGEST_GROUP, consumer, 'COUNT', BATCH, 'STREAMS', key, from];
    return streamEntries(await link.command(key, args));
  }

  /** This consumer's pending entries (delivered earlier, not acknowledged), in stream order. */
  private async readOwn(): Promise<boolean> {
    for (let from = '0'; !this.stopped;) {
      const entries = await this.read(from);
      if (entries.length === 0) return true;
      if (!(await this.process(entries))) return false;
      from = (entries.at(-1) as StreamEntry).id;
    }
    return false;
  }

  /** Takes over entries pending longer than `idleMs` with any consumer, oldest first, and publishes them. */
  private async claim(idleMs: string): Promise<boolean> {
    const { link, key, consumer } = this.options;
    let cursor = '0-0';
    for (let page = 0; page < CLAIM_PAGES && !this.stopped; page++) {
      const args = ['XAUTOCLAIM', key, INGEST_GROUP, consumer, idleMs, cursor, 'COUNT', BATCH];
      const [next, claimed] = (await link.command(key, args)) as [string, unknown];
      if (!(await this.process(entryList(claimed)))) return false;
      if (next === '0-0') break;
      cursor = next;
    }
    return true;
  }

  /**
   * Publishes entries in stream order per topic (topics side by side), then acknowledges and deletes those done.
   * Resolves false when some entry stays pending (Redis away): it and the entries after it on its topic.
   */
  private async process(entries: readonly StreamEntry[]): Promise<boolean> {
    if (entries.length === 0) return true;
    const done: string[] = [];
    const lanes = new Map<string, StreamEntry[]>();
    for (const entry of entries) {
      if (entry.fields === null) {
        done.push(entry.id); // deleted while pending: only its acknowledgement is left
        continue;
      }
      const topic = field(entry.fields, 'topic') ?? '';
      const lane = lanes.get(topic);
      if (lane) lane.push(entry);
      else lanes.set(topic, [entry]);
    }
    let complete = true;
    await Promise.all(
      [...lanes.values()].map(async (lane) => {
        for (const entry of lane) {
          if (this.stopped || !(await this.handle(entry))) return void (complete = false);
          done.push(entry.id);
        }
      }),
    );
    if (done.length > 0) {
      const { link, key } = this.options;
      // Failing here leaves them pending: read again, they are published as duplicates, i.e. not at all.
      await Promise.all([
        link.command(key, ['XACK', key, INGEST_GROUP, ...done]),
        link.command(key, ['XDEL', key, ...done]),
      ]);
    }
    if (!complete) this.ownPending = true;
    return complete;
  }

  /** Publishes one entry or moves it to the dead stream. Resolves false when it must stay pending. */
  private async handle(entry: StreamEntry): Promise<boolean> {
    const fields = entry.fields as string[];
    const checked = this.check(fields);
    try {
      if ('reason' in checked) {
        await this.bury(entry, fields, checked);
        return true;
      }
      const admitted = await this.admit(checked);
      if ('reason' in admitted) {
        await this.bury(entry, fields, admitted);
        return true;
      }
      const result = await this.options.append(checked.topic, admitted.data, checked.id ?? `stream:${entry.id}`);
      this.tell(result.duplicate ? 'deduped' : 'accepted', checked.topic);
    } catch (error) {
      this.paused(error);
      return false;
    }
    return true;
  }

  /** The checks of the publish API (PROTOCOL.md §10.1), on an entry's fields. */
  private check(fields: readonly string[]): Checked | Refused {
    const name = field(fields, 'topic');
    if (name === undefined) return { reason: 'missing_topic', topic: undefined };
    const topic = this.options.topic(name);
    if (!topic) return { reason: 'unknown_topic', topic: undefined };
    const raw = field(fields, 'data');
    if (raw === undefined) return { reason: 'missing_data', topic };
    if (raw.length > MAX_BODY_BYTES) return { reason: 'too_large', topic }; // not worth parsing
    let data: string;
    let value: unknown;
    try {
      value = JSON.parse(raw);
      data = JSON.stringify(value); // one line, whatever the producer's formatting (SSE needs it)
    } catch {
      return { reason: 'not_json', topic };
    }
    if (Buffer.byteLength(data) > MAX_MESSAGE_BYTES) return { reason: 'too_large', topic };
    const id = field(fields, 'id');
    if (id !== undefined && !MESSAGE_ID.test(id)) return { reason: 'bad_id', topic };
    return { topic, data, value, id };
  }

  /** The topic's schema and PII policy (v1.3): the data to publish (redacted, maybe), or why it goes to the dead stream. */
  private async admit({ topic, data, value }: Checked): Promise<{ data: string } | Refused> {
    const { admission } = topic;
    if (admission.inert) return { data };
    try {
      const admitted = await admission.check(value, 'stream', 'stream');
      if (admitted === value) return { data };
      const redacted = JSON.stringify(admitted);
      // A redaction may be longer than what it replaces (an IP address): the limit holds for what goes out.
      if (Buffer.byteLength(redacted) > MAX_MESSAGE_BYTES) return { reason: 'too_large', topic, data: redacted };
      return { data: redacted };
    } catch (error) {
      if (!(error instanceof PayloadRefused)) throw error;
      return { reason: error.reason, topic, data: JSON.stringify(admission.redacted(value)) };
    }
  }

  /** Moves a refused entry to the dead stream. Its payload and an unregistered topic name stay out of the log. */
  private async bury(entry: StreamEntry, fields: readonly string[], refused: Refused): Promise<void> {
    const { key, logger } = this.options;
    const dead = `${key}:dead`;
    const kept = refused.data === undefined ? fields : withField(fields, 'data', refused.data);
    const retention = String(this.options.retentionMs ?? 0);
    await this.scripts.run(BURY_SCRIPT, [dead], [DEAD_MAXLEN, retention, ...kept, 'reason', refused.reason]);
    logger.warn('Redis', `Stream entry refused, moved to ${dead}`, {
      entry: entry.id,
      reason: refused.reason,
      ...(refused.topic ? { topic: refused.topic.name } : {}),
    });
    this.tell('refused', refused.topic, refused.reason);
  }

  private tell(outcome: IngestOutcome, topic: Topic | undefined, reason?: IngestRefusal): void {
    this.counts[outcome] += 1;
    try {
      this.options.onIngest?.(outcome, topic?.name, reason);
    } catch {
      // A metrics hook must not make an entry published twice.
    }
  }

  private paused(error: unknown): void {
    if (this.failing || this.stopped) return;
    this.failing = true;
    this.options.logger.warn('Redis', 'Stream ingestion paused, entries stay pending:', {
      error: error instanceof Error ? error.message : 'unknown',
    });
  }

  private resumed(): void {
    if (!this.failing) return;
    this.failing = false;
    this.options.logger.info('Redis', 'Stream ingestion resumed');
  }

  /** A consumer with nothing pending leaves the group, so restarts do not pile up consumer names. */
  private async leaveGroup(): Promise<void> {
    const { link, key, consumer } = this.options;
    if (!this.grouped || !link.ready) return;
    try {
      const pending = await link.command(key, ['XPENDING', key, INGEST_GROUP, '-', '+', '1', consumer]);
      if (Array.isArray(pending) && pending.length === 0)
        await link.command(key, ['XGROUP', 'DELCONSUMER', key, INGEST_GROUP, consumer]);
    } catch {
      // Redis away: the name stays, harmless.
    }
  }
}

/** `fields` with every value of `name` replaced by `value`. */
function withField(fields: readonly string[], name: string, value: string): string[] {
  return fields.map((item, i) => (i % 2 === 1 && fields[i - 1] === name ? value : item));
}

/** The first value of `name` in a field list. */
function field(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** The entries of an `XREADGROUP` reply on one stream: `[[key, entries]]` (RESP2), a map by key, or null. */
function streamEntries(reply: unknown): StreamEntry[] {
  if (reply === null || reply === undefined) return [];
  const streams: unknown[] = Array.isArray(reply)
    ? reply.map((stream) => (stream as unknown[])[1])
    : reply instanceof Map
      ? [...reply.values()]
      : Object.values(reply as object);
  return streams.flatMap(entryList);
}

/** `[[id, [field, value, …] | null], …]` as entries. */
function entryList(list: unknown): StreamEntry[] {
  if (!Array.isArray(list)) return [];
  return list.map((item) => {
    const [id, fields] = item as [unknown, unknown];
    return { id: String(id), fields: Array.isArray(fields) ? fields.map(String) : null };
  });
}
