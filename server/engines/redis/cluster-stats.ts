/**
 * Cluster-wide `/rt/stats`: every gateway writes its own stats to `<prefix>{gw}:<id>` every few seconds with an
 * expiry of three periods, and lists itself in `<prefix>{gw}:live` (scored by that expiry), so a gateway that
 * died drops out on its own; any gateway can sum them. The `{gw}` hash tag keeps these keys in one slot, so one
 * `MGET` reads them on a Redis Cluster too.
 */
import type { Stats } from '../../delivery/hub.js';
import type { RedisLink } from './link.js';

/** Publishes this gateway's stats and reads everyone's. */
export class ClusterStats {
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly live: string;

  constructor(
    private readonly link: () => RedisLink,
    private readonly id: string,
    private readonly local: () => Stats,
    private readonly prefix = 'rt:',
    private readonly periodMs = 5000,
    private readonly now: () => number = Date.now,
  ) {
    this.live = `${prefix}{gw}:live`;
  }

  /** Starts reporting (the timer is `unref`ed). */
  start(): void {
    void this.report();
    this.timer = setInterval(() => void this.report(), this.periodMs);
    this.timer.unref();
  }

  /** Stops reporting and removes this gateway's entry. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const link = this.link();
    await Promise.all([
      link.command(this.live, ['DEL', this.key(this.id)]),
      link.command(this.live, ['ZREM', this.live, this.id]),
    ]).catch(() => {});
  }

  /** Writes this gateway's stats now. */
  async report(): Promise<void> {
    const link = this.link();
    const ttl = this.periodMs * 3;
    await Promise.all([
      link.command(this.live, ['SET', this.key(this.id), JSON.stringify(this.local()), 'PX', String(ttl)]),
      link.command(this.live, ['ZADD', this.live, String(this.now() + ttl), this.id]),
    ]).catch(() => {});
  }

  /** Sums the stats of every live gateway: the seed's shape plus `gateways`. */
  async total(): Promise<Stats & { gateways: number }> {
    await this.report();
    const link = this.link();
    await link.command(this.live, ['ZREMRANGEBYSCORE', this.live, '-inf', String(this.now())]);
    const ids = (await link.command(this.live, ['ZRANGE', this.live, '0', '-1'])) as string[];
    const values = ids.length
      ? ((await link.command(this.live, ['MGET', ...ids.map((id) => this.key(id))])) as (string | null)[])
      : [];
    const sum: Stats & { gateways: number } = { total: 0, gateways: 0 };
    for (const value of values) {
      if (value === null) continue;
      sum.gateways += 1;
      for (const [name, count] of Object.entries(JSON.parse(value) as Record<string, number>)) {
        sum[name] = (sum[name] ?? 0) + count;
      }
    }
    return sum;
  }

  private key(id: string): string {
    return `${this.prefix}{gw}:${id}`;
  }
}
