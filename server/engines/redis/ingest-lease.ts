/**
 * A lease that makes exactly one gateway at a time do a job (ingest raw `PUBLISH` on the topics' channels, read the
 * ingest stream in order): taken with
 * `SET NX PX`, renewed every third of its time by its holder, given up on close. A holder that dies loses it when
 * it expires; one cut off from Redis stops ingesting at once.
 */
import type { Logger } from '../../ops/log.js';
import type { RedisLink } from './link.js';

/** Extends a lease held by this owner. KEYS: lease. ARGV: owner, ttl ms. Returns 1 if still held. */
const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** Releases a lease held by this owner. KEYS: lease. ARGV: owner. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** What the holder does when it gains or loses the lease. */
export interface LeaseHooks {
  acquired: () => Promise<void>;
  lost: () => Promise<void>;
  logger: Logger;
  /** Logged when the lease is gained (default: the raw ingestion's line). */
  gained?: string;
}

/** One gateway's side of the raw-ingestion lease. */
export class IngestLease {
  private timer: ReturnType<typeof setInterval> | undefined;
  private holding = false;
  private stopped = false;

  constructor(
    private readonly link: RedisLink,
    private readonly key: string,
    private readonly owner: string,
    private readonly leaseMs: number,
    private readonly hooks: LeaseHooks,
  ) {}

  /** Whether this gateway holds the lease. */
  get held(): boolean {
    return this.holding;
  }

  /** Tries now, then every third of the lease (the timer is `unref`ed). */
  start(): void {
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
    void this.tick();
  }

  /** Stops renewing and releases the lease if held. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.holding && this.link.ready) {
      await this.link.command(this.key, ['EVAL', RELEASE_SCRIPT, '1', this.key, this.owner]).catch(() => {});
    }
    this.holding = false;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (!this.link.ready) return this.set(false);
    const ttl = String(this.leaseMs);
    try {
      const reply = this.holding
        ? await this.link.command(this.key, ['EVAL', RENEW_SCRIPT, '1', this.key, this.owner, ttl])
        : await this.link.command(this.key, ['SET', this.key, this.owner, 'NX', 'PX', ttl]);
      await this.set(reply === 1 || reply === 'OK');
    } catch {
      await this.set(false);
    }
  }

  private async set(on: boolean): Promise<void> {
    if (on === this.holding || this.stopped) return;
    this.holding = on;
    if (on) {
      await this.hooks.acquired();
      this.hooks.logger.info('Redis', this.hooks.gained ?? 'Ingesting raw PUBLISH on topic channels');
    } else {
      await this.hooks.lost().catch(() => {});
    }
  }
}
