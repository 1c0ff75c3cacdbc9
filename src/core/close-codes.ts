/**
 * What the client does after a connection closes: one table, mirrored in the README (PROTOCOL.md §7).
 *
 * | close | client does |
 * |---|---|
 * | `disconnect()`, 1000 | stops |
 * | 1001, 1006, 1011, 1012, 4408, anything not listed | reconnects with backoff |
 * | 1013, 4429 | reconnects with backoff plus a larger minimum delay (`busyDelay`, 5 s) |
 * | 4401 | gets a fresh ticket, then reconnects with backoff; after 3 refusals in a row stops with an error |
 * | 4403, 1008, 1009, 1002, 1003, 1007 | stops and surfaces the error; no timer left running |
 * | ticket provider: HTTP 401 / 403 (from the `auth` URL, or a `Response` the `auth` function returns) | stops and surfaces the error |
 * | ticket provider: 5xx, network error, a malformed ticket | retries with backoff (a malformed ticket counts as a refusal) |
 *
 * After any close of a connection that had received `hello`, the first retry is spread over 0–4 s
 * (8 × `minDelay`), so a gateway restart or crash does not bring every client back in the same second.
 *
 * SSE cannot see close codes, nor the HTTP status of a refused stream. When a stream fails before its first
 * frame, the client fetches the same URL once (the gateway repeats a refusal: the refused ticket's nonce was
 * never recorded) and maps the answer:
 *
 * | SSE answer | counts as |
 * |---|---|
 * | 401 `{"error": reason}` | 4401 (fresh ticket; 3 in a row stop) |
 * | 403 `{"error": "forbidden_origin"}` | 4403 (stops) |
 * | 400 `{"error": "bad_topics" / "bad_since"}` | 1008 (stops: a client bug) |
 * | 503 | 1013 (busy: larger minimum delay) |
 * | 401 `replay` (the first request was admitted, then lost), any other answer, a network error | 1006 |
 * | a stream that fails after its first frame | 1006 |
 *
 * The client also closes on its own: a dead link (nothing received for the timeout, `2 × heartbeatMs` from
 * `hello`, on both transports) counts as 1006; a `hello` with a protocol version other than 1 as 1002 (stops).
 * A WebSocket or SSE attempt that fails (1006 and the like) before it has stayed healthy counts against its
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
