/**
 * Tab sharing (issue 17), as the core client loads it: a chunk of its own, imported only in a page that can
 * share (`sharingAvailable()`), so the core entry does not carry it.
 */
import type { ClientOptions } from '../core/types.js';
import { shareConnection, type SharedConnection } from './shared-connection.js';

export type { SharedConnection } from './shared-connection.js';

/**
 * This tab's part in the connection of the tabs whose clients talk to the same gateway the same way.
 * @param ticket - a fresh ticket query, for when this tab comes to lead while its client is connected
 * @example const shared = joinTabs(options, async () => ticketQuery(await getTicket(options)));
 */
export function joinTabs(options: ClientOptions, ticket: () => Promise<string>): SharedConnection {
  const { url, sseUrl = '', scopes = [], transports = [], shareKey = '' } = options;
  const group = ['lydian', url, sseUrl, [...scopes].sort().join(','), transports.join(','), shareKey].join('|');
  return shareConnection({ group, ticket });
}
