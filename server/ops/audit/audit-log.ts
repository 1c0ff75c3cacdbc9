/**
 * The attested audit log: security events of a {@link Hub} appended as hash-chained JSON lines, one file per UTC
 * day (`audit-2026-11-27.jsonl`), the chain continuing across files, restarts and retention.
 *
 * Writing never blocks the event loop: events go into a bounded in-memory queue and one async writer appends
 * them in order, a batch per write, so lines never interleave. If the disk stalls and the queue is full, further
 * events are counted instead of kept, and a `gap` entry carrying the count is chained in where they were lost
 * once writing resumes; a failed write is recorded the same way. The log stays verifiable and the loss visible.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hub, HubEvents } from '../../delivery/hub.js';
import { createLogger, type Logger } from '../log.js';
import { AUDIT_VERSION, AuditEvent, type AuditEntry, type AuditRecord } from './entry.js';
import { endsMidLine, fileNameOf, listAuditFiles, readAnchor, readTail, utcDay } from './files.js';
import { GENESIS, entryHash } from './hash.js';
import { RATE_LIMITED } from '../../../src/protocol/index.js';
import {
  authorityRecord,
  connectRecord,
  disconnectRecord,
  payloadRefusedRecord,
  publishRefusedRecord,
  refuseRecord,
  revocationRecord,
  subRefusedRecord,
} from './hub-records.js';
import { RateLimitDigest } from './rate-limit-digest.js';
import { pruneAuditDir } from './retention.js';

/** Options of {@link AuditLog.open}. */
export interface AuditLogOptions {
  /** The directory of the day files (created if missing). One directory per gateway process. */
  dir: string;
  /** Whole days entries are kept (default 90; 0 keeps everything). */
  retentionDays?: number;
  /** The clock, in ms (default `Date.now`). */
  now?: () => number;
  /** Events held while a write is in progress (default 10 000); beyond it they are counted as lost. */
  maxQueued?: number;
  /** How often retention runs besides at open and at each new day (default 1 h; 0: only then). */
  pruneIntervalMs?: number;
  /** Where write and retention errors are reported (default: `console`, errors only). */
  logger?: Logger;
}

interface Pending {
  at: number;
  record: AuditRecord;
}

interface OpenFile {
  day: string;
  handle: FileHandle;
  /** `\n` when the file ends mid-line (a torn write), so the next entry starts on a line of its own. */
  prefix: string;
}

/** Publish refusals recorded as `payload_refused` instead: 422 over HTTP, `schema`/`pii` on the ingest stream. */
const PAYLOAD_REFUSALS = new Set(['invalid_payload', 'pii_refused', 'schema', 'pii']);

/** The entries a record stands for: a `gap` stands for those it reports. */
const weight = (p: Pending): number => (p.record.event === AuditEvent.gap ? (p.record.lost ?? 0) : 1);

/**
 * Appends hub security events to a hash-chained, day-rotated JSON-lines log.
 * @example
 * const audit = await AuditLog.open({ dir: '/var/log/rt-audit', retentionDays: 90 });
 * audit.attach(gateway.hub);
 * // at shutdown
 * await audit.close();
 */
export class AuditLog {
  private readonly queue: Pending[] = [];
  private head = { seq: 0, hash: GENESIS };
  private file: OpenFile | undefined;
  private lastDay = '';
  private dropped = 0;
  private failed = 0;
  private lostTotal = 0;
  private scheduled = false;
  private closing: Promise<void> | undefined;
  private serialTail: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly detachers: (() => void)[] = [];
  private readonly dir: string;
  private readonly retentionDays: number;
  private readonly now: () => number;
  private readonly maxQueued: number;
  private readonly logger: Logger;

  private constructor(options: AuditLogOptions) {
    this.dir = options.dir;
    this.retentionDays = options.retentionDays ?? 90;
    this.now = options.now ?? Date.now;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.logger = options.logger ?? createLogger('error');
    if (!Number.isSafeInteger(this.retentionDays) || this.retentionDays < 0)
      throw new RangeError('retentionDays must be a whole number ≥ 0');
  }

  /**
   * Opens the log in `options.dir`: applies retention, continues the chain from the newest entry on disk (or
   * the retention anchor), and writes a `start` entry.
   * @throws when the directory cannot be created or written, or retention fails (an unreadable anchor)
   */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    const log = new AuditLog(options);
    await mkdir(log.dir, { recursive: true });
    await log.pruneNow();
    await log.findHead();
    await log.serial(() => log.writeBatch([{ at: log.now(), record: { event: AuditEvent.start } }], true));
    const interval = options.pruneIntervalMs ?? 3_600_000;
    if (interval > 0 && log.retentionDays > 0) {
      log.timer = setInterval(() => void log.prune().catch(() => {}), interval);
      log.timer.unref();
    }
    return log;
  }

  /** Records the hub's security events until {@link close}; `createGateway` calls it. Returns `this`. @internal */
  attach(hub: Hub): this {
    const listen = <K extends keyof HubEvents>(event: K, listener: (...args: HubEvents[K]) => void) => {
      hub.on(event, listener as never);
      this.detachers.push(() => hub.off(event, listener as never));
    };
    listen('connect', (session) => this.record(connectRecord(session)));
    listen('disconnect', (session, code) => this.record(disconnectRecord(session, code)));
    // A refusal for a rate limit is already in the digested `rate_limited` entries.
    listen('refuse', (refusal) => refusal.reason !== RATE_LIMITED && this.record(refuseRecord(refusal)));
    listen('subRefused', (session, topic, code) => this.record(subRefusedRecord(hub, session, topic, code)));
    listen('authority', (session, change) => this.record(authorityRecord(session, change)));
    listen('revocation', (revocation) => this.record(revocationRecord(revocation)));
    const digest = new RateLimitDigest((record) => this.record(record), this.now);
    // A flood of 429s would flood the log: those are counted in metrics (`rt_publish_refusals_total`). Refusals
    // that name no known key come from anyone: digested per reason, so a stranger cannot write the log at will.
    listen('publishRefused', (refusal) => {
      // A payload refusal has its own entry (payload_refused), with its paths and kinds.
      if (refusal.reason === RATE_LIMITED || PAYLOAD_REFUSALS.has(refusal.reason)) return;
      const record = publishRefusedRecord(refusal);
      if (refusal.key === undefined) digest.count(`publish/${refusal.source}/${refusal.reason}`, record);
      else this.record(record);
    });
    // A producer sending bad payloads in a loop must not write the log at its pace.
    listen('payloadRefused', (refusal) =>
      digest.count(`payload/${refusal.topic}/${refusal.source}/${refusal.reason}`, payloadRefusedRecord(refusal)),
    );
    listen('rateLimited', (kind, transport) => digest.hit(kind, transport));
    this.detachers.push(() => digest.flush());
    return this;
  }

  /** Queues one record, stamped now. Dropped (and counted) when the queue is full; ignored after {@link close}. */
  record(record: AuditRecord): void {
    if (this.closing) return;
    this.enqueue(record, false);
  }

  /** Entries lost since open (queue full or write failed); each loss is also in the log as a `gap`. */
  get lost(): number {
    return this.lostTotal;
  }

  /** Entries waiting to be written. */
  get queued(): number {
    return this.queue.length;
  }

  /** Resolves once everything recorded so far has been written (or has failed and been counted). */
  flush(): Promise<void> {
    return this.serial(async () => {});
  }

  /** Runs retention now (it also runs at open, at each new day and every `pruneIntervalMs`). */
  prune(): Promise<string[]> {
    return this.serial(() => this.pruneNow());
  }

  /**
   * Stops listening, writes a `stop` entry, waits for every write and closes the file. Idempotent. If the disk
   * is stalled, this waits for it.
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      for (const detach of this.detachers.splice(0)) detach();
      if (this.timer) clearInterval(this.timer);
      this.enqueue({ event: AuditEvent.stop }, true);
      await this.flush();
      await this.serial(() => this.closeFile());
    })());
  }

  private enqueue(record: AuditRecord, force: boolean): void {
    if (!force && this.queue.length >= this.maxQueued) {
      this.dropped += 1;
      this.lostTotal += 1;
      return;
    }
    const at = this.now();
    if (this.dropped > 0) {
      this.queue.push({ at, record: { event: AuditEvent.gap, lost: this.dropped } });
      this.dropped = 0;
    }
    this.queue.push({ at, record });
    if (!this.scheduled) {
      this.scheduled = true;
      void this.serial(() => this.writeQueued());
    }
  }

  /** Runs `task` after every task before it: writes, retention and closing never overlap. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.serialTail.then(task);
    this.serialTail = run.catch(() => {});
    return run;
  }

  private async writeQueued(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue.splice(0);
    if (this.failed > 0) {
      batch.unshift({ at: this.now(), record: { event: AuditEvent.gap, lost: this.failed } });
      this.failed = 0;
    }
    await this.writeBatch(batch, false);
  }

  /** Appends `batch` in order, one write per day file; a failed write is counted, or thrown when `rethrow`. */
  private async writeBatch(batch: Pending[], rethrow: boolean): Promise<void> {
    let floor = this.lastDay;
    const days = batch.map((p) => (floor = utcDay(p.at) > floor ? utcDay(p.at) : floor));
    for (let i = 0; i < batch.length;) {
      const day = days[i]!;
      let j = i;
      while (j < batch.length && days[j] === day) j += 1;
      const group = batch.slice(i, j);
      i = j;
      try {
        await this.append(day, group);
      } catch (error) {
        const lost = group.reduce((n, p) => n + weight(p), 0);
        this.failed += lost;
        this.lostTotal += group.filter((p) => p.record.event !== AuditEvent.gap).length;
        await this.closeFile().catch(() => {});
        this.logger.error('Audit', `write failed, ${lost} entries lost`, {
          error: error instanceof Error ? error.message : String(error),
        });
        if (rethrow) throw error;
      }
    }
  }

  private async append(day: string, group: Pending[]): Promise<void> {
    const file = await this.fileFor(day);
    let { seq, hash } = this.head;
    let text = file.prefix;
    for (const { at, record } of group) {
      const body: Omit<AuditEntry, 'hash'> = {
        v: AUDIT_VERSION,
        ts: new Date(at).toISOString(),
        seq: seq + 1,
        ...record,
        prev: hash,
      };
      const entry: AuditEntry = { ...body, hash: entryHash(body) };
      text += `${JSON.stringify(entry)}\n`;
      ({ seq, hash } = entry);
    }
    await file.handle.appendFile(text);
    file.prefix = '';
    this.head = { seq, hash };
  }

  private async fileFor(day: string): Promise<OpenFile> {
    if (this.file?.day === day) return this.file;
    await this.closeFile();
    const newDay = this.lastDay !== '' && day > this.lastDay;
    const path = join(this.dir, fileNameOf(day));
    const prefix = (await endsMidLine(path)) ? '\n' : '';
    const file: OpenFile = { day, handle: await open(path, 'a'), prefix };
    this.file = file;
    this.lastDay = day;
    if (newDay) await this.pruneNow().catch(() => {});
    return file;
  }

  private async closeFile(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    if (!file) return;
    await file.handle.sync().catch(() => {});
    await file.handle.close();
  }

  private async pruneNow(): Promise<string[]> {
    if (this.retentionDays === 0) return [];
    try {
      const removed = await pruneAuditDir(this.dir, { retentionDays: this.retentionDays, now: this.now() });
      if (this.file && removed.includes(join(this.dir, fileNameOf(this.file.day)))) await this.closeFile();
      if (removed.length > 0) this.logger.info('Audit', `retention removed ${removed.length} file(s)`);
      return removed;
    } catch (error) {
      this.logger.error('Audit', 'retention failed', { error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }

  /** The chain continues from the newest entry on disk, else from the retention anchor, else from genesis. */
  private async findHead(): Promise<void> {
    const files = await listAuditFiles(this.dir);
    this.lastDay = files.at(-1)?.day ?? '';
    for (let i = files.length - 1; i >= 0; i -= 1) {
      const { last } = await readTail(files[i]!.path);
      if (last) {
        this.head = { seq: last.seq, hash: last.hash };
        return;
      }
    }
    const anchor = await readAnchor(this.dir);
    if (anchor) this.head = { seq: anchor.seq, hash: anchor.hash };
  }
}
