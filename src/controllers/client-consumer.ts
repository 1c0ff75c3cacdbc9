/**
 * Finds the client an element should use: the nearest `<rt-connection>` (through `@lit/context`), else the
 * page-wide default.
 */
import { ContextEvent } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Unbind } from '../core/store.js';
import type { Client } from '../core/types.js';
import { clientContext, defaultClient } from './context.js';

/** What a controller needs of its host: a Lit element, or any element that drives controllers the same way. */
export type ControllerHost = ReactiveControllerHost & HTMLElement;

/**
 * Resolves the nearest client and asks the host to update when it changes. The provider must be defined
 * before the host connects (`@lydian/realtime/define` registers `<rt-connection>` first); it answers for as
 * long as the host stays connected, and a closer provider that appears later takes over.
 * @example
 * class MyElement extends LitElement {
 *   private readonly rt = new ClientConsumer(this);
 *   render() { return html`${this.rt.client ? 'has a client' : 'none yet'}`; }
 * }
 */
export class ClientConsumer implements ReactiveController {
  private provided: Client | undefined;
  private fallback: Client | undefined;
  private answered = false;
  private dispose: (() => void) | undefined;
  private unbind: Unbind | undefined;

  constructor(private readonly host: ControllerHost) {
    host.addController(this);
  }

  /** The client in use: the nearest provider's (even while it provides none), else the page-wide default. */
  get client(): Client | undefined {
    return this.answered ? this.provided : this.fallback;
  }

  /** @internal */
  hostConnected(): void {
    this.host.dispatchEvent(new ContextEvent(clientContext, this.host, this.onValue, true));
    this.unbind = defaultClient.subscribe((client) => {
      this.fallback = client;
      this.host.requestUpdate();
    });
  }

  /** @internal */
  hostDisconnected(): void {
    this.unbind?.();
    this.dispose?.();
    this.dispose = this.provided = undefined;
    this.answered = false;
  }

  // Stable identity: the provider keys its subscriptions by this callback.
  private readonly onValue = (client: Client | undefined, dispose?: () => void): void => {
    // A different disposer means a different (closer) provider took over: leave the old one.
    if (this.dispose && this.dispose !== dispose) this.dispose();
    this.dispose = dispose;
    this.answered = true;
    this.provided = client;
    this.host.requestUpdate();
  };
}
