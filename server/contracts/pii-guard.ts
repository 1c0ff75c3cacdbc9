/**
 * The PII guard's walk over a payload: every string value and every object key (JSON carries both, and a key such
 * as `"jane@example.com": 3` is as personal as a value), counted per kind, redacted on request. Numbers, booleans
 * and null are not scanned: a dashboard's numbers are measurements, and flagging them would bury real findings.
 */
import { findPii, redactPii, type PiiKind } from './pii-detectors.js';
import { safePointer } from './payload-contract.js';

/**
 * What a topic does with personal data found in a payload: `off` (no scan at all), `warn` (published as is,
 * counted), `redact` (each finding replaced by `[redacted:<kind>]`, then published), `refuse` (not published).
 */
export type PiiPolicy = 'off' | 'warn' | 'redact' | 'refuse';

/** Every policy, for checking a configured one. */
export const PII_POLICIES: readonly PiiPolicy[] = ['off', 'warn', 'redact', 'refuse'];

/** Whether `value` names a {@link PiiPolicy}. */
export function isPiiPolicy(value: unknown): value is PiiPolicy {
  return typeof value === 'string' && (PII_POLICIES as readonly string[]).includes(value);
}

/**
 * Nesting scanned (objects and arrays): deeper parts are not scanned, so `redact` and `refuse` cannot vouch for
 * them and refuse the payload. Also what stops the walk on a cyclic object (which JSON could not carry anyway).
 */
export const MAX_SCAN_DEPTH = 64;

/** What a scan found. */
export interface PiiScan {
  /** Findings per kind; undefined when there were none. */
  readonly counts: ReadonlyMap<PiiKind, number> | undefined;
  /** The payload with every finding redacted (when asked; the very same value when nothing changed). */
  readonly value: unknown;
  /** Some part was nested deeper than {@link MAX_SCAN_DEPTH} and was not scanned. */
  readonly truncated: boolean;
}

/** Where a finding is: a content-free JSON Pointer, and the kinds found there. */
export interface PiiLocation {
  readonly path: string;
  readonly kinds: readonly PiiKind[];
}

/** One walk. */
class Walk {
  counts: Map<PiiKind, number> | undefined;
  truncated = false;
  readonly locations: PiiLocation[] = [];
  private readonly path: (string | number)[] = [];

  constructor(
    private readonly redact: boolean,
    /** Record where findings are, up to this many (0: not at all, the cheap walk). */
    private readonly locate: number,
  ) {}

  visit(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.text(value);
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_SCAN_DEPTH) {
      this.truncated = true;
      return value;
    }
    const json = (value as { toJSON?: unknown }).toJSON;
    // A Date, or a class with its own JSON form: what goes out is what toJSON gives.
    if (typeof json === 'function') return this.visit((json as () => unknown).call(value), depth);
    return Array.isArray(value) ? this.array(value, depth) : this.object(value as Record<string, unknown>, depth);
  }

  private array(items: readonly unknown[], depth: number): unknown {
    let copy: unknown[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (this.locate > 0) this.path.push(i);
      const next = this.visit(item, depth + 1);
      if (this.locate > 0) this.path.pop();
      if (next !== item && copy === undefined) copy = items.slice(0, i);
      copy?.push(next);
    }
    return copy ?? items;
  }

  private object(record: Record<string, unknown>, depth: number): unknown {
    let copy: Record<string, unknown> | undefined;
    const keys = Object.keys(record);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const item = record[key];
      if (this.locate > 0) this.path.push(key);
      const nextKey = this.text(key);
      const next = this.visit(item, depth + 1);
      if (this.locate > 0) this.path.pop();
      if ((next !== item || nextKey !== key) && copy === undefined) {
        copy = {};
        for (let j = 0; j < i; j++) define(copy, keys[j] as string, record[keys[j] as string]);
      }
      if (copy !== undefined) define(copy, uniqueKey(copy, nextKey), next);
    }
    return copy ?? record;
  }

  private text(text: string): string {
    const matches = findPii(text);
    if (matches.length === 0) return text;
    const counts = (this.counts ??= new Map());
    for (const { kind } of matches) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    if (this.locations.length < this.locate) {
      const kinds = [...new Set(matches.map((m) => m.kind))];
      this.locations.push({ path: safePointer(this.path), kinds });
    }
    return this.redact ? redactPii(text, matches) : text;
  }
}

/** Sets an own property, `__proto__` included (plain assignment would set the prototype instead). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Two keys redacted alike (`[redacted:email]`) stay apart: the second gets `#2`, and so on. */
function uniqueKey(target: Record<string, unknown>, key: string): string {
  if (!Object.hasOwn(target, key)) return key;
  let n = 2;
  while (Object.hasOwn(target, `${key}#${n}`)) n += 1;
  return `${key}#${n}`;
}

/**
 * Scans `payload` for personal data.
 * @param redact also build the payload with each finding replaced by `[redacted:<kind>]` (containers are copied only
 *   where something changed; the input is never modified)
 * @example scanPayload({ user: 'jane@example.com' }, true).value // { user: '[redacted:email]' }
 */
export function scanPayload(payload: unknown, redact: boolean): PiiScan {
  const walk = new Walk(redact, 0);
  const value = walk.visit(payload, 0);
  return { counts: walk.counts, value, truncated: walk.truncated };
}

/** Where the findings are (at most `limit` places), for a refusal's issues: paths and kinds, no content. */
export function locatePii(payload: unknown, limit = 10): readonly PiiLocation[] {
  const walk = new Walk(false, limit);
  walk.visit(payload, 0);
  return walk.locations;
}
