/**
 * What the client does after a connection closes: one table, mirrored in the README (PROTOCOL.md §7).
 *
 * | close | client does |
 * |---|---|
 * | `disconnect()`, 1000 | stops |
 * | 1001, 1006, 1011, 1012, 4408, anything not listed | reconnects with backoff (1012, a gateway restart, and an SSE stream ending after `hello`: the first retry is spread over 0–4 s so the fleet does not return in the same second) |
 * | 1013, 4429 | reconnects with backoff plus a larger minimum delay (`busyDelay`, 5 s) |
 * | 4401 | gets a fresh ticket, then reconnects with backoff; after 3 refusals in a row stops with an error |
 * | 4403, 1008, 1009, 1002, 1003, 1007 | stops and surfaces the error; no timer left running |
 * | ticket provider: HTTP 401 / 403 | stops and surfaces the error |
 * | ticket provider: 5xx, network error, a malformed ticket | retries with backoff (a malformed ticket counts as a refusal) |
 *
 * The client also closes on its own: a dead link (nothing received for the timeout) and an SSE stream error
 * both count as 1006. A WebSocket or SSE attempt that fails before it has stayed healthy counts against its
 * transport: two in a row and the client moves to the next transport in `transports`.
 */

/** What to do after a close: see the table above. */
export type CloseAction = 'stop' | 'retry' | 'busy' | 'reauth';

/** The close-code table: codes not listed here reconnect with backoff (`retry`). */
export const CLOSE_ACTIONS: Readonly<Record<number, CloseAction>> = {
  1000: 'stop',
  1002: 'stop',
  1003: 'stop',
  1007: 'stop',
  1008: 'stop',
  1009: 'stop',
  4403: 'stop',
  1013: 'busy',
  4429: 'busy',
  4401: 'reauth',
};

/**
 * Looks a close code up in {@link CLOSE_ACTIONS}.
 * @example closeAction(4429) // 'busy'
 */
export function closeAction(code: number): CloseAction {
  return CLOSE_ACTIONS[code] ?? 'retry';
}

/** Most refused tickets (4401) in a row before the client gives up. */
export const MAX_AUTH_REFUSALS = 3;
