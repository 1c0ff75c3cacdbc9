/**
 * Publisher keys (PROTOCOL.md §10.2): who may call `POST /rt/publish`, on which topics and how fast. Separate from
 * ticket secrets, the stats token and the admin token. Given in code or by a key file reloaded like the ticket key
 * ring (on change and on SIGHUP), so a leaked key is rotated without a restart.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isTopicName } from '../../src/protocol/index.js';
import type { BucketSpec } from '../limits/rate-limits.js';
import type { Logger } from '../ops/log.js';
import { reloadOnChange } from '../admission/watch-file.js';

/** One publisher key. */
export interface PublisherKey {
  /**
   * Key id (`^[A-Za-z0-9._-]{1,64}$`, not `unknown` or `stream`), sent as `RT-Key-Id`, and the `key` label of the
   * publish metrics.
   */
  id: string;
  /** The HMAC secret (at least 32 characters). */
  secret: string;
  /** Topics it may publish: exact names, prefixes ending in `.*` (`liveops.*`), or `*` for all. */
  topics: readonly string[];
  /** Whether `Authorization: Bearer <secret>` is accepted for it (default false: signed requests only). */
  bearer?: boolean;
  /** Messages per second it may publish on each gateway (default 200 at once, 100/s). */
  rate?: BucketSpec;
}

/** The default rate of a publisher key. */
export const DEFAULT_PUBLISH_RATE: BucketSpec = { burst: 200, perSecond: 100 };

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Names the metrics already give a meaning: `unknown` (no key recognized) and `stream` (the ingest stream). */
const RESERVED_IDS = new Set(['unknown', 'stream']);

/** Whether `pattern` is an exact topic name, a `prefix.*` or `*`. */
function isTopicPattern(pattern: string): boolean {
  if (pattern === '*') return true;
  return isTopicName(pattern.endsWith('.*') ? pattern.slice(0, -2) : pattern);
}

/** Whether a key's `topics` cover `topic`. */
export function topicAllowed(patterns: readonly string[], topic: string): boolean {
  return patterns.some((p) => p === '*' || p === topic || (p.endsWith('.*') && topic.startsWith(p.slice(0, -1))));
}

function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The keys a gateway accepts; replaceable at run time. */
export class PublisherKeys {
  private byId = new Map<string, PublisherKey>();
  private byBearer = new Map<string, PublisherKey>();

  /**
   * @throws TypeError for an empty set, a malformed or repeated id, a short secret, or a malformed topic pattern
   */
  constructor(keys: readonly PublisherKey[]) {
    this.replace(keys);
  }

  /** The ids held. */
  get ids(): string[] {
    return [...this.byId.keys()];
  }

  /** The key named `id`. */
  get(id: string): PublisherKey | undefined {
    return this.byId.get(id);
  }

  /** The bearer-enabled key whose secret is `token` (looked up by its SHA-256: no timing leak on the secret). */
  bearer(token: string): PublisherKey | undefined {
    return this.byBearer.get(digest(token));
  }

  /** The key with `token` as its secret, bearer-enabled or not (to tell "not allowed as bearer" apart). */
  bySecret(token: string): PublisherKey | undefined {
    const wanted = digest(token);
    for (const key of this.byId.values()) if (digest(key.secret) === wanted) return key;
    return undefined;
  }

  /** Swaps in a new set (rotation), validated as in the constructor. */
  replace(keys: readonly PublisherKey[]): void {
    if (keys.length === 0) throw new TypeError('publisher keys: at least one key is required');
    const byId = new Map<string, PublisherKey>();
    const byBearer = new Map<string, PublisherKey>();
    for (const key of keys) {
      if (typeof key.id !== 'string' || !KEY_ID.test(key.id) || byId.has(key.id) || RESERVED_IDS.has(key.id))
        throw new TypeError(`publisher keys: malformed, repeated or reserved id ${JSON.stringify(key.id)}`);
      if (typeof key.secret !== 'string' || key.secret.length < 32)
        throw new TypeError(`publisher keys: the secret of ${key.id} must have at least 32 characters`);
      if (!Array.isArray(key.topics) || !key.topics.every((t) => typeof t === 'string' && isTopicPattern(t)))
        throw new TypeError(`publisher keys: malformed topics of ${key.id} (names, prefix.* or *)`);
      const rate = key.rate;
      if (rate !== undefined && !(rate.burst >= 1 && rate.perSecond > 0))
        throw new TypeError(`publisher keys: the rate of ${key.id} needs burst ≥ 1 and perSecond > 0`);
      const copy: PublisherKey = { ...key, topics: Object.freeze([...key.topics]) };
      byId.set(key.id, copy);
      if (key.bearer === true) byBearer.set(digest(key.secret), copy);
    }
    this.byId = byId;
    this.byBearer = byBearer;
  }
}

/**
 * Reads a publisher key file: `{ "keys": [ { "id": "liveops-backend", "secret": "…", "topics": ["liveops.*"],
 * "bearer": false, "rate": { "burst": 200, "perSecond": 100 } } ] }`.
 * @throws Error when the file is missing, not JSON or not of that shape (the keys themselves are checked by
 *   {@link PublisherKeys})
 */
export async function readPublisherKeyFile(path: string): Promise<PublisherKey[]> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as { keys?: unknown };
  if (!Array.isArray(parsed.keys)) throw new Error(`${path}: expected {"keys":[{"id","secret","topics"},…]}`);
  return parsed.keys.map((k: unknown) => {
    const { id, secret, topics, bearer, rate } = (k ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || typeof secret !== 'string' || !Array.isArray(topics))
      throw new Error(`${path}: every key needs "id", "secret" and "topics"`);
    return {
      id,
      secret,
      topics: topics as string[],
      ...(bearer === undefined ? {} : { bearer: bearer === true }),
      ...(rate === undefined ? {} : { rate: rate as BucketSpec }),
    };
  });
}

/**
 * Reloads `keys` from `path` when the file changes (polled every `intervalMs`, default 2 000) and on SIGHUP. A
 * malformed file is logged and ignored: the keys in use stay. Returns a function that stops watching.
 */
export function watchPublisherKeyFile(
  path: string,
  keys: PublisherKeys,
  logger: Logger,
  intervalMs = 2000,
): () => void {
  return reloadOnChange(
    path,
    async () => {
      keys.replace(await readPublisherKeyFile(path));
      logger.info('Publish', 'Publisher keys reloaded:', { ids: keys.ids.join(',') });
    },
    (error) => logger.error('Publish', 'Publisher key file rejected, keeping the current keys:', { error }),
    intervalMs,
  );
}
