/**
 * The keepalive loop (PROTOCOL.md §5), one timer for all connections: every `intervalMs` each session gets a
 * `ping` (a frame plus a WebSocket protocol ping, or an SSE comment line), and a WebSocket peer that has sent
 * nothing for `timeoutMs` is terminated: the broken-connection loop of the `ws` README.
 */
import type { Hub } from './hub.js';
import type { Logger } from './log.js';
import type { Clock } from './timers.js';

/** Pings every session and terminates silent ones. */
export class Heartbeat {
  private handle: unknown;

  constructor(
    private readonly hub: Hub,
    private readonly clock: Clock,
    readonly intervalMs: number,
    readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Starts the loop (idempotent). */
  start(): void {
    this.handle ??= this.clock.setInterval(() => this.tick(), this.intervalMs);
  }

  /** Stops the loop. */
  stop(): void {
    if (this.handle !== undefined) this.clock.clearInterval(this.handle);
    this.handle = undefined;
  }

  /** One round: what the timer runs; public so a test with a fake clock can drive it. */
  tick(): void {
    const now = this.clock.now();
    for (const session of this.hub.sessions) {
      if (session.heartbeat(now, this.timeoutMs)) continue;
      this.hub.remove(session);
      this.logger.info('WS', 'Terminated silent peer:', { id: session.id });
    }
  }
}
