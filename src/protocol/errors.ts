/**
 * Refusal reasons and error codes (PROTOCOL.md §2.6, §3.2): one table for the gateway and the client, so the
 * two can never disagree about what a reason means. The close codes are in close-codes.ts.
 */

/** Why a ticket was refused: the close reason on `/rt` (code 4401) and `error` in the body on `/rt/sse` (HTTP 401). */
export const AuthFailure = {
  /** `ts`, `nonce`, `scopes` or `sig` is absent. */
  missingParam: 'missing_param',
  /** A ticket parameter is repeated, or `nonce`, `scopes`, `sig` or `kid` is malformed. */
  badParam: 'bad_param',
  /** `ts` is not exactly ten digits. */
  badTs: 'bad_ts',
  /** `ts` is more than 300 s away from the gateway's clock. */
  staleTs: 'stale_ts',
  /** The signature does not match. */
  badSig: 'bad_sig',
  /** The `kid` names no key the gateway holds. */
  unknownKid: 'unknown_kid',
  /** The nonce was already used inside the acceptance window. */
  replay: 'replay',
  /**
   * v1.1: the ticket's `exp` has passed; as a close reason (4401), the connection's authority ended without a
   * valid `refresh` (its ticket's `exp`, or the gateway's maximum connection age).
   */
  expired: 'expired',
  /** v1.1: the ticket's subject was revoked after the ticket was issued (close 4410, HTTP 410). */
  revoked: 'revoked',
} as const;

/** A reason from {@link AuthFailure}. */
export type AuthFailure = (typeof AuthFailure)[keyof typeof AuthFailure];

/** Close reason (4403) and error body (HTTP 403) for a refused `Origin`. */
export const FORBIDDEN_ORIGIN = 'forbidden_origin';

/** Close reason (4429), error body (HTTP 429) and `error` frame code for a rate limit. */
export const RATE_LIMITED = 'rate_limited';

/**
 * Codes of a `refresh.err` frame (v1.1): the refresh was refused and the connection keeps the authority it had.
 * Besides these, any {@link AuthFailure} reason (`bad_sig`, `stale_ts`, `replay`, `expired`, …).
 */
export const RefreshError = {
  /** The new ticket names another subject than the connection's. */
  subjectMismatch: 'subject_mismatch',
  /** The connection's `Origin` is no longer allowed (the gateway's origin list changed). */
  forbiddenOrigin: 'forbidden_origin',
  /** Refreshes come faster than the gateway allows (one per {@link REFRESH_INTERVAL_S} seconds, with a burst of 3). */
  rateLimited: 'rate_limited',
  /** The gateway cannot check the ticket now (its nonce store is down); try again before the authority ends. */
  unavailable: 'unavailable',
} as const;

/** A code of a `refresh.err` frame: a {@link RefreshError} or an {@link AuthFailure} reason. */
export type RefreshError = (typeof RefreshError)[keyof typeof RefreshError] | AuthFailure;

/** The least time between two refreshes a connection may make, beyond a burst of 3 (seconds). */
export const REFRESH_INTERVAL_S = 2;

/** Codes of a `sub.err` frame. */
export const SubError = {
  /**
   * The connection's scopes do not cover the topic; also sent unasked (v1.1) for a topic whose scope the
   * connection lost (a `refresh` with fewer scopes, a revocation): the subscription has ended.
   */
  forbidden: 'forbidden',
  /** No such topic is registered. */
  unknownTopic: 'unknown_topic',
  /** The `sub` frame itself is malformed (bad topic name, `since` or `epoch`). */
  badRequest: 'bad_request',
  /** The connection already holds the most topics the gateway allows. */
  tooMany: 'too_many',
} as const;

/** A code from {@link SubError}. */
export type SubError = (typeof SubError)[keyof typeof SubError];

/** Codes of an `error` frame: the frame was not understood, the connection stays up. */
export const FrameError = {
  /** The text is not JSON, or not a JSON object. */
  badJson: 'bad_json',
  /** A binary frame: the protocol is JSON text only. */
  binary: 'binary_frame',
  /** A JSON object that is not a known frame, or a known frame with bad fields. */
  badFrame: 'bad_frame',
  /** Frames arrive faster than the gateway allows; this one was ignored. */
  rateLimited: 'rate_limited',
} as const;

/** A code from {@link FrameError}. */
export type FrameError = (typeof FrameError)[keyof typeof FrameError];

/** Re-exported from close-codes.ts, where the codes and the client's action for each now live. */
export { CloseCode } from './close-codes.js';
