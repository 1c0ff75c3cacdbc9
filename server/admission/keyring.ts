/**
 * Signing keys with ids, for rotation (the seed's "secret rotation ≤ 24 h"). The first key is current: new
 * tickets are signed with it and carry its `kid`. Every key in the ring verifies tickets that name it, so during
 * an overlap a ticket signed a moment ago with the previous key still works. A ticket without `kid` is checked
 * against the current key (single-secret deployments need nothing else).
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '../ops/log.js';
import { reloadOnChange } from './watch-file.js';

/** One secret and its id. */
export interface SigningKey {
  /** Key id (`^[A-Za-z0-9._-]{1,64}$`); may be omitted only for a ring of one key. */
  kid?: string | undefined;
  /** The HMAC secret (UTF-8). */
  secret: string;
}

const KID = /^[A-Za-z0-9._-]{1,64}$/;

/** The keys a gateway signs and verifies with; replaceable at run time. */
export class KeyRing {
  private keys: SigningKey[] = [];
  private byKid = new Map<string, string>();

  /**
   * A ring of `keys`, current first (copied: later changes to the array do not reach the ring).
   * @throws TypeError for an empty ring, an empty secret, a malformed or repeated kid, or a kid missing in a ring of
   *   several
   */
  constructor(keys: readonly SigningKey[]) {
    this.replace(keys);
  }

  /** The key new tickets are signed with. */
  get current(): SigningKey {
    return this.keys[0] as SigningKey;
  }

  /** The ids held, current first. */
  get kids(): (string | undefined)[] {
    return this.keys.map((k) => k.kid);
  }

  /** The secret that verifies a ticket naming `kid` (or none), if the ring holds it. */
  secretFor(kid: string | undefined): string | undefined {
    return kid === undefined ? this.current.secret : this.byKid.get(kid);
  }

  /** Swaps in a new set of keys (rotation); validated as in the constructor. */
  replace(keys: readonly SigningKey[]): void {
    if (keys.length === 0) throw new TypeError('a key ring needs at least one key');
    const byKid = new Map<string, string>();
    for (const { kid, secret } of keys) {
      if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('a non-empty HMAC secret is required');
      if (kid === undefined) {
        if (keys.length > 1) throw new TypeError('every key of a ring of several needs a kid');
        continue;
      }
      if (!KID.test(kid) || byKid.has(kid)) throw new TypeError(`malformed or repeated kid ${JSON.stringify(kid)}`);
      byKid.set(kid, secret);
    }
    this.keys = keys.map((k) => ({ ...k }));
    this.byKid = byKid;
  }
}

/**
 * Reads a key file as an operator's vault agent writes it:
 * `{ "keys": [ { "kid": "2026-11-27", "secret": "…" }, { "kid": "2026-11-26", "secret": "…" } ] }` (current first).
 * @throws Error when the file is missing or malformed
 */
export async function readKeyFile(path: string): Promise<SigningKey[]> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as { keys?: unknown };
  if (!Array.isArray(parsed.keys)) throw new Error(`${path}: expected {"keys":[{"kid","secret"},…]}`);
  return parsed.keys.map((k: unknown) => {
    const { kid, secret } = (k ?? {}) as Record<string, unknown>;
    if (typeof secret !== 'string' || (kid !== undefined && typeof kid !== 'string'))
      throw new Error(`${path}: malformed key`);
    return { kid: kid as string | undefined, secret };
  });
}

/**
 * Reloads `ring` from `path` whenever the file changes (polled every `intervalMs`, default 2 000) and on SIGHUP.
 * A malformed file is logged and ignored: the ring keeps its keys. Returns a function that stops watching.
 */
export function watchKeyFile(path: string, ring: KeyRing, logger: Logger, intervalMs = 2000): () => void {
  return reloadOnChange(
    path,
    async () => {
      ring.replace(await readKeyFile(path));
      logger.info('Auth', 'Keys reloaded:', { kids: ring.kids.join(',') });
    },
    (error) => logger.error('Auth', 'Key file rejected, keeping the current keys:', { error }),
    intervalMs,
  );
}
