/**
 * What a WebSocket connection may send: frames within the rate (a burst, then `perSecond`), and a budget for bad
 * frames. Over the rate a frame is ignored with a warning at most once a second; a client that keeps going (more
 * than a burst's worth of ignored frames beyond what a quarter of the rate forgives) is closed with 4429, one that
 * keeps sending bad frames with 1008.
 */
import type { BucketSpec } from './rate-limits.js';
import { TokenBucket } from './token-bucket.js';

/** Bad frames a connection may send in a burst before it is closed with 1008; refills one per second. */
const BAD_FRAME_BURST = 10;

/** The verdict on one incoming frame. */
export const Verdict = {
  /** Within the rate: handle it. */
  handle: 0,
  /** Over the rate: ignore it silently. */
  ignore: 1,
  /** Over the rate: ignore it and warn (an `error` frame, at most once a second). */
  warn: 2,
  /** Sustained abuse: close with 4429. */
  close: 3,
} as const;

/** A value of {@link Verdict}. */
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** Per-connection frame limits. */
export class FrameGuard {
  private readonly frames: TokenBucket | undefined;
  // The other two buckets exist only once needed: most connections never misbehave.
  private violations: TokenBucket | undefined;
  private badFrames: TokenBucket | undefined;
  private lastWarning = Number.NEGATIVE_INFINITY;

  /** @param rate frames per connection, or `false` for no rate limit */
  constructor(
    private readonly rate: BucketSpec | false,
    now: number,
  ) {
    this.frames = rate ? new TokenBucket(rate.burst, rate.perSecond, now) : undefined;
  }

  /** Decides about one incoming frame at `now` (ms). */
  admit(now: number): Verdict {
    if (!this.frames || this.frames.take(now)) return Verdict.handle;
    const { burst, perSecond } = this.rate as BucketSpec;
    this.violations ??= new TokenBucket(burst, perSecond / 4, now);
    if (!this.violations.take(now)) return Verdict.close;
    if (now - this.lastWarning < 1000) return Verdict.ignore;
    this.lastWarning = now;
    return Verdict.warn;
  }

  /** Counts one bad frame. @returns `false` when the bad-frame budget is spent (close with 1008) */
  strike(now: number): boolean {
    this.badFrames ??= new TokenBucket(BAD_FRAME_BURST, 1, now);
    return this.badFrames.take(now);
  }
}
