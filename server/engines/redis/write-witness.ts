/**
 * Evidence that Redis kept this gateway's writes across a restart: the gateway writes an increasing mark every
 * second and after each nonce it claims, on the same connection as the claims. Redis persists writes in order
 * (AOF and RDB are both a prefix of what it acknowledged), so a mark that came back means every claim before it
 * came back too; a mark that went back or vanished means Redis lost writes, and with them maybe used nonces.
 */
import type { RedisLink } from './link.js';

/** Marks this gateway's writes and checks them after an outage. */
export class WriteWitness {
  private counter = 0;
  /** The highest mark Redis acknowledged. */
  private acknowledged = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly link: () => RedisLink,
    private readonly key: string,
    private readonly periodMs = 1000,
  ) {}

  /** Starts the periodic mark (the timer is `unref`ed). */
  start(): void {
    this.mark();
    this.timer = setInterval(() => this.mark(), this.periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Writes the next mark; a failure (Redis away) is simply not acknowledged. */
  mark(): void {
    const value = ++this.counter;
    // Kept an hour past the last write: long enough for any outage worth recovering from, not forever.
    this.link()
      .command(this.key, ['SET', this.key, String(value), 'PX', '3600000'])
      .then(() => (this.acknowledged = Math.max(this.acknowledged, value)))
      .catch(() => {});
  }

  /** Whether Redis still holds this gateway's last acknowledged mark (or a later one). */
  async kept(): Promise<boolean> {
    if (this.acknowledged === 0) return true;
    const value = await this.link().command(this.key, ['GET', this.key]);
    return value !== null && Number(value) >= this.acknowledged;
  }
}
