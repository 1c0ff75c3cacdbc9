/**
 * `<rt-connection>`: one realtime client for everything inside it.
 */
import { html, LitElement, type PropertyDeclarations, type TemplateResult } from 'lit';
import { ConnectionController } from '../../controllers/connection-controller.js';
import type { Client, ClientOptions } from '../../core/types.js';
import { styles } from './rt-connection.styles.js';

/**
 * Owns one core client and provides it to every descendant `<rt-topic>`, `<rt-status>` and `<rt-feed>` (and
 * any element using the controllers). A change of `url`, `scopes`, `ticket-url` or `options` replaces the
 * client; removing the element from the page disconnects it, putting it back reconnects it.
 *
 * @tagname rt-connection
 * @summary Provides a realtime client to its descendants.
 * @slot - The elements that use the connection.
 * @example
 * <rt-connection url="wss://rt.example.com/rt" scopes="ops.admin,liveops.admin" ticket-url="/rt/ticket">
 *   <rt-status></rt-status> <rt-topic topic="kpis.s2" field="crash_free" format="percent"></rt-topic>
 * </rt-connection>
 */
export class RtConnection extends LitElement {
  static override styles = styles;

  // Lit's reactive properties, declared here rather than with `@property()`: the decorator's code and esbuild's
  // per-module helper would cost the browser bundle its size budget. The fields below go through Lit's
  // accessors because tsconfig sets `useDefineForClassFields: false`.
  static override properties: PropertyDeclarations = {
    url: {},
    scopes: {},
    ticketUrl: { attribute: 'ticket-url' },
    share: {},
    options: { attribute: false },
  };

  /** The gateway's WebSocket endpoint, e.g. `wss://rt.example.com/rt`. */
  url = '';

  /** The scopes to ask for, comma-separated. */
  scopes = '';

  /** The ticket endpoint: answers `GET <ticket-url>?scopes=a,b` with a ticket (your backend signs it). */
  ticketUrl = '';

  /**
   * `off`: this page's client keeps a connection of its own. By default the tabs of a browser that use the same
   * gateway, scopes and transports share one connection (where the browser can: `BroadcastChannel`, Web Locks).
   */
  share = '';

  /** Further client options (`minDelay`, `transports`, `auth` as a function…). Assign a new object to apply. */
  options: Partial<ClientOptions> = {};

  private readonly connection = new ConnectionController(this, () => ({
    client: this.given,
    url: this.url,
    scopes: this.scopes
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    auth: this.ticketUrl || undefined,
    options: this.options,
    share: this.share !== 'off',
  }));
  private given: Client | undefined;

  /**
   * The client in use. Assign one to provide it instead of creating one: the element then never disconnects
   * it (its owner does). It is created at the element's first update, so read it after `updateComplete`.
   */
  get client(): Client | undefined {
    return this.connection.client;
  }
  set client(client: Client | undefined) {
    this.given = client;
    this.requestUpdate();
  }

  /** Reconnects after {@link RtConnection.disconnect} or a fatal error. */
  connect(): void {
    this.client?.connect();
  }

  /** Closes the connection: the user's right to disconnect. */
  disconnect(): void {
    this.client?.disconnect();
  }

  override render(): TemplateResult {
    return html`<slot></slot>`;
  }
}
