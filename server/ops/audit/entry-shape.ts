/**
 * Checks that a parsed line is a well-formed entry of the documented shape (the verifier's first step; the hash
 * chain is checked separately).
 */
import { AUDIT_VERSION, AuditEvent, EVENT_FIELDS } from './entry.js';
import { HASH } from './hash.js';

const ALWAYS = new Set(['v', 'ts', 'seq', 'event', 'prev', 'hash']);
const EVENTS = new Set<string>(Object.values(AuditEvent));
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const TRANSPORTS = new Set(['websocket', 'sse']);
/** v1.2: a `publish_refused` entry's `transport` is where the message came from. */
const PUBLISH_SOURCES = new Set(['http', 'stream']);
const PAYLOAD_SOURCES = new Set(['fanout', 'http', 'stream', 'redis']);

/** Why `value` is not a well-formed entry, or `undefined` if it is. */
export function shapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const e = value as Record<string, unknown>;
  if (e['v'] !== AUDIT_VERSION) return `unsupported version ${JSON.stringify(e['v'])}`;
  if (typeof e['event'] !== 'string' || !EVENTS.has(e['event'])) return `unknown event ${JSON.stringify(e['event'])}`;
  const allowed = EVENT_FIELDS[e['event'] as AuditEvent] as readonly string[];
  for (const key of Object.keys(e)) {
    if (!ALWAYS.has(key) && !allowed.includes(key)) return `field "${key}" is not allowed in a ${e['event']} entry`;
  }
  const ts = e['ts'];
  if (typeof ts !== 'string' || Number.isNaN(Date.parse(ts)) || new Date(ts).toISOString() !== ts)
    return 'ts is not an ISO 8601 UTC time';
  if (!Number.isSafeInteger(e['seq']) || (e['seq'] as number) < 1) return 'seq is not a positive integer';
  if (typeof e['prev'] !== 'string' || !HASH.test(e['prev'])) return 'prev is not a SHA-256 hex digest';
  if (typeof e['hash'] !== 'string' || !HASH.test(e['hash'])) return 'hash is not a SHA-256 hex digest';
  for (const key of ['id', 'kid', 'topic', 'reason', 'subject', 'op', 'target'] as const) {
    if (key in e && !isString(e[key])) return `${key} is not a string`;
  }
  const transports = e['event'] === AuditEvent.publishRefused ? PUBLISH_SOURCES : TRANSPORTS;
  if ('transport' in e && !transports.has(e['transport'] as string))
    return `transport is not ${[...transports].join(' or ')}`;
  if ('source' in e && !PAYLOAD_SOURCES.has(e['source'] as string))
    return 'source is not fanout, http, stream or redis';
  for (const key of ['scopes', 'paths', 'kinds'] as const) {
    if (key in e && !(Array.isArray(e[key]) && e[key].every((s) => typeof s === 'string')))
      return `${key} is not a list of strings`;
  }
  if ('code' in e && !Number.isSafeInteger(e['code'])) return 'code is not an integer';
  if (e['event'] === AuditEvent.gap && !(Number.isSafeInteger(e['lost']) && (e['lost'] as number) > 0))
    return 'lost is not a positive integer';
  // A revocation may have found no connection on this gateway: its count may be 0.
  const least = e['event'] === AuditEvent.revocation ? 0 : 1;
  if ('count' in e && !(Number.isSafeInteger(e['count']) && (e['count'] as number) >= least))
    return `count is not an integer ≥ ${least}`;
  return undefined;
}
