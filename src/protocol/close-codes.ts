/**
 * The close codes of the protocol and, for each, what a client does after it: one table for the gateway (which
 * sends them), the client and both transports (which act on them). PROTOCOL.md §7 is its human-readable form,
 * and a test holds the two to the same codes and actions.
 */

/** The WebSocket close codes of the protocol, by name. */
export const CloseCode = {
  /** Normal closure: the client asked to disconnect. */
  normal: 1000,
  /** The peer went away (page navigation). */
  goingAway: 1001,
  /** The peer broke the WebSocket protocol, or announced a protocol version the other does not speak. */
  protocolError: 1002,
  /** The peer sent a kind of data it cannot accept. */
  unsupportedData: 1003,
  /** No close frame: the connection was lost (never sent; what a client sees, and what a dead link counts as). */
  abnormal: 1006,
  /** A text frame that is not valid UTF-8. */
  invalidPayload: 1007,
  /** Sustained abuse: too many malformed frames. */
  policyViolation: 1008,
  /** A client frame over the size limit (64 KiB). */
  tooBig: 1009,
  /** The gateway failed unexpectedly. */
  internalError: 1011,
  /**
   * The gateway is shutting down or restarting (`service_restart`), or a resume fell too far behind the live
   * messages (`resync`): reconnect, probably to another instance, and resume.
   */
  serviceRestart: 1012,
  /** The gateway cannot take the connection now (capacity, a dependency down): retry later. */
  tryAgainLater: 1013,
  /**
   * The ticket was refused, or (v1.1, reason `expired`) the connection's authority ended without a valid
   * refresh; the reason names why. Fetch a fresh ticket and retry (resuming with `since`).
   */
  unauthorized: 4401,
  /** The page's `Origin` is not allowed. */
  forbidden: 4403,
  /** The connection stayed backed up for too long: the peer stalled (its queue stayed full for the timeout). */
  timeout: 4408,
  /**
   * v1.1: access was ended by the operator: the subject was revoked, or the connection was disconnected on
   * purpose. The reason is `revoked` or the operator's own. Terminal: do not reconnect until the application
   * decides (a new `connect()`).
   */
  revoked: 4410,
  /** Rate limited: retry later. */
  rateLimited: 4429,
} as const;

/** A close code from {@link CloseCode}. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * What a client does after a close:
 * - `stop`: stops and surfaces the error, no timer left running;
 * - `retry`: reconnects with backoff and resumes every topic;
 * - `busy`: reconnects with backoff on top of a larger minimum delay (the client's `busyDelay`);
 * - `reauth`: fetches a fresh ticket and reconnects with backoff; {@link MAX_AUTH_REFUSALS} in a row stop.
 */
export type CloseAction = 'stop' | 'retry' | 'busy' | 'reauth';

/**
 * The codes after which a client does something else than reconnect with backoff: what {@link closeAction}
 * reads, so a bundle that only looks codes up (the elements' self-contained one) carries no `retry` entries.
 */
const NOT_RETRY = {
  1000: 'stop', // normal
  1002: 'stop', // protocolError
  1003: 'stop', // unsupportedData
  1007: 'stop', // invalidPayload
  1008: 'stop', // policyViolation
  1009: 'stop', // tooBig
  1013: 'busy', // tryAgainLater
  4401: 'reauth', // unauthorized
  4403: 'stop', // forbidden
  4410: 'stop', // revoked
  4429: 'busy', // rateLimited
} as const satisfies Partial<Record<CloseCode, Exclude<CloseAction, 'retry'>>>;

/**
 * What a client does after each close code of the protocol (PROTOCOL.md §7). Every code has a deliberate
 * entry: adding a code to {@link CloseCode} without deciding its action does not compile, nor does an entry
 * for a code it lacks. Keyed by number rather than by `[CloseCode.x]`, so a bundle carries no names for it. A
 * code not in the protocol (1005, 4999, …) reconnects with backoff: see {@link closeAction}.
 */
export const CLOSE_ACTIONS: Readonly<Record<CloseCode, CloseAction>> = {
  ...NOT_RETRY,
  1001: 'retry', // goingAway
  1006: 'retry', // abnormal
  1011: 'retry', // internalError
  1012: 'retry', // serviceRestart
  4408: 'retry', // timeout
};

/**
 * Looks a close code up in {@link CLOSE_ACTIONS}; a code the protocol does not know reconnects with backoff.
 * @example closeAction(4429) // 'busy'
 * @example closeAction(4999) // 'retry'
 */
export function closeAction(code: number): CloseAction {
  return (NOT_RETRY as Readonly<Record<number, CloseAction | undefined>>)[code] ?? 'retry';
}

/** Most refused tickets (4401, or a malformed ticket from the provider) in a row before a client gives up. */
export const MAX_AUTH_REFUSALS = 3;

/**
 * The HTTP statuses of a refused `/rt/sse` request as the close code a WebSocket would have seen. An
 * EventSource hides the status, so the client asks again with `fetch` and maps the answer through this table;
 * any other answer (and a 401 `replay`: the first request was admitted, then lost) counts as
 * {@link CloseCode.abnormal}.
 */
export const SSE_REFUSALS: Readonly<Record<number, CloseCode>> = {
  400: CloseCode.policyViolation,
  401: CloseCode.unauthorized,
  403: CloseCode.forbidden,
  410: CloseCode.revoked,
  503: CloseCode.tryAgainLater,
};
