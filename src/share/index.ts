/**
 * Tab sharing (issue 17), as the core client loads it: a chunk of its own, imported only in a page that can
 * share (`sharingAvailable()`), so the core entry does not carry it.
 */
import { getTicket } from '../core/tickets.js';
import type { ClientOptions, SharedState } from '../core/types.js';
import { ticketQuery } from '../protocol/ticket.js';
import { shareConnection, type SharedConnection } from './shared-connection.js';

export type { SharedConnection } from './shared-connection.js';

/**
 * This tab's part in the connection of the tabs whose clients talk to the same gateway the same way.
 * @param show - shows the sharing in the client's status
 * @example const shared = joinTabs(options, (s) => setStatus({ shared: s }));
 */
export function joinTabs(options: ClientOptions, show: (state: SharedState) => void): SharedConnection {
  const { url, sseUrl = '', scopes = [], transports = [], shareKey = '' } = options;
  const group = ['lydian', url, sseUrl, [...scopes].sort().join(','), transports.join(','), shareKey].join('|');
  // A ticket of its own, for when this tab comes to lead while its client is connected.
  const shared = shareConnection({ group, ticket: async () => ticketQuery(await getTicket(options)) });
  shared.state.subscribe(show);
  return shared;
}
