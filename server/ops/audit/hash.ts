/**
 * The hash chain: SHA-256 over a canonical JSON serialization (keys sorted, no whitespace) of an entry without
 * its own `hash`, so the hash does not depend on how a line happens to be formatted.
 */
import { createHash } from 'node:crypto';
import type { AuditEntry } from './entry.js';

/** `prev` of the first entry of a log: 64 zeros. */
export const GENESIS = '0'.repeat(64);

/** A lowercase SHA-256 hex digest. */
export const HASH = /^[0-9a-f]{64}$/;

/**
 * JSON with object keys sorted at every level and no whitespace.
 * @example canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) === '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The hash an entry must carry: SHA-256 of its canonical JSON without `hash`. */
export function entryHash(entry: Omit<AuditEntry, 'hash'> | AuditEntry): string {
  const { hash: _ignored, ...body } = entry as AuditEntry;
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}
