/**
 * The nonce store shared by every gateway: `SET <prefix>nonce:<nonce> 1 NX PXAT <expiry>`. A ticket used on
 * one gateway is refused on all. When Redis cannot be reached the command fails at once (no offline queue) and
 * the connection is refused as unavailable (1013 / 503): never accepted without replay protection.
 */
import type { NonceStore } from '../nonce-store.js';
import type { RedisClient } from './clients.js';

/** Nonces in Redis, expiring with their tickets. */
export class RedisNonceStore implements NonceStore {
  constructor(
    private readonly client: () => RedisClient,
    private readonly prefix = 'rt:',
  ) {}

  async claim(nonce: string, expiresAtMs: number): Promise<boolean> {
    const reply = await this.client().set(`${this.prefix}nonce:${nonce}`, '1', {
      condition: 'NX',
      expiration: { type: 'PXAT', value: expiresAtMs },
    });
    return reply === 'OK';
  }

  /** The connection belongs to the engine, which closes it. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
