/**
 * Where used ticket nonces are remembered, so a ticket works once. Async so that a shared store (Redis, for
 * several gateways) fits the same interface.
 */
import { flatCopy } from './flat-copy.js';

/** Remembers nonces until their tickets expire. */
export interface NonceStore {
  /**
   * Records `nonce` until `expiresAtMs`.
   * @returns `true` if the nonce was new, `false` if it is already recorded and not yet expired (a replay)
   * @throws when the store cannot be reached: the caller must then refuse the connection
   */
  claim(nonce: string, expiresAtMs: number): Promise<boolean>;
  /** Releases timers and connections. */
  close(): Promise<void>;
}

/** Options of {@link MemoryNonceStore}. */
export interface MemoryNonceStoreOptions {
  /** Clock in ms (default `Date.now`). */
  now?: () => number;
  /** How often expired entries are swept (default 30 000 ms; the sweep timer is `unref`ed). */
  sweepMs?: number;
}

/**
 * An in-process nonce store. Bounded: each entry lives only as long as its ticket could still be accepted;
 * expired entries are ignored at once and swept periodically.
 */
export class MemoryNonceStore implements NonceStore {
  private readonly expiries = new Map<string, number>();
  private readonly now: () => number;
  private readonly sweeper: ReturnType<typeof setInterval>;

  /** Starts the sweep timer (`unref`ed, so it never keeps a process alive); {@link close} stops it. */
  constructor(options: MemoryNonceStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), options.sweepMs ?? 30_000);
    this.sweeper.unref();
  }

  /** Number of nonces held (expired ones included until the next sweep). */
  get size(): number {
    return this.expiries.size;
  }

  /** Records `nonce` until `expiresAtMs` (ms since the Unix epoch); `false` for a replay ({@link NonceStore.claim}). */
  claim(nonce: string, expiresAtMs: number): Promise<boolean> {
    const held = this.expiries.get(nonce);
    if (held !== undefined && held > this.now()) return Promise.resolve(false);
    // Kept for the ticket's window: as a copy, not the slice of the ticket's URL it is (≈ 170 bytes more).
    this.expiries.set(held === undefined ? flatCopy(nonce) : nonce, expiresAtMs);
    return Promise.resolve(true);
  }

  /** Drops every expired entry. */
  sweep(): void {
    const now = this.now();
    for (const [nonce, expiresAt] of this.expiries) {
      if (expiresAt <= now) this.expiries.delete(nonce);
    }
  }

  /** Stops the sweep timer and forgets every nonce. */
  close(): Promise<void> {
    clearInterval(this.sweeper);
    this.expiries.clear();
    return Promise.resolve();
  }
}
