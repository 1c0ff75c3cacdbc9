/**
 * The keepalive loop (PROTOCOL.md §5), one timer for all connections: every `intervalMs` each session gets a
 * `ping` (a frame plus a WebSocket protocol ping, or an SSE comment line), and a WebSocket peer that has sent
 * nothing for `timeoutMs` is terminated: the broken-connection loop of the `ws` README.
 *
 * The round is spread over the interval: sessions are dealt into {@link HEARTBEAT_SLOTS} slots and the timer
 * visits one slot per `intervalMs / HEARTBEAT_SLOTS`. Pinging 10 000 connections at once would block the event
 * loop for ~100 ms and bring back 10 000 pongs together; spread, each visit costs a sixteenth of that.
 */
import type { Hub } from './hub.js';
import type { Logger } from './log.js';
import type { Session } from './session.js';
import type { Clock } from './timers.js';

/** Slots a heartbeat round is spread over. */
export const HEARTBEAT_SLOTS = 16;

/** Pings every session once per interval and terminates silent ones. */
export class Heartbeat {
  private handle: unknown;
  private readonly slotOf = new WeakMap<Session, number>();
  private dealt = 0;
  private visited = 0;

  constructor(
    private readonly hub: Hub,
    private readonly clock: Clock,
    readonly intervalMs: number,
    readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Starts the loop (idempotent). */
  start(): void {
    this.handle ??= this.clock.setInterval(() => this.step(), this.intervalMs / HEARTBEAT_SLOTS);
  }

  /** Stops the loop. */
  stop(): void {
    if (this.handle !== undefined) this.clock.clearInterval(this.handle);
    this.handle = undefined;
  }

  /**
   * One visit of the timer: the sessions of the next slot. A session joins a slot when a visit first meets it,
   * so its first ping comes within one interval of its connection, and every interval after that.
   * @returns how many sessions were visited
   */
  step(): number {
    const slot = this.visited++ % HEARTBEAT_SLOTS;
    const now = this.clock.now();
    let visited = 0;
    for (const session of this.hub.sessions) {
      let own = this.slotOf.get(session);
      if (own === undefined) {
        own = this.dealt++ % HEARTBEAT_SLOTS;
        this.slotOf.set(session, own);
      }
      if (own !== slot) continue;
      visited += 1;
      this.beat(session, now);
    }
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
