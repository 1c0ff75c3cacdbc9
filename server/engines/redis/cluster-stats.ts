/**
 * Cluster-wide `/rt/stats`: every gateway writes its own stats to `<prefix>gw:<id>` every few seconds with an
 * expiry of three periods, so a gateway that died drops out on its own; any gateway can sum them.
 */
import type { Stats } from '../../delivery/hub.js';
import type { RedisClient } from './clients.js';

/** Publishes this gateway's stats and reads everyone's. */
export class ClusterStats {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly client: () => RedisClient,
    private readonly id: string,
    private readonly local: () => Stats,
    private readonly prefix = 'rt:',
    private readonly periodMs = 5000,
  ) {}

  /** Starts reporting (the timer is `unref`ed). */
  start(): void {
    void this.report();
    this.timer = setInterval(() => void this.report(), this.periodMs);
    this.timer.unref();
  }

  /** Stops reporting and removes this gateway's entry. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.client()
      .del(`${this.prefix}gw:${this.id}`)
      .catch(() => {});
  }

  /** Writes this gateway's stats now. */
  async report(): Promise<void> {
    await this.client()
      .set(`${this.prefix}gw:${this.id}`, JSON.stringify(this.local()), {
        expiration: { type: 'PX', value: this.periodMs * 3 },
      })
      .catch(() => {});
  }

  /** Sums the stats of every live gateway: the seed's shape plus `gateways`. */
  async total(): Promise<Stats & { gateways: number }> {
    await this.report();
    const client = this.client();
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${this.prefix}gw:*`, COUNT: 100 })) keys.push(...batch);
    const values = keys.length ? await client.mGet(keys) : [];
    const sum: Stats & { gateways: number } = { total: 0, gateways: 0 };
    for (const value of values) {
      if (value === null) continue;
      sum.gateways += 1;
      for (const [name, count] of Object.entries(JSON.parse(String(value)) as Record<string, number>)) {
        sum[name] = (sum[name] ?? 0) + count;
      }
    }
    return sum;
  }
}
