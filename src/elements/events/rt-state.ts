/**
 * `rt-state`: the connection status an `<rt-status>` shows changed.
 */
import type { LinkStatus } from '../../controllers/status-controller.js';
import type { ConnectionState } from '../../core/types.js';

/** The detail of an {@link RtStateEvent}. */
export interface RtStateDetail {
  /** The badge status: `connecting`, `live`, `reconnecting` or `offline`. */
  status: LinkStatus;
  /** The client's connection state (`undefined` without a client). */
  state: ConnectionState | undefined;
}

/**
 * Dispatched by `<rt-status>` when its status changes (and for its first status); bubbles and crosses shadow
 * roots.
 * @example badge.addEventListener('rt-state', (e) => console.log(e.detail.status));
 */
export type RtStateEvent = CustomEvent<RtStateDetail>;

declare global {
  interface HTMLElementEventMap {
    'rt-state': RtStateEvent;
  }
}
