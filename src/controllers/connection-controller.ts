/**
 * Owns the client of a `<rt-connection>` (or adopts one given to it) and provides it to descendants.
 */
import { ContextProvider } from '@lit/context';
import type { ReactiveController } from 'lit';
import { createClient } from '../core/client.js';
import type { Client, ClientOptions, TicketProvider } from '../core/types.js';
import type { ControllerHost } from './client-consumer.js';
import { clientContext } from './context.js';

/** What a {@link ConnectionController} reads from its host before every update. */
export interface ConnectionConfig {
  /** A client made elsewhere: provided as is, never disconnected by the controller. */
  client?: Client | undefined;
  /** The gateway's WebSocket URL; with `auth` (or `options.auth` / `options.secret`), a client is created. */
  url?: string | undefined;
  /** The scopes to ask for. */
  scopes?: readonly string[] | undefined;
  /** The ticket source (a URL, or a function). */
  auth?: TicketProvider | undefined;
  /** Any other client option (`minDelay`, `transports`…); a new object makes a new client. */
  options?: Partial<ClientOptions> | undefined;
  /** `false`: the client does not share its connection with other tabs (`share: false`), whatever `options` say. */
  share?: boolean | undefined;
}

/**
 * Creates the client when the configuration is complete, replaces it (disconnecting the old one) when the
 * configuration changes, disconnects it while the host is out of the page and reconnects it when the host
 * comes back. Descendants receive it through {@link clientContext}.
 * @example
 * class MyConnection extends LitElement {
 *   private readonly rt = new ConnectionController(this, () => ({ url: this.url, auth: '/rt/ticket' }));
 * }
 */
export class ConnectionController implements ReactiveController {
  /** The client in use (created or given), or `undefined` while the configuration is incomplete. */
  client: Client | undefined;
  private owned = false;
  private paused = false;
  private key: unknown[] = [];
  private readonly provider: ContextProvider<typeof clientContext>;

  constructor(
    host: ControllerHost,
    private readonly config: () => ConnectionConfig,
  ) {
    this.provider = new ContextProvider(host, { context: clientContext });
    host.addController(this);
  }

  /** @internal */
  hostConnected(): void {
    if (this.paused) this.client?.connect();
    this.paused = false;
  }

  /** @internal */
  hostUpdate(): void {
    const { client, url, scopes, auth, options = {}, share } = this.config();
    const key = [client, url, scopes?.join(), auth, options, share];
    if (key.every((v, i) => v === this.key[i])) return;
    this.key = key;
    if (this.owned) this.client?.disconnect();
    this.owned = !client;
    this.client =
      client ??
      (url && (auth ?? options.auth ?? options.secret)
        ? createClient({ ...options, url, scopes, ...(auth ? { auth } : {}), ...(share === false && { share }) })
        : undefined);
    this.provider.setValue(this.client);
  }

  /** @internal */
  hostDisconnected(): void {
    if (!this.owned || !this.client) return;
    this.paused = true;
    this.client.disconnect();
  }
}
