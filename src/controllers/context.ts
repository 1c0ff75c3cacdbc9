/**
 * The client that `<rt-connection>` provides to its descendants, and the page-wide default used by elements
 * outside any `<rt-connection>`.
 */
import { createContext } from '@lit/context';
import { atom, type ReadableStore } from '../core/store.js';
import type { Client } from '../core/types.js';

/**
 * The context key of the nearest client. A global symbol, so that two copies of the library on one page (an
 * npm build and the browser bundle) still find each other's providers.
 */
export const clientContext = createContext<Client | undefined>(Symbol.for('lydian.rt.client'));

const fallback = atom<Client | undefined>(undefined);

/**
 * The page-wide default client: what elements outside any `<rt-connection>` use. Starts `undefined`.
 * @example defaultClient.subscribe((client) => console.log(client ? 'configured' : 'none'));
 */
export const defaultClient: ReadableStore<Client | undefined> = {
  get: fallback.get,
  subscribe: fallback.subscribe,
  listen: fallback.listen,
};

/**
 * Sets (or clears, with `undefined`) the page-wide default client. The previous one is left as it is: the
 * caller owns both.
 * @example setDefaultClient(createClient({ url: 'wss://rt.example.com/rt', scopes: ['ops.admin'], auth: '/rt/ticket' }));
 */
export function setDefaultClient(client: Client | undefined): void {
  fallback.set(client);
}
