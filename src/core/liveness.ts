/**
 * Dead-link detection against the wall clock (PROTOCOL.md §5, §7): a pure rule (`linkCheck`) and the watch that
 * applies it to one connection (`watchLink`: the times and the timer).
 * Silence never kills a link on its own: once it nears the limit a `ping` goes out, and only a ping left
 * unanswered for a grace period counts the link as dead. A check that runs late (a throttled background tab, a
 * laptop waking up) therefore only sends a ping; so a check may run at any moment, and the client runs one
 * when the page becomes visible again, and pings when the network comes back (the link may not have survived
 * the change).
 */
import { timer } from './backoff.js';

/**
 * How long a ping may stay unanswered: a third of the limit, at most 5 s, in whole ms (a fraction would let a
 * check reschedule itself for less than a millisecond, and a fake clock never get past it).
 * @example graceFor(30_000) // 5_000
 */
export const graceFor = (limit: number): number => Math.min(5_000, Math.round(limit / 3));

/**
 * What the dead-link check does at `now`: `'dead'` (a ping went unanswered for the grace), `'ping'` (the
 * silence nears the limit), or the ms to wait before checking again. Times are wall-clock ms; `pingedAt` is 0
 * before the first ping.
 * @param heardAt - when the last frame arrived (or the connection started)
 * @param pingedAt - when the last ping went out
 * @param limit - the silence that counts as a dead link
 * @example linkCheck(10_000, 0, 0, 30_000) // 15_000: at 25 s a ping goes out
 */
export function linkCheck(now: number, heardAt: number, pingedAt: number, limit: number): 'dead' | 'ping' | number {
  const grace = graceFor(limit);
  if (pingedAt > heardAt) return now - pingedAt < grace ? pingedAt + grace - now : 'dead';
  return now - heardAt >= limit - grace ? 'ping' : heardAt + limit - grace - now;
}

/** The dead-link watch of a client's connection: {@link linkCheck} applied with its times and its timer. */
export interface LinkWatch {
  /** A connection starts (or says hello): silence counts from now, `limit` ms of it count as a dead link. */
  start(limit: number): void;
  /** A frame arrived: silence counts from now, and it answers any ping. */
  heard(): void;
  /** Runs the check now and schedules the next; safe at any moment, a no-op while stopped. */
  check(): void;
  /** Sends a ping now (the network changed) and checks again after the grace. */
  ping(): void;
  /** The connection is gone: no check until the next `start`. */
  stop(): void;
}

/**
 * Creates a {@link LinkWatch}, stopped.
 * @param ping - sends a ping frame (a one-way transport cannot, and just waits for the gateway's ping)
 * @param dead - the link is dead, after `silentMs` without a frame: the caller closes it and stops the watch
 * @example
 * const link = watchLink(() => send({ type: 'ping' }), () => close(CloseCode.abnormal, 'timeout'));
 * link.start(30_000); // on every frame: link.heard()
 */
export function watchLink(ping: () => void, dead: (silentMs: number) => void): LinkWatch {
  const t = timer();
  let on = false;
  let limit = 0; // the silence that counts as a dead link
  let heardAt = 0; // wall clock of the last frame (or of the start)
  let pingedAt = 0; // wall clock of the last ping, 0 before the first
  const check = (): void => {
    t.clear();
    if (!on) return;
    const now = Date.now();
    const next = linkCheck(now, heardAt, pingedAt, limit);
    if (next === 'ping') return pingNow();
    if (next === 'dead') return dead(now - heardAt);
    t.set(check, next);
  };
  const pingNow = (): void => {
    pingedAt = Date.now();
    ping();
    t.set(check, graceFor(limit));
  };
  return {
    start(ms) {
      on = true;
      limit = ms;
      heardAt = Date.now();
      pingedAt = 0;
      check();
    },
    heard: () => void (heardAt = Date.now()),
    check,
    ping: pingNow,
    stop() {
      on = false;
      t.clear();
    },
  };
}
