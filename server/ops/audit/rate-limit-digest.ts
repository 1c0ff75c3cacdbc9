/**
 * Repeated events for the audit log, digested: at most one entry per kind of event per window, carrying how many
 * it stands for (`count`). A client hammering a rate limit, or a stranger hammering the publish API with bad
 * credentials, must not write the log at its pace.
 */
import type { RateLimitKind } from '../../delivery/hub.js';
import type { TransportKind } from '../../delivery/session.js';
import { AuditEvent, type AuditRecord } from './entry.js';

/** Turns a stream of like events into a few counted entries. */
export class RateLimitDigest {
  private readonly windows = new Map<string, { startedAt: number; unreported: number; record: AuditRecord }>();

  /** @param windowMs at most one entry per kind of event this often (default 10 000 ms) */
  constructor(
    private readonly record: (record: AuditRecord) => void,
    private readonly now: () => number,
    private readonly windowMs = 10_000,
  ) {}

  /** One rate-limit hit: written at once when its window has passed, else counted into the next entry. */
  hit(kind: RateLimitKind, transport: TransportKind): void {
    this.count(`${kind}/${transport}`, { event: AuditEvent.rateLimited, transport, reason: kind });
  }

  /** One event of kind `key` (its entry without `count`): written at once when its window has passed, else counted. */
  count(key: string, record: AuditRecord): void {
    const now = this.now();
    const window = this.windows.get(key);
    if (window && now - window.startedAt < this.windowMs) {
      window.unreported += 1;
      return;
    }
    this.record({ ...record, count: (window?.unreported ?? 0) + 1 });
    this.windows.set(key, { startedAt: now, unreported: 0, record });
  }

  /** Writes what is still counted (at close). */
  flush(): void {
    for (const window of this.windows.values()) {
      if (window.unreported === 0) continue;
      this.record({ ...window.record, count: window.unreported });
      window.unreported = 0;
    }
  }
}
