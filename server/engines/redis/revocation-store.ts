/**
 * Revocation fences shared by every gateway: a list per subject digest, `<prefix>revoked:{<digest>}`, each entry a
 * fence as JSON, the list expiring with the newest fence's ticket window. The hash tag keeps each subject's list on
 * one shard of a Redis Cluster.
 */
import { FENCE_TTL_MS, type Fence, type RevocationStore } from '../../access/revocations.js';
import type { RedisLink } from './link.js';

/** Most fences kept per subject (repeated revocations keep the latest). */
const MAX_FENCES = 16;

/** Fences in Redis. */
export class RedisRevocationStore implements RevocationStore {
  constructor(
    private readonly link: () => RedisLink,
    private readonly prefix = 'rt:',
  ) {}

  async add(digest: string, fence: Fence): Promise<void> {
    const key = this.key(digest);
    const link = this.link();
    await link.command(key, ['RPUSH', key, JSON.stringify(fence)]);
    await link.command(key, ['LTRIM', key, String(-MAX_FENCES), '-1']);
    await link.command(key, ['PEXPIRE', key, String(FENCE_TTL_MS)]);
  }

  async fencesOf(digest: string): Promise<Fence[]> {
    const key = this.key(digest);
    const entries = (await this.link().command(key, ['LRANGE', key, '0', '-1'])) as string[];
    const fences: Fence[] = [];
    for (const entry of entries) {
      try {
        const fence = JSON.parse(String(entry)) as Fence;
        if (typeof fence.at === 'number') fences.push(fence);
      } catch {
        // Not ours: ignored, never trusted.
      }
    }
    return fences;
  }

  private key(digest: string): string {
    return `${this.prefix}revoked:{${digest}}`;
  }
}
