/**
 * Whether tabs can share a connection here, told without loading the sharing code: the core client asks before
 * it imports `src/share` (a chunk of its own in bundles).
 */

/**
 * Tells whether tabs can share a connection here: a page (not Node, SSR or a worker) with `BroadcastChannel` and
 * Web Locks (which browsers give only to secure contexts: https and localhost).
 * @example const share = options.share !== false && sharingAvailable();
 */
export function sharingAvailable(): boolean {
  const g = globalThis as Partial<typeof globalThis>;
  return typeof g.document !== 'undefined' && typeof g.BroadcastChannel === 'function' && !!g.navigator?.locks;
}
