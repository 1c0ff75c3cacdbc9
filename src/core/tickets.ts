/**
 * A fresh ticket for every connection attempt, from the client's `auth` (a URL, or a function returning a
 * ticket or the endpoint's `Response`) or, in development, signed in the page with `secret`. What a failure
 * makes the client do is the reconnect policy's (reconnect-policy.ts, PROTOCOL.md §7).
 *
 * A failure says what came back and from where (the URL, where a redirect ended, the status, the content type,
 * the first characters): a page's own `index.html` served for `/rt/ticket` (a dev server's SPA fallback, on
 * another origin than the gateway) must read as such, not as an endless silent retry.
 */
import { encodeQueryValue, type Ticket } from '../protocol/ticket.js';
import { read } from '../transports/answer.js';
import { withQuery } from '../transports/transport.js';
import { signTicket } from './signer.js';
import type { ClientOptions } from './types.js';

/** Why no ticket could be had: `code` is the HTTP status, 0 for a network error, -1 for a malformed ticket. */
export interface TicketFailure {
  code: number;
  reason: string;
}

const HINT = ' (README: Troubleshooting)';

/**
 * Whether `t` looks like a ticket: a 64-hex `sig` tells one from what a wrong endpoint sends (`{"error": …}`,
 * `{"token": …}`, a page); the gateway checks every field strictly (src/protocol/ticket.ts), and the signature.
 */
const isTicket = (t: Partial<Ticket> | undefined): t is Ticket => /^[\da-f]{64}$/.test(String(t?.sig));

/**
 * Gets a ticket for `scopes`. Throws `{ status, message }` when the endpoint answers with an error status,
 * `{ status: 0 }` when the ticket URL cannot be fetched (no network, CORS), `{ status: -1 }` when what came back
 * is not a ticket (not JSON, or not `{ ts, nonce, scopes, sig }`); each message names the URL and what came
 * back. Whatever else an `auth` function throws passes through.
 * @example const ticket = await getTicket({ auth: '/rt/ticket', scopes: ['ops.admin'] });
 */
export async function getTicket(options: Pick<ClientOptions, 'auth' | 'secret' | 'scopes'>): Promise<Ticket> {
  const { auth, secret, scopes = [] } = options;
  const url = typeof auth === 'string' ? withQuery(auth, 'scopes=' + encodeQueryValue(scopes.join(','))) : '';
  let ticket: unknown = await (url
    ? // A TypeError: no network, no server, or a cross-origin answer without CORS headers.
      fetch(url).catch((error: unknown) => {
        throw { status: 0, message: `${url}: ${String(error)} (CORS?)${HINT}` };
      })
    : auth
      ? (auth as Exclude<typeof auth, string>)(scopes)
      : signTicket(secret as string, scopes));
  let what = ''; // the endpoint and its answer
  if (typeof (ticket as Response)?.json === 'function') {
    const res = ticket as Response;
    [ticket, what] = await read(res, url || res.url || '`auth`');
    if (!res.ok) throw { status: res.status, message: what };
  }
  if (!isTicket(ticket as Partial<Ticket>)) {
    throw {
      status: -1,
      message: `${what || '`auth` gave ' + JSON.stringify(ticket)?.slice(0, 80)}: not a ticket${HINT}`,
    };
  }
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
