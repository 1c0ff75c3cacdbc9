/**
 * When an open WebSocket renews its authority (PROTOCOL.md v1.1 `refresh`): `hello` and `refresh.ok` say how
 * long it lasts (`expiresIn`), and a fresh ticket must reach the gateway before then, or it closes with 4401
 * `expired`. SSE cannot send frames: its stream ends instead, and the client redials with a fresh ticket.
 */
import { timer } from './backoff.js';

/** The least wait before trying a failed refresh again (ms). */
export const MIN_REFRESH_RETRY = 1_000;

/** The longest a timer can wait (2³¹ − 1 ms, ~24.8 days): a longer delay would fire at once, and loop. */
const MAX_TIMER = 2_147_483_647;

/**
 * When to refresh an authority that ends in `expiresIn` ms: between 60 and 80 % of it. Clients issued tickets
 * at the same moment spread over a fifth of the lifetime, and each keeps at least a fifth as margin for retries.
 * @param random - a source of numbers in [0, 1) (default `Math.random`)
 * @example refreshDelay(600_000) // somewhere in [360 000, 480 000]
 */
export const refreshDelay = (expiresIn: number, random: () => number = Math.random): number =>
  expiresIn * (0.6 + 0.2 * random());

/**
 * The wait before another try after a failed refresh, with `remaining` ms of authority left: half of it, at
 * least {@link MIN_REFRESH_RETRY}; `undefined` when that would come too late (the gateway's 4401 `expired`
 * comes first, and the client reconnects with a fresh ticket).
 * @example refreshRetry(60_000) // 30 000
 * @example refreshRetry(800) // undefined
 */
export const refreshRetry = (remaining: number): number | undefined =>
  remaining > MIN_REFRESH_RETRY ? Math.max(MIN_REFRESH_RETRY, remaining / 2) : undefined;

/** The refresh schedule of one connection: a timer that calls `run` when a refresh is due. */
export interface Refresher {
  /**
   * A `hello` or `refresh.ok` says the authority ends `expiresIn` ms from now (`undefined`: never). Schedules
   * the next refresh when `schedule` is true, and returns the local time (`Date.now()` ms) it ends, or `null`.
   */
  start(expiresIn: number | undefined, schedule: boolean): number | null;
  /** The refresh failed: tries again while time is left ({@link refreshRetry}). */
  retry(): void;
  /** Cancels the schedule (the connection ended). */
  stop(): void;
}

/**
 * Creates a {@link Refresher}; the clock is the local one, from the frame that gave `expiresIn`.
 * @example const refresh = refresher(renew); refresh.start(hello.expiresIn, true);
 */
export function refresher(run: () => void): Refresher {
  const t = timer();
  let endsAt = 0;
  return {
    start(expiresIn, schedule) {
      t.clear();
      if (expiresIn === undefined) return null;
      endsAt = Date.now() + expiresIn;
      if (schedule) t.set(run, Math.min(refreshDelay(expiresIn), MAX_TIMER));
      return endsAt;
    },
    retry() {
      const ms = refreshRetry(endsAt - Date.now());
      if (ms !== undefined) t.set(run, Math.min(ms, MAX_TIMER));
    },
    stop: t.clear,
  };
}
