/**
 * Ends connections whose authority ran out without a valid refresh: WebSocket closes with 4401 `expired`, SSE
 * gets a last `close` frame saying so. One sweep over the sessions twice a second rather than a timer per
 * connection: a comparison per session is cheaper than arming and re-arming 10k timers on every refresh.
 */
import { AuthFailure, CloseCode } from '../../src/protocol/index.js';
import type { Clock } from '../clock.js';
import type { Hub } from '../delivery/hub.js';

/** How often sessions are checked: a connection outlives its authority by at most this long. */
export const EXPIRY_SWEEP_MS = 500;

/** Closes expired sessions of a hub. */
export class ExpiryWatch {
  private timer: unknown;

  constructor(
    private readonly hub: Hub,
    private readonly clock: Clock,
  ) {}

  /** Starts sweeping (idempotent). */
  start(): void {
    this.timer ??= this.clock.setInterval(() => this.sweep(), EXPIRY_SWEEP_MS);
  }

  /** Closes every session whose authority has ended. */
  sweep(): void {
    const now = this.clock.now();
    for (const session of this.hub.sessions) {
      if (session.endsAt === undefined || session.endsAt > now || session.isClosed) continue;
      session.close(CloseCode.unauthorized, AuthFailure.expired);
      this.hub.emit('authority', session, { event: 'expired' });
    }
  }

  /** Stops sweeping. */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }
}
