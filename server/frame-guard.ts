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
  private readonly violations: TokenBucket | undefined;
  private readonly badFrames: TokenBucket;
  private lastWarning = Number.NEGATIVE_INFINITY;

  /** @param rate frames per connection, or `false` for no rate limit */
  constructor(rate: BucketSpec | false, now: number) {
    this.frames = rate ? new TokenBucket(rate.burst, rate.perSecond, now) : undefined;
    this.violations = rate ? new TokenBucket(rate.burst, rate.perSecond / 4, now) : undefined;
    this.badFrames = new TokenBucket(BAD_FRAME_BURST, 1, now);
  }

  /** Decides about one incoming frame at `now` (ms). */
  admit(now: number): Verdict {
    if (!this.frames || this.frames.take(now)) return Verdict.handle;
    if (!this.violations?.take(now)) return Verdict.close;
    if (now - this.lastWarning < 1000) return Verdict.ignore;
    this.lastWarning = now;
    return Verdict.warn;
  }

  /** Counts one bad frame. @returns `false` when the bad-frame budget is spent (close with 1008) */
  strike(now: number): boolean {
    return this.badFrames.take(now);
  }
}
