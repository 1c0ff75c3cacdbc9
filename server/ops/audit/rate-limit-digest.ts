/**
 * Rate-limit hits for the audit log, digested: at most one `rate_limited` entry per limit and transport per
 * window, carrying how many hits it stands for. A client hammering a limit must not write the log at its pace.
 */
import type { RateLimitKind } from '../../delivery/hub.js';
import type { TransportKind } from '../../delivery/session.js';
import { AuditEvent, type AuditRecord } from './entry.js';

/** Turns a stream of hits into a few counted entries. */
export class RateLimitDigest {
  private readonly windows = new Map<
    string,
    { startedAt: number; unreported: number; kind: RateLimitKind; transport: TransportKind }
  >();

  /** @param windowMs at most one entry per limit and transport this often (default 10 000 ms) */
  constructor(
    private readonly record: (record: AuditRecord) => void,
    private readonly now: () => number,
    private readonly windowMs = 10_000,
  ) {}

  /** One hit: written at once when its window has passed, else counted into the next entry. */
  hit(kind: RateLimitKind, transport: TransportKind): void {
    const key = `${kind}/${transport}`;
    const now = this.now();
    const window = this.windows.get(key);
    if (window && now - window.startedAt < this.windowMs) {
      window.unreported += 1;
      return;
    }
    this.record({ event: AuditEvent.rateLimited, transport, reason: kind, count: (window?.unreported ?? 0) + 1 });
    this.windows.set(key, { startedAt: now, unreported: 0, kind, transport });
  }

  /** Writes what is still counted (at close). */
  flush(): void {
    for (const window of this.windows.values()) {
      if (window.unreported === 0) continue;
      this.record({
        event: AuditEvent.rateLimited,
        transport: window.transport,
        reason: window.kind,
        count: window.unreported,
      });
      window.unreported = 0;
    }
  }
}
