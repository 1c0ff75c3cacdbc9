/**
 * What the client does after a connection closes. The table lives in the protocol (src/protocol/close-codes.ts,
 * shared with the gateway); its human-readable form, with the SSE mapping and the ticket provider's outcomes,
 * is PROTOCOL.md §7. The rules built on it (refusals in a row, transport switch, delays) are in
 * reconnect-policy.ts.
 */
import { CLOSE_ACTIONS as ACTIONS, type CloseAction } from '../protocol/close-codes.js';

export { closeAction, MAX_AUTH_REFUSALS, type CloseAction } from '../protocol/close-codes.js';

/**
 * The close-code table (PROTOCOL.md §7), typed by plain number for lookups: codes not listed here reconnect
 * with backoff (`retry`).
 * @example CLOSE_ACTIONS[4401] // 'reauth'
 */
export const CLOSE_ACTIONS: Readonly<Record<number, CloseAction>> = ACTIONS;
