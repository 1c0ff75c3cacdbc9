/**
 * Connection tickets (PROTOCOL.md §Tickets): the query parameters that authenticate a connection, their strict
 * parser and the canonical string that is signed. No crypto here: the gateway signs with `node:crypto`, the
 * browser with WebCrypto, both over {@link signingInput}.
 */
import { AuthFailure } from './errors.js';
import { parseScopeList } from './names.js';

/** How far (seconds) a ticket's `ts` may be from the verifier's clock, either way. */
export const TICKET_WINDOW_S = 300;

/** A signed connection ticket, as an application's ticket endpoint returns it in JSON. */
export interface Ticket {
  /** Unix time in seconds (ten digits, no leading zero). */
  ts: number;
  /** 16–64 lowercase hex characters, single-use. */
  nonce: string;
  /** Comma-separated scope names, exactly as signed; may be empty. */
  scopes: string;
  /** 64 lowercase hex characters: `hex(HMAC-SHA256(secret, signingInput(ts, nonce, connectBody(scopes))))`. */
  sig: string;
  /** Key id, when the gateway holds several keys. */
  kid?: string;
}

/** A ticket that passed {@link parseTicket}: well-formed, not yet verified. */
export interface ParsedTicket extends Ticket {
  /** `scopes` split into names. */
  scopeList: string[];
}

/** The outcome of {@link parseTicket}. */
export type TicketParseResult = { ok: true; ticket: ParsedTicket } | { ok: false; reason: AuthFailure };

// Ten digits without a leading zero: the number must write back as the very string that was signed.
const TS = /^[1-9][0-9]{9}$/;
const NONCE = /^[0-9a-f]{16,64}$/;
const SIG = /^[0-9a-f]{64}$/;
const KID = /^[A-Za-z0-9._-]{1,64}$/;
const REQUIRED = ['ts', 'nonce', 'scopes', 'sig'] as const;

/**
 * The body signed for a connection: the scope list exactly as it appears in the query.
 * @example connectBody('ops.admin,liveops.admin') // 'connect:ops.admin,liveops.admin'
 */
export function connectBody(scopes: string): string {
  return `connect:${scopes}`;
}

/**
 * The canonical string under the HMAC: `${ts}.${nonce}.${body}`.
 * @example signingInput(1700000000, 'a1b2c3d4e5f60718', connectBody('ops.admin'))
 */
export function signingInput(ts: number | string, nonce: string, body: string): string {
  return `${ts}.${nonce}.${body}`;
}

/**
 * Reads a ticket from a connection URL's query, strictly: a missing, repeated or malformed parameter is a
 * refusal, never coerced (`1700000000abc`, ` 1700000000`, `1e9`, milliseconds, uppercase or padded hex).
 * Checks format only; the caller verifies the window, the signature and the nonce.
 */
export function parseTicket(query: URLSearchParams): TicketParseResult {
  for (const name of REQUIRED) {
    if (!query.has(name)) return { ok: false, reason: AuthFailure.missingParam };
  }
  for (const name of [...REQUIRED, 'kid']) {
    if (query.getAll(name).length > 1) return { ok: false, reason: AuthFailure.badParam };
  }
  const ts = query.get('ts') as string;
  const nonce = query.get('nonce') as string;
  const scopes = query.get('scopes') as string;
  const sig = query.get('sig') as string;
  const kid = query.get('kid');
  if (!TS.test(ts)) return { ok: false, reason: AuthFailure.badTs };
  if (!NONCE.test(nonce) || !SIG.test(sig)) return { ok: false, reason: AuthFailure.badParam };
  if (kid !== null && !KID.test(kid)) return { ok: false, reason: AuthFailure.badParam };
  const scopeList = parseScopeList(scopes);
  if (!scopeList) return { ok: false, reason: AuthFailure.badParam };
  const ticket: ParsedTicket = { ts: Number(ts), nonce, scopes, sig, scopeList };
  if (kid !== null) ticket.kid = kid;
  return { ok: true, ticket };
}

/** Tells whether `ts` (seconds) is inside the acceptance window around `nowS` (seconds). */
export function isFresh(ts: number, nowS: number): boolean {
  return Math.abs(nowS - ts) <= TICKET_WINDOW_S;
}

/**
 * Appends a ticket to a query string, leaving `,` and `:` readable (`scopes=ops.admin,liveops.admin`).
 * @example `ws://host/rt?${ticketQuery(ticket)}`
 */
export function ticketQuery(ticket: Ticket): string {
  const { ts, nonce, scopes, sig, kid } = ticket;
  let query = `ts=${encodeQueryValue(String(ts))}&nonce=${encodeQueryValue(nonce)}`;
  query += `&scopes=${encodeQueryValue(scopes)}&sig=${encodeQueryValue(sig)}`;
  return kid === undefined ? query : `${query}&kid=${encodeQueryValue(kid)}`;
}

/** `encodeURIComponent`, but `,` and `:` stay as they are: both are legal in a query value. */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%2C/gi, ',').replace(/%3A/gi, ':');
}
