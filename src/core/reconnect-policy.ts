/**
 * The reconnect policy: after a connection ends, or no ticket could be had, whether the client stops or when
 * it dials again and over which transport. Pure (no timers, no clock; the jitter comes from `random`), so each
 * rule is a row of a table in test/core/reconnect-policy.test.ts. PROTOCOL.md §7 describes it for people.
 *
 * On top of each close code's action (src/protocol/close-codes.ts):
 * - refusals: a refused ticket (4401, or a malformed ticket from the provider) counts; `MAX_AUTH_REFUSALS` (3)
 *   in a row stop; a `hello` starts the count over ({@link helloReceived}). A 4401 after `hello` (`expired`:
 *   the connection's authority ended) refused no ticket: it does not count, and its retry is not spread further
 *   (the ends are spread already, by the refresh's jitter and the gateway's maximum age), so the client is back
 *   within `minDelay` with a fresh ticket.
 * - transport switch: a transport counts as working only once it stayed up. A `retry` close of a connection
 *   that was not stable yet, and had not said hello or died abnormally (1006: a proxy killing it), counts
 *   against its transport; the {@link SWITCH_AFTER}th in a row moves to the next transport. A clean close the
 *   gateway chose after hello (1012 restart, 1011, 4408), a refusal, a busy gateway or a ticket failure says
 *   nothing against it; before hello every `retry` close counts (a 1012 while the ticket was being checked too).
 * - delays: full-jitter backoff (backoff.ts), one step further per attempt; a busy gateway (1013, 4429) adds
 *   `busyDelay` on top. Restart spread: whatever ended a connection that had said hello (a restart, a crash, a
 *   cut network) likely ended its neighbours' too, so that retry is drawn from step {@link SPREAD_STEP} at
 *   least: spread over 8 × `minDelay` (0–4 s by default), the fleet does not return in the same second.
 * - stable: a connection that stayed up for `stableAfter` resets the backoff and its transport's failures
 *   ({@link stayedUp}).
 * - ticket provider: a 401 or 403 stops; a malformed ticket (-1: not a ticket, e.g. a page's `index.html`)
 *   counts as a refusal; anything else (a 5xx, a network error) retries with backoff.
 * - offline: no retry is scheduled and no backoff step spent; the client dials when the network returns.
 */
import { CloseCode, closeAction, MAX_AUTH_REFUSALS, type CloseAction } from '../protocol/close-codes.js';
import { backoff } from './backoff.js';
import type { ClientOptions, RealtimeError } from './types.js';

/** Early failures of one transport in a row that move the client to the next transport. */
export const SWITCH_AFTER = 2;

/** The backoff step a retry after a connection that had said hello is drawn from at least (8 × `minDelay`). */
export const SPREAD_STEP = 3;

/** Longest wait between two probes of the preferred transport (1 h). */
export const MAX_PROBE_DELAY = 3_600_000;

/** What the policy remembers between attempts. */
export interface ReconnectState {
  /** The backoff step of the next retry: attempts since the client connected or a connection was stable. */
  readonly attempt: number;
  /** Early failures of the current transport in a row. */
  readonly fails: number;
  /** Tickets refused in a row. */
  readonly refusals: number;
  /** Index of the current transport in the client's order of transports. */
  readonly transport: number;
}

/** The state of a client told to connect: first step, first transport, nothing counted. */
export const START: ReconnectState = { attempt: 0, fails: 0, refusals: 0, transport: 0 };

/**
 * The delays the policy reads, with the client's defaults: `minDelay` 500 and `maxDelay` 30 000 (backoff.ts's,
 * which apply when they are undefined), `busyDelay` 5 000.
 */
export type ReconnectOptions = Pick<ClientOptions, 'minDelay' | 'maxDelay' | 'busyDelay'>;

/**
 * What ended an attempt: the error the client stops with if it stops (`source` `close`: the close code and
 * reason; `ticket`: the ticket provider's HTTP status, 0 for a network error, -1 for a malformed ticket), and
 * the circumstances.
 */
export interface Ending extends RealtimeError {
  /** The connection had said `hello`. */
  open?: boolean;
  /** The connection had stayed up for `stableAfter`. */
  stable?: boolean;
  /** The browser reports no network. */
  offline?: boolean;
}

/**
 * The policy's answer: stop with `stop`, or go on with `state`, dialing its `transport` after `delay` ms (no
 * `delay` while offline: the client waits for the network to return).
 */
export type Decision =
  { stop: RealtimeError; state?: never; delay?: never } | { stop?: never; state: ReconnectState; delay?: number };

/**
 * Decides what follows the end of an attempt.
 * @param transports - how many transports the client may use
 * @param random - the jitter source, numbers in [0, 1) (default: backoff.ts's, `Math.random`)
 * @example
 * reconnect(START, { source: 'close', code: 1012, reason: 'service_restart', open: true }, {}, 2, () => 0.5)
 * // { state: { attempt: 1, fails: 0, refusals: 0, transport: 0 }, delay: 2_000 }
 */
export function reconnect(
  state: ReconnectState,
  ending: Ending,
  options: ReconnectOptions,
  transports: number,
  random?: () => number,
): Decision {
  const { source, code, reason, open } = ending;
  const next: { -readonly [K in keyof ReconnectState]: number } = { ...state };
  const ticket = source === 'ticket';
  const action: CloseAction = ticket
    ? code === 401 || code === 403
      ? 'stop'
      : code < 0
        ? 'reauth'
        : 'retry'
    : closeAction(code);
  if (action === 'stop' || (action === 'reauth' && !open && ++next.refusals >= MAX_AUTH_REFUSALS)) {
    return { stop: { source, code, reason } };
  }
  const early = !ticket && !ending.stable && (!open || code === CloseCode.abnormal);
  if (action === 'retry' && early && ++next.fails >= SWITCH_AFTER) {
    next.fails = 0;
    next.transport = (next.transport + 1) % transports;
  }
  const delay = ending.offline
    ? undefined
    : (action === 'busy' ? (options.busyDelay ?? 5_000) : 0) +
      backoff(
        Math.max(next.attempt++, open && action !== 'reauth' ? SPREAD_STEP : 0),
        options.minDelay,
        options.maxDelay,
        random,
      );
  return { state: next, delay };
}

/**
 * The connection said `hello`: its ticket was accepted, so refusals start over.
 * @example helloReceived(state).refusals // 0
 */
export const helloReceived = (state: ReconnectState): ReconnectState => ({ ...state, refusals: 0 });

/**
 * The connection stayed up for `stableAfter`: the backoff and its transport's failures start over.
 * @example stayedUp(state) // { ...state, attempt: 0, fails: 0 }
 */
export const stayedUp = (state: ReconnectState): ReconnectState => ({ ...state, attempt: 0, fails: 0 });

/**
 * A probe of the preferred transport said hello and replaced the fallback: the client is on the first
 * transport again with one early failure counted, so one early death sends it back to the fallback.
 * @example probeAdopted(state) // { ...state, transport: 0, fails: 1 }
 */
export const probeAdopted = (state: ReconnectState): ReconnectState => ({ ...state, transport: 0, fails: 1 });

/**
 * The wait before the next probe of the preferred transport: twice the last one, at most an hour.
 * @example nextProbeDelay(60_000) // 120_000
 */
export const nextProbeDelay = (ms: number): number => Math.min(ms * 2, MAX_PROBE_DELAY);
