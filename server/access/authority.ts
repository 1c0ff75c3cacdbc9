/**
 * A connection's authority: the scopes its ticket granted, whose they are, and when they end. A `refresh`
 * replaces it on the open connection; the expiry watch closes the connection when it ends.
 */
import type { ParsedTicket } from '../../src/protocol/index.js';
import { flatCopy } from '../admission/flat-copy.js';
import { subjectDigest } from './subject.js';

/** What a verified ticket grants a connection. */
export interface Authority {
  /** The scopes granted. */
  scopes: readonly string[];
  /** When the authority ends (ms since the Unix epoch); `undefined`: never. */
  endsAt: number | undefined;
  /** The ticket's subject, compared on refresh and never logged. */
  subject: string | undefined;
  /** {@link subjectDigest} of the subject: what logs, the audit log and revocations name. */
  subjectDigest: string | undefined;
  /** The key id the ticket was signed with, if it named one. */
  kid: string | undefined;
  /** When the ticket was issued (its `ts`, Unix seconds): a revocation reaches grants issued up to its second. */
  issuedAt: number;
}

/** The share of the maximum connection age taken off at random, so connections opened together do not all end together. */
export const MAX_AGE_JITTER = 0.1;

/**
 * The authority a ticket grants at `nowMs`: until its `exp`, capped by the gateway's maximum connection age
 * (`maxAgeMs`, 0 = no cap). A ticket without `exp` (v1) gets the maximum age, less up to a tenth at random: the
 * connections of a fleet that reconnected together (after a deploy) then come back spread out, not in one second.
 */
export function authorityOf(
  ticket: ParsedTicket,
  nowMs: number,
  maxAgeMs: number,
  random: () => number = Math.random,
): Authority {
  const capMs = maxAgeMs > 0 ? nowMs + maxAgeMs - Math.floor(random() * maxAgeMs * MAX_AGE_JITTER) : undefined;
  const expMs = ticket.exp === undefined ? undefined : ticket.exp * 1000;
  const endsAt = expMs === undefined ? capMs : capMs === undefined ? expMs : Math.min(expMs, capMs);
  return {
    scopes: sharedScopes(ticket.scopes, ticket.scopeList),
    endsAt,
    // Copies: cut from the ticket's URL, each would keep the whole URL alive as long as the connection.
    subject: ticket.sub === undefined ? undefined : flatCopy(ticket.sub),
    subjectDigest: ticket.sub === undefined ? undefined : subjectDigest(ticket.sub),
    kid: ticket.kid === undefined ? undefined : flatCopy(ticket.kid),
    issuedAt: ticket.ts,
  };
}

/** Scope lists seen, each kept once: a crowd connects with a handful of distinct lists. */
const scopeLists = new Map<string, readonly string[]>();
/** Distinct lists kept before the cache starts over (tickets are signed: only the app can mint new lists). */
const SCOPE_LISTS_KEPT = 1024;
/** Longer lists are copied but not cached, so the cache stays within about 256 KB. */
const SCOPE_LIST_CACHED_CHARS = 256;

/**
 * One frozen array for every connection with the same scopes, its strings copied out of the ticket: parsed from
 * the query, each was a slice keeping the whole URL in memory for as long as the connection lived.
 */
function sharedScopes(list: string, parsed: readonly string[]): readonly string[] {
  const known = scopeLists.get(list);
  if (known) return known;
  const scopes = Object.freeze(parsed.map(flatCopy));
  if (list.length > SCOPE_LIST_CACHED_CHARS) return scopes;
  if (scopeLists.size >= SCOPE_LISTS_KEPT) scopeLists.clear();
  scopeLists.set(flatCopy(list), scopes);
  return scopes;
}
