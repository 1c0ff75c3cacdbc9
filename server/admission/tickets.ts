/**
 * Ticket signing and verification with `node:crypto` (PROTOCOL.md §2), plus the seed's helpers `sign`,
 * `verifyHMAC` and `rbacHas`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  AuthFailure,
  SUBJECT,
  TICKET_WINDOW_S,
  connectBody,
  isFresh,
  isScopeName,
  parseScopeList,
  parseTicket,
  signingInput,
  type ParsedTicket,
  type Ticket,
} from '../../src/protocol/index.js';
import type { KeyRing } from './keyring.js';
import type { NonceStore } from './nonce-store.js';

const HEX64 = /^[0-9a-f]{64}$/;

/** A signed body, as the seed's `sign` returns it. */
export interface Signature {
  /** When it was signed, in whole seconds since the Unix epoch. */
  ts: number;
  /** A fresh nonce: 32 lowercase hex characters (16 random bytes). */
  nonce: string;
  /** HMAC-SHA256 over `${ts}.${nonce}.${body}`, as 64 lowercase hex characters. */
  sig: string;
}

function hmac(secret: string, input: string): Buffer {
  return createHmac('sha256', secret).update(input, 'utf8').digest();
}

/** A fresh nonce: 16 random bytes as 32 lowercase hex characters. */
export function createNonce(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Signs `body` now with a fresh nonce (the seed's helper).
 * @param nowMs the signing time in ms since the Unix epoch (default `Date.now()`)
 * @example const { ts, nonce, sig } = sign('connect:ops.admin', secret)
 */
export function sign(body: string, secret: string, nowMs: number = Date.now()): Signature {
  const ts = Math.floor(nowMs / 1000);
  const nonce = createNonce();
  return { ts, nonce, sig: hmac(secret, signingInput(ts, nonce, body)).toString('hex') };
}

/**
 * Checks an HMAC over `${ts}.${nonce}.${body}` in constant time (the seed's helper). Checks the signature only:
 * not the time window and not the nonce. Never throws: a malformed `sig` is simply `false`.
 */
export function verifyHMAC(sig: string, ts: number | string, nonce: string, body: string, secret: string): boolean {
  if (typeof sig !== 'string' || !HEX64.test(sig)) return false;
  return timingSafeEqual(Buffer.from(sig, 'hex'), hmac(secret, signingInput(ts, nonce, body)));
}

/**
 * Tells whether `granted` covers `required`: every required scope must be granted (the seed's helper).
 * @example rbacHas(['ops.admin'], ['ops.admin']) // true
 * @example rbacHas(['ops.admin'], ['liveops.admin']) // false
 */
export function rbacHas(granted: readonly string[], required: readonly string[]): boolean {
  return required.every((scope) => granted.includes(scope));
}

/** Options of {@link issueTicket}. */
export interface IssueOptions {
  /** The key id the ticket names (default: none; a gateway checks such a ticket against its current key). */
  kid?: string;
  /** The signing time in ms since the Unix epoch (default `Date.now()`). */
  nowMs?: number;
  /**
   * v1.1: how long the connection's authority lasts, in seconds from signing (`exp` = `ts` + this). The client
   * refreshes before it ends; without it the gateway's maximum connection age applies.
   */
  ttlS?: number;
  /** v1.1: the subject, the application's id of the user (revocation targets it; logged only as a digest). */
  sub?: string;
}

/**
 * Issues a connection ticket for `scopes`: what an application's ticket endpoint returns after it has
 * authenticated its user and decided which scopes they get.
 * @throws TypeError when a scope name, `sub` or `ttlS` is malformed
 * @example res.json(issueTicket(process.env.WS_HMAC_SECRET!, ['ops.admin'], { ttlS: 3600, sub: user.id }))
 */
export function issueTicket(secret: string, scopes: readonly string[], options: IssueOptions = {}): Ticket {
  const list = scopes.join(',');
  // Each name on its own first: ['a,b'] must not turn into two scopes once joined.
  if (!scopes.every(isScopeName) || !parseScopeList(list))
    throw new TypeError('issueTicket: malformed or duplicate scope name');
  const { ttlS, sub } = options;
  if (ttlS !== undefined && !(Number.isSafeInteger(ttlS) && ttlS > 0))
    throw new TypeError('issueTicket: ttlS must be a whole number of seconds > 0');
  if (sub !== undefined && !SUBJECT.test(sub))
    throw new TypeError('issueTicket: sub must be 1-128 characters of A-Z a-z 0-9 . _ : @ -');
  const nowMs = options.nowMs ?? Date.now();
  const exp = ttlS === undefined ? undefined : Math.floor(nowMs / 1000) + ttlS;
  const { ts, nonce, sig } = sign(connectBody(list, { exp, sub }), secret, nowMs);
  const ticket: Ticket = { ts, nonce, scopes: list, sig };
  if (options.kid !== undefined) ticket.kid = options.kid;
  if (exp !== undefined) ticket.exp = exp;
  if (sub !== undefined) ticket.sub = sub;
  return ticket;
}

/** What {@link verifyTicket} needs: a key ring, or one secret (and its kid). */
export interface TicketCheck {
  /** The keys that verify tickets (rotation). Takes precedence over `secret`. */
  keys?: KeyRing | undefined;
  /** The HMAC secret, when there is no key ring. */
  secret?: string | undefined;
  /** The secret's key id; a ticket that names another `kid` is refused. */
  kid?: string | undefined;
  /** Where used nonces are recorded. */
  nonces: NonceStore;
  /** The clock, in ms since the Unix epoch (required: `Date.now`, or a fake in tests). */
  now: () => number;
}

/** The outcome of {@link verifyTicket}. */
export type TicketVerdict =
  | {
      /** The ticket passed every check and its nonce is now recorded. */
      ok: true;
      /** The verified ticket, its scopes parsed. */
      ticket: ParsedTicket;
    }
  | {
      /** The ticket was refused. */
      ok: false;
      /** Why, from {@link AuthFailure}: the 4401 close reason on `/rt`, the `error` of the HTTP 401 on `/rt/sse`. */
      reason: AuthFailure;
    };

/**
 * Verifies the ticket in a connection URL's query, in the order of PROTOCOL.md §2.5. The nonce is recorded only
 * once everything else has passed.
 * @throws when the nonce store fails: the caller refuses the connection as unavailable (1013 / 503)
 */
export async function verifyTicket(query: URLSearchParams, check: TicketCheck): Promise<TicketVerdict> {
  const parsed = parseTicket(query);
  return parsed.ok ? verifyParsedTicket(parsed.ticket, check) : parsed;
}

/**
 * Verifies a well-formed ticket (from a query, or a `refresh` frame through `parseTicketObject`): the window, the
 * key, the signature over its scopes and claims, its `exp`, then its nonce, recorded only once everything else
 * has passed.
 * @throws when the nonce store fails: the caller refuses as unavailable
 */
export async function verifyParsedTicket(ticket: ParsedTicket, check: TicketCheck): Promise<TicketVerdict> {
  const nowMs = check.now();
  if (!isFresh(ticket.ts, Math.floor(nowMs / 1000))) return { ok: false, reason: AuthFailure.staleTs };
  const secret = check.keys
    ? check.keys.secretFor(ticket.kid)
    : ticket.kid === undefined || ticket.kid === check.kid
      ? check.secret
      : undefined;
  if (secret === undefined) return { ok: false, reason: AuthFailure.unknownKid };
  const body = connectBody(ticket.scopes, { exp: ticket.exp, sub: ticket.sub });
  if (!verifyHMAC(ticket.sig, ticket.ts, ticket.nonce, body, secret)) return { ok: false, reason: AuthFailure.badSig };
  if (ticket.exp !== undefined && ticket.exp * 1000 <= nowMs) return { ok: false, reason: AuthFailure.expired };
  // Remembered for as long as the ticket could still pass the window check, and not a second longer.
  const expiresAtMs = (ticket.ts + TICKET_WINDOW_S + 1) * 1000;
  if (!(await check.nonces.claim(ticket.nonce, expiresAtMs))) return { ok: false, reason: AuthFailure.replay };
  return { ok: true, ticket };
}
