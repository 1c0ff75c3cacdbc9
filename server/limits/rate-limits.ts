/**
 * Rate limits (token buckets) and caps, with their documented defaults. One place decides what "too much" is.
 */
import { TokenBucket } from './token-bucket.js';

/** A token bucket's shape: `burst` at once, refilled at `perSecond`. */
export interface BucketSpec {
  /** Actions allowed at once: the bucket's capacity, full at the start. */
  burst: number;
  /** Actions per second the bucket refills (fractions allowed: 0.5 is one every 2 s). */
  perSecond: number;
}

/** Limits of a gateway. Every field optional; defaults below. */
export interface RateLimitOptions {
  /** Connection attempts per client IP, both transports (default 30 at once, 10/s). Refused: 4429 / HTTP 429. */
  connectionsPerIp?: BucketSpec | false;
  /** Frames a connection may send (default 100 at once, 50/s). Beyond: an `error` frame; a further burst: 4429. */
  framesPerConnection?: BucketSpec | false;
  /** Topics one connection may hold (default 100). Beyond: `sub.err` `too_many`. */
  maxSubscriptions?: number;
  /** Open connections per gateway (default 50 000). Beyond: 1013 / HTTP 503. */
  maxConnections?: number;
  /** How many IPs are tracked at most (default 100 000); the least recently seen are forgotten first. */
  maxTrackedIps?: number;
}

/** The defaults of {@link RateLimitOptions}. */
export const RATE_LIMIT_DEFAULTS = {
  connectionsPerIp: { burst: 30, perSecond: 10 },
  framesPerConnection: { burst: 100, perSecond: 50 },
  maxSubscriptions: 100,
  maxConnections: 50_000,
  maxTrackedIps: 100_000,
} as const;

/** Resolved limits. */
export interface RateLimits {
  connectionsPerIp: BucketSpec | false;
  framesPerConnection: BucketSpec | false;
  maxSubscriptions: number;
  maxConnections: number;
  maxTrackedIps: number;
}

/** Fills in defaults. */
export function resolveRateLimits(options: RateLimitOptions = {}): RateLimits {
  return { ...RATE_LIMIT_DEFAULTS, ...options };
}

/**
 * What an address counts as: an IPv4 address (also IPv4-mapped IPv6) as itself, an IPv6 address by its /64,
 * since one host usually holds a whole /64 and could otherwise rotate through it without limit.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1] as string;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Connection attempts per IP. A `Map` in insertion order doubles as an LRU: a seen IP is moved to the end, and
 * past `maxTracked` the oldest entry goes, so a flood of distinct addresses cannot grow memory without bound.
 */
export class IpLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly spec: BucketSpec,
    private readonly maxTracked: number,
  ) {}

  /**
   * Takes one attempt for `ip` at `now` (ms).
   * @returns 0 when allowed, else the seconds to wait before the next attempt may pass (for `Retry-After`)
   */
  take(ip: string, now: number): number {
    const key = addressKey(ip);
    let bucket = this.buckets.get(key);
    if (bucket) this.buckets.delete(key);
    else bucket = new TokenBucket(this.spec.burst, this.spec.perSecond, now);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxTracked) this.buckets.delete(this.buckets.keys().next().value as string);
    return bucket.take(now) ? 0 : Math.max(1, Math.ceil(1 / this.spec.perSecond));
  }

  /** IPs tracked. */
  get size(): number {
    return this.buckets.size;
  }
}
