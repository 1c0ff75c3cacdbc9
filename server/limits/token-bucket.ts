/** A token bucket: `capacity` actions at once, refilled at `perSecond`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /**
   * Takes `count` tokens (default 1) at time `now` (ms), all or none.
   * @returns `false` when the bucket holds fewer
   */
  take(now: number, count = 1): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < count) return false;
    this.tokens -= count;
    return true;
  }

  /** Whole seconds until `count` tokens are there (as of the last {@link take}); for `Retry-After`. */
  secondsUntil(count = 1): number {
    if (count > this.capacity) return Math.ceil(count / this.perSecond);
    return Math.max(1, Math.ceil((count - this.tokens) / this.perSecond));
  }
}
