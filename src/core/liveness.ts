/**
 * Dead-link detection against the wall clock (PROTOCOL.md §5, §7), as a pure rule the client's timer applies.
 * Silence never kills a link on its own: once it nears the limit a `ping` goes out, and only a ping left
 * unanswered for a grace period counts the link as dead. A check that runs late (a throttled background tab, a
 * laptop waking up) therefore only sends a ping; so a check may run at any moment, and the client runs one
 * when the page becomes visible again, and pings when the network comes back (the link may not have survived
 * the change).
 */

/**
 * How long a ping may stay unanswered: a third of the limit, at most 5 s.
 * @example graceFor(30_000) // 5_000
 */
export const graceFor = (limit: number): number => Math.min(5_000, limit / 3);

/**
 * What the dead-link check does at `now`: `'dead'` (a ping went unanswered for the grace), `'ping'` (the
 * silence nears the limit), or the ms to wait before checking again. Times are wall-clock ms; `pingedAt` is 0
 * before the first ping.
 * @param heardAt - when the last frame arrived (or the connection started)
 * @param pingedAt - when the last ping went out
 * @param limit - the silence that counts as a dead link
 * @example linkCheck(10_000, 0, 0, 30_000) // 15_000: at 25 s a ping goes out
 */
export function linkCheck(now: number, heardAt: number, pingedAt: number, limit: number): 'dead' | 'ping' | number {
  const grace = graceFor(limit);
  if (pingedAt > heardAt) return now - pingedAt < grace ? pingedAt + grace - now : 'dead';
  return now - heardAt >= limit - grace ? 'ping' : heardAt + limit - grace - now;
}
