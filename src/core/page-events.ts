/**
 * The page events a client follows while connected: the network going away and coming back (`offline`,
 * `online`), and the tab becoming visible again (`visibilitychange`), after which a dead-link check may be
 * overdue (a background tab's timers are throttled). Outside a browser (Node, a worker without a document) the
 * missing targets are skipped.
 */

/**
 * Prepares the page listeners; the returned function adds them (`true`) or removes them (`false`).
 * @param visible - runs when the page becomes visible (not when it is hidden)
 * @example
 * const bindPage = pageEvents(() => redial(), () => pause(), () => link.check());
 * bindPage(true); // … bindPage(false);
 */
export function pageEvents(online: () => void, offline: () => void, visible: () => void): (on: boolean) => void {
  const g = globalThis as Partial<typeof globalThis>;
  const onVisible = (): void => {
    if (g.document?.visibilityState === 'visible') visible();
  };
  return (on) => {
    const method = on ? 'addEventListener' : 'removeEventListener';
    g[method]?.('online', online);
    g[method]?.('offline', offline);
    g.document?.[method]('visibilitychange', onVisible);
  };
}
