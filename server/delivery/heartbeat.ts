/**
 * The keepalive loop (PROTOCOL.md §5), one timer for all connections: every `intervalMs` each session gets a
 * `ping` (a frame plus a WebSocket protocol ping, or an SSE comment line), and a WebSocket peer that has sent
 * nothing for `timeoutMs` is terminated: the broken-connection loop of the `ws` README.
 *
 * The round is spread over the interval: sessions are dealt into {@link HEARTBEAT_SLOTS} slots as they connect,
 * and one slot is visited every `intervalMs / HEARTBEAT_SLOTS`. Pinging every connection at once would block the
 * event loop for as long as all those writes take and bring back all their pongs together; spread, each visit does a
 * sixteenth of that.
 */
import type { Hub } from './hub.js';
import type { Logger } from '../ops/log.js';
import type { Session } from './session.js';
import type { Clock } from '../clock.js';

/** Slots a heartbeat round is spread over. */
export const HEARTBEAT_SLOTS = 16;

/** Pings every session once per interval and terminates silent ones. */
export class Heartbeat {
  private handle: unknown;
  private readonly slots: Set<Session>[] = Array.from({ length: HEARTBEAT_SLOTS }, () => new Set());
  private dealt = 0;
  /** Visits made since `origin`; visits are due on the clock, so a late timer never stretches a round. */
  private visits = 0;
  private readonly origin: number;
  /** Time between visits. */
  readonly stepMs: number;

  constructor(
    private readonly hub: Hub,
    private readonly clock: Clock,
    readonly intervalMs: number,
    readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {
    this.stepMs = intervalMs / HEARTBEAT_SLOTS;
    this.origin = clock.now();
    hub.on('connect', (session) => {
      this.slots[this.dealt++ % HEARTBEAT_SLOTS]?.add(session);
    });
    hub.on('disconnect', (session) => {
      // Sixteen lookups at most, once per connection: cheaper in memory than remembering each one's slot.
      for (const slot of this.slots) if (slot.delete(session)) break;
    });
  }

  /** Starts the loop (idempotent). */
  start(): void {
    this.handle ??= this.clock.setInterval(() => this.step(), this.stepMs);
  }

  /** Stops the loop. */
  stop(): void {
    if (this.handle !== undefined) this.clock.clearInterval(this.handle);
    this.handle = undefined;
  }

  /**
   * Visits the slots that are due by now (one when the timer keeps time; at most a whole round when it fell
   * behind). A session's first ping comes within one interval of its connection, then one every interval.
   * @returns how many sessions were visited
   */
  step(): number {
    const now = this.clock.now();
    const due = Math.floor((now - this.origin) / this.stepMs);
    let visited = 0;
    for (let n = 0; this.visits < due && n < HEARTBEAT_SLOTS; n++) {
      const slot = this.slots[this.visits++ % HEARTBEAT_SLOTS] as Set<Session>;
      visited += slot.size;
      for (const session of slot) this.beat(session, now);
    }
    this.visits = Math.max(this.visits, due);
    return visited;
  }

  /** A whole round at once, every session: for a test with a fake clock. */
  tick(): void {
    const now = this.clock.now();
    for (const session of this.hub.sessions) this.beat(session, now);
  }

  private beat(session: Session, now: number): void {
    if (session.heartbeat(now, this.timeoutMs)) return;
    this.hub.remove(session);
    this.logger.info('WS', 'Terminated silent peer:', { id: session.id });
  }
}
