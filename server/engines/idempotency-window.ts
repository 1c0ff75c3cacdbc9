/**
 * The in-memory engine's idempotency keys (PROTOCOL.md §10.4): per topic, which keys were published within the
 * window and what they got. Bounded in time (entries older than the window are dropped, oldest first, on each
 * insert) and in size (at most `maxKeys` per topic; past that the oldest is forgotten early).
 */

/** What a key was published as. */
export interface Receipt {
  seq: number;
  epoch: string;
}

interface Entry extends Receipt {
  at: number;
}

/** Keys seen per topic, in the order they were published. */
export class IdempotencyWindow {
  private readonly topics = new Map<string, Map<string, Entry>>();

  /**
   * @param windowMs how long a key is remembered
   * @param now the clock (ms)
   * @param maxKeys keys kept per topic at most (default 100 000)
   */
  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly maxKeys = 100_000,
  ) {}

  /** The receipt of `id` on `topic`, if it was published within the window. */
  get(topic: string, id: string): Receipt | undefined {
    const entry = this.topics.get(topic)?.get(id);
    return entry && this.now() - entry.at < this.windowMs ? { seq: entry.seq, epoch: entry.epoch } : undefined;
  }

  /** Records that `id` was published on `topic` as `receipt`. */
  set(topic: string, id: string, receipt: Receipt): void {
    let keys = this.topics.get(topic);
    if (!keys) this.topics.set(topic, (keys = new Map()));
    const now = this.now();
    keys.delete(id);
    keys.set(id, { ...receipt, at: now });
    for (const [key, entry] of keys) {
      if (now - entry.at < this.windowMs && keys.size <= this.maxKeys) break;
      keys.delete(key);
    }
  }
}
