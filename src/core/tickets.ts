/**
 * A fresh ticket for every connection attempt, from the client's `auth` (a URL, or a function returning a
 * ticket or the endpoint's `Response`) or, in development, signed in the page with `secret`. What a failure
 * makes the client do is the reconnect policy's (reconnect-policy.ts, PROTOCOL.md §7).
 */
import { encodeQueryValue, type Ticket } from '../protocol/ticket.js';
import { withQuery } from '../transports/transport.js';
import { signTicket } from './signer.js';
import type { ClientOptions } from './types.js';

/** Why no ticket could be had: `code` is the HTTP status, 0 for a network error, -1 for a malformed ticket. */
export interface TicketFailure {
  code: number;
  reason: string;
}

/**
 * Gets a ticket for `scopes`. Throws `{ status, message }` when the endpoint answers with an error status,
 * `{ status: -1 }` when the ticket is malformed; whatever else `auth` throws passes through.
 * @example const ticket = await getTicket({ auth: '/rt/ticket', scopes: ['ops.admin'] });
 */
export async function getTicket(options: Pick<ClientOptions, 'auth' | 'secret' | 'scopes'>): Promise<Ticket> {
  const { auth, secret, scopes = [] } = options;
  let ticket: Ticket | Response = await (typeof auth === 'string'
    ? fetch(withQuery(auth, 'scopes=' + encodeQueryValue(scopes.join(','))))
    : auth
      ? auth(scopes)
      : signTicket(secret as string, scopes));
  if (typeof (ticket as Response)?.json === 'function') {
    const res = ticket as Response;
    if (!res.ok) throw { status: res.status, message: `ticket endpoint answered ${res.status}` };
    ticket = (await res.json()) as Ticket;
  }
  if (typeof (ticket as Ticket)?.sig !== 'string') throw { status: -1, message: 'malformed ticket' };
  return ticket as Ticket;
}

/**
 * What a thrown ticket error means: its numeric `status` (0 when it has none: a network error) and its
 * `message` (or the error itself) as the reason.
 * @example ticketFailure({ status: 403, message: 'nope' }) // { code: 403, reason: 'nope' }
 */
export function ticketFailure(error: unknown): TicketFailure {
  const e = error as { status?: unknown; message?: unknown } | undefined;
  return { code: typeof e?.status === 'number' ? e.status : 0, reason: String(e?.message ?? error) };
}
