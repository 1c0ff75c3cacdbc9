/**
 * The shared part of the controllers that follow a store of the nearest client: resubscribe when the client
 * or the key changes, unsubscribe while the host is out of the page.
 */
import type { ReactiveController } from 'lit';
import type { Unbind } from '../core/store.js';
import type { Client } from '../core/types.js';
import { ClientConsumer, type ControllerHost } from './client-consumer.js';

/**
 * Base class: subclasses say what they follow ({@link StoreController.key}) and subscribe in
 * {@link StoreController.open}; the base decides when.
 */
export abstract class StoreController implements ReactiveController {
  private readonly consumer: ClientConsumer;
  // Equal to no key (NaN !== NaN), so that the first update after connecting always opens.
  private last: unknown[] = [NaN];
  private unbind: Unbind | undefined;

  constructor(protected readonly host: ControllerHost) {
    this.consumer = new ClientConsumer(host);
    host.addController(this);
  }

  /** The client in use (the nearest provider's, else the page-wide default). */
  get client(): Client | undefined {
    return this.consumer.client;
  }

  /** What, besides the client, decides the subscription (read before every update). */
  protected key(): unknown {
    return undefined;
  }

  /** Subscribes for `client` (which may be `undefined`); returns the unbind, if any. */
  protected abstract open(client: Client | undefined): Unbind | undefined;

  /** @internal */
  hostUpdate(): void {
    const next = [this.client, this.key()];
    if (next.every((v, i) => v === this.last[i])) return;
    this.unbind?.();
    this.last = next;
    this.unbind = this.open(this.client);
  }

  /** @internal */
  hostDisconnected(): void {
    this.unbind?.();
    this.unbind = undefined;
    this.last = [NaN];
  }
}
