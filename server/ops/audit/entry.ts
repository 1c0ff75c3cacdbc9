/**
 * The audit entry: the one format the writer, the verifier and the docs share. Security events only: no message
 * payload, no IP address, no ticket, signature or nonce; ids are the gateway's random connection ids.
 */
import type { TransportKind } from '../../delivery/session.js';
import type { PublishSource } from '../../delivery/hub.js';

/** Format version of every entry (`v`). */
export const AUDIT_VERSION = 1;

/** What an entry records. */
export const AuditEvent = {
  /** The audit log was opened (gateway start). */
  start: 'start',
  /** The audit log was closed cleanly (gateway stop). */
  stop: 'stop',
  /** A session was accepted: `id`, `transport`, `scopes`, `kid`, `subject` (its digest, v1.1). */
  connect: 'connect',
  /** A connection attempt was refused: `transport`, `reason`, `code` (close code on WebSocket, HTTP status on SSE). */
  refuse: 'refuse',
  /** A subscription was refused: `id`, `transport`, `reason`, and `topic` when it is a registered topic. */
  subRefused: 'sub_refused',
  /** A session ended: `id`, `transport`, `code` (its WebSocket close code, when known). */
  disconnect: 'disconnect',
  /** A rate limit was hit `count` times (digested, one entry per limit per 10 s at most): `transport`, `reason` (which limit). */
  rateLimited: 'rate_limited',
  /** `lost` entries could not be written (queue full while the disk stalled, or a write error). */
  gap: 'gap',
  /** v1.1: a connection's authority ended without a valid refresh (closed 4401 `expired`): `id`, `transport`, `subject`. */
  expire: 'expire',
  /** v1.1: a refresh applied: `id`, `transport`, `scopes` (the new ones), `subject`. */
  refresh: 'refresh',
  /** v1.1: a refresh was refused, the authority unchanged: `id`, `transport`, `reason`. */
  refreshRefused: 'refresh_refused',
  /** v1.1: an operator took scopes from a connection: `id`, `transport`, `scopes` (what it keeps), `reason`. */
  narrow: 'narrow',
  /** v1.1: an operator ended a connection (closed 4410): `id`, `transport`, `reason`, `subject`. */
  forcedDisconnect: 'forced_disconnect',
  /**
   * v1.1: an operator's command issued through this gateway (each gateway records the connections it ends as
   * `forced_disconnect`): `op`, `target`, `subject` (a subject's digest), `scopes`, `reason`, `count` (connections
   * it applied to on this gateway).
   */
  revocation: 'revocation',
  /**
   * v1.2: a publish request or ingest-stream entry was refused (rate limits only in metrics): `transport` (`http` or
   * `stream`), `reason`, `code` (the HTTP status), `kid` (a known publisher key's id), `topic` (when registered).
   * Refusals that name no known key are digested like rate limits: one entry per reason per 10 s, with `count`.
   */
  publishRefused: 'publish_refused',
  /**
   * v1.3: a payload its topic's schema or PII policy refused: `topic`, `source` (`fanout`, `http`, `stream`,
   * `redis`), `reason` (`schema` or `pii`), `paths` (content-free JSON Pointers of the issues or findings), `kinds`
   * (personal data kinds, `pii` only), `kid` (the publisher key, over HTTP). Never the payload. Digested like rate
   * limits: one entry per topic, source and reason per 10 s, with `count`.
   */
  payloadRefused: 'payload_refused',
} as const;

/** An event name from {@link AuditEvent}. */
export type AuditEvent = (typeof AuditEvent)[keyof typeof AuditEvent];

/** The event-specific part of an entry, before it is numbered and chained. */
export interface AuditRecord {
  /** What happened, from {@link AuditEvent}; it decides which optional fields the entry carries. */
  event: AuditEvent;
  /** Connection id (random, per connection). */
  id?: string;
  /** The connection's transport: `websocket` or `sse`; for `publish_refused`, `http` or `stream`. */
  transport?: TransportKind | PublishSource;
  /** Scopes granted by the ticket (role names such as `ops.admin`). */
  scopes?: string[];
  /** Key id the ticket was signed with. */
  kid?: string;
  /** A registered topic (never a client-supplied unknown name). */
  topic?: string;
  /** A gateway-defined code: refusal reason, `sub.err` code, rate-limit kind. */
  reason?: string;
  /** A numeric code: WebSocket close code or HTTP status. */
  code?: number;
  /** Entries lost before this point (`gap`). */
  lost?: number;
  /** How many hits a `rate_limited` entry stands for; the connections a `revocation` applied to here. */
  count?: number;
  /** v1.1: the connection's subject as its digest (`subjectDigest`), never in clear. */
  subject?: string;
  /** v1.1: the operator command of a `revocation`: `disconnect` or `revoke`. */
  op?: string;
  /** v1.1: what a `revocation` targeted: `subject`, `connection` or `scope`. */
  target?: string;
  /** v1.3: where a refused payload came in: `fanout`, `http`, `stream` or `redis`. */
  source?: string;
  /** v1.3: content-free JSON Pointers into a refused payload (at most 10). */
  paths?: string[];
  /** v1.3: kinds of personal data found (`email`, `phone`, `ip`, `card`, `tckn`). */
  kinds?: string[];
}

/** One line of the log. */
export interface AuditEntry extends AuditRecord {
  /** Format version, {@link AUDIT_VERSION} (1); the verifier refuses any other. */
  v: typeof AUDIT_VERSION;
  /** When the event happened (ISO 8601, UTC). */
  ts: string;
  /** 1, 2, 3… across files, continuing after retention. */
  seq: number;
  /** The previous entry's `hash` ({@link GENESIS} for the very first). */
  prev: string;
  /** SHA-256 (hex) of the canonical JSON of this entry without `hash`. */
  hash: string;
}

/** Every field an entry may have; anything else is refused by the verifier. */
export const ENTRY_FIELDS: readonly string[] = [
  'v',
  'ts',
  'seq',
  'event',
  'id',
  'transport',
  'scopes',
  'kid',
  'topic',
  'reason',
  'code',
  'lost',
  'count',
  'subject',
  'op',
  'target',
  'source',
  'paths',
  'kinds',
  'prev',
  'hash',
];

/** The optional fields each event may carry (besides `v`, `ts`, `seq`, `event`, `prev`, `hash`). */
export const EVENT_FIELDS: Readonly<Record<AuditEvent, readonly (keyof AuditRecord)[]>> = {
  start: [],
  stop: [],
  connect: ['id', 'transport', 'scopes', 'kid', 'subject'],
  refuse: ['transport', 'reason', 'code'],
  sub_refused: ['id', 'transport', 'reason', 'topic'],
  disconnect: ['id', 'transport', 'code'],
  rate_limited: ['transport', 'reason', 'count'],
  gap: ['lost'],
  expire: ['id', 'transport', 'subject'],
  refresh: ['id', 'transport', 'scopes', 'subject'],
  refresh_refused: ['id', 'transport', 'reason'],
  narrow: ['id', 'transport', 'scopes', 'reason'],
  forced_disconnect: ['id', 'transport', 'reason', 'subject'],
  revocation: ['op', 'target', 'subject', 'scopes', 'reason', 'count'],
  publish_refused: ['transport', 'reason', 'code', 'kid', 'topic', 'count'],
  payload_refused: ['topic', 'source', 'reason', 'paths', 'kinds', 'kid', 'count'],
};
