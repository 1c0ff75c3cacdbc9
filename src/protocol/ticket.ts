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
  /** 64 lowercase hex characters: `hex(HMAC-SHA256(secret, signingInput(ts, nonce, connectBody(scopes, claims))))`. */
  sig: string;
  /** Key id, when the gateway holds several keys. */
  kid?: string;
  /**
   * Protocol v1.1: the end of the connection's authority, in Unix seconds (ten digits, after `ts`). Covered by
   * the signature (see {@link connectBody}). Without it the gateway's maximum connection age applies.
   */
  exp?: number;
  /**
   * Protocol v1.1: the subject, an opaque user id from the application (1–128 characters of
   * `A-Z a-z 0-9 . _ : @ -`), covered by the signature. Revocation targets it; the gateway logs only its digest.
   */
  sub?: string;
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
const OPTIONAL = ['kid', 'exp', 'sub'] as const;

/** A ticket's subject (`sub`): 1–128 characters of `A-Z a-z 0-9 . _ : @ -`. */
export const SUBJECT = /^[A-Za-z0-9._:@-]{1,128}$/;

/** The v1.1 claims a ticket may carry beside its scopes, both under the signature. */
export interface TicketClaims {
  /** The end of the connection's authority, in Unix seconds. */
  exp?: number | undefined;
  /** The subject (an opaque user id). */
  sub?: string | undefined;
}

/**
 * The body signed for a connection: the scope list exactly as it appears in the query (v1), followed by
 * `;exp=<exp>;sub=<sub>` when the ticket carries either claim (v1.1; an absent one is empty). Neither a scope
 * name nor a subject can hold `;`, so the two forms never read as each other, and dropping a claim breaks the
 * signature.
 * @example connectBody('ops.admin,liveops.admin') // 'connect:ops.admin,liveops.admin'
 * @example connectBody('ops.admin', { exp: 1700000600 }) // 'connect:ops.admin;exp=1700000600;sub='
 */
export function connectBody(scopes: string, claims: TicketClaims = {}): string {
  const { exp, sub } = claims;
  if (exp === undefined && sub === undefined) return `connect:${scopes}`;
  return `connect:${scopes};exp=${exp ?? ''};sub=${sub ?? ''}`;
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
  for (const name of [...REQUIRED, ...OPTIONAL]) {
    if (query.getAll(name).length > 1) return { ok: false, reason: AuthFailure.badParam };
  }
  const ts = query.get('ts') as string;
  const nonce = query.get('nonce') as string;
  const scopes = query.get('scopes') as string;
  const sig = query.get('sig') as string;
  const kid = query.get('kid');
  const exp = query.get('exp');
  const sub = query.get('sub');
  if (!TS.test(ts)) return { ok: false, reason: AuthFailure.badTs };
  if (!NONCE.test(nonce) || !SIG.test(sig)) return { ok: false, reason: AuthFailure.badParam };
  if (kid !== null && !KID.test(kid)) return { ok: false, reason: AuthFailure.badParam };
  // `exp` is written like `ts` and comes after it: a ticket cannot end before it was signed.
  if (exp !== null && (!TS.test(exp) || Number(exp) <= Number(ts))) return { ok: false, reason: AuthFailure.badParam };
  if (sub !== null && !SUBJECT.test(sub)) return { ok: false, reason: AuthFailure.badParam };
  const scopeList = parseScopeList(scopes);
  if (!scopeList) return { ok: false, reason: AuthFailure.badParam };
  const ticket: ParsedTicket = { ts: Number(ts), nonce, scopes, sig, scopeList };
  if (kid !== null) ticket.kid = kid;
  if (exp !== null) ticket.exp = Number(exp);
  if (sub !== null) ticket.sub = sub;
  return { ok: true, ticket };
}

/**
 * Reads a ticket as JSON gives it (a `refresh` frame's `ticket`, an endpoint's answer) with the same strict rules
 * as {@link parseTicket}: numbers must be integers that write back as the signed digits.
 */
export function parseTicketObject(value: unknown): TicketParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: AuthFailure.missingParam };
  }
  const query = new URLSearchParams();
  for (const name of [...REQUIRED, ...OPTIONAL]) {
    const field = (value as Record<string, unknown>)[name];
    if (field === undefined) continue;
    if (typeof field === 'string' || (typeof field === 'number' && Number.isSafeInteger(field))) {
      query.set(name, String(field));
    } else return { ok: false, reason: AuthFailure.badParam };
  }
  return parseTicket(query);
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
  const { ts, nonce, scopes, sig, kid, exp, sub } = ticket;
  let query = `ts=${encodeQueryValue(String(ts))}&nonce=${encodeQueryValue(nonce)}`;
  query += `&scopes=${encodeQueryValue(scopes)}&sig=${encodeQueryValue(sig)}`;
  if (kid !== undefined) query += `&kid=${encodeQueryValue(kid)}`;
  if (exp !== undefined) query += `&exp=${encodeQueryValue(String(exp))}`;
  if (sub !== undefined) query += `&sub=${encodeQueryValue(sub)}`;
  return query;
}

/** `encodeURIComponent`, but `,` and `:` stay as they are: both are legal in a query value. */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%2C/gi, ',').replace(/%3A/gi, ':');
}
