/**
 * The connection state of the nearest client, reduced to what a badge shows.
 */
import type { Unbind } from '../core/store.js';
import type { Client, ConnectionState } from '../core/types.js';
import type { ControllerHost } from './client-consumer.js';
import { StoreController } from './store-controller.js';

/** What a status badge shows. `offline` also covers "no client" and a client that stopped. */
export const LinkStatus = {
  Connecting: 'connecting',
  Live: 'live',
  Reconnecting: 'reconnecting',
  Offline: 'offline',
} as const;
/** One of {@link LinkStatus}. */
export type LinkStatus = (typeof LinkStatus)[keyof typeof LinkStatus];

/**
 * Maps the client's connection phase to a {@link LinkStatus}.
 * @example linkStatus(client.status.get()) // 'live'
 */
export const linkStatus = (state: ConnectionState | undefined): LinkStatus => {
  const phase = state?.state;
  return phase === 'open' ? 'live' : phase === 'reconnecting' || phase === 'connecting' ? phase : 'offline';
};

/**
 * Follows the nearest client's connection store while the host is connected.
 * @example
 * class MyBadge extends LitElement {
 *   private readonly link = new StatusController(this, (status) => console.log(status));
 *   render() { return html`${this.link.status}`; }
 * }
 */
export class StatusController extends StoreController {
  /** The connection store's value, `undefined` without a client. */
  state: ConnectionState | undefined;
  /** Reconnection attempts since the connection was last open (or since the client started). */
  attempts = 0;
  private base = 0;
  private reported: LinkStatus | undefined;

  /** @param onStatus called when {@link StatusController.status} changes, and for the first status */
  constructor(
    host: ControllerHost,
    private readonly onStatus?: (status: LinkStatus, state: ConnectionState | undefined) => void,
  ) {
    super(host);
  }

  /** The badge status. */
  get status(): LinkStatus {
    return linkStatus(this.state);
  }

  protected open(client: Client | undefined): Unbind | undefined {
    this.base = 0;
    if (client) return client.status.subscribe((state) => this.set(state));
    this.set(undefined);
    return undefined;
  }

  private set(state: ConnectionState | undefined): void {
    const count = state?.stats.reconnectCount ?? 0;
    if (state?.state === 'open') this.base = count;
    this.attempts = count - this.base;
    this.state = state;
    this.host.requestUpdate();
    const status = this.status;
    if (status !== this.reported) this.onStatus?.((this.reported = status), state);
  }
}
