/**
 * The nonce store shared by every gateway: `SET <prefix>nonce:<nonce> 1 NX PXAT <expiry>`. A ticket used on
 * one gateway is refused on all. When Redis cannot be reached the command fails at once (no offline queue) and
 * the connection is refused as unavailable (1013 / 503): never accepted without replay protection.
 */
import { TICKET_WINDOW_S } from '../../../src/protocol/index.js';
import type { NonceStore } from '../../admission/nonce-store.js';
import type { RedisClient } from './clients.js';

/** Nonces in Redis, expiring with their tickets. */
export class RedisNonceStore implements NonceStore {
  /**
   * @param notBefore tickets issued before this time (ms) count as replays: Redis restarted and may have lost
   * their nonces (see `RedisEngine.ticketsNotBefore`)
   */
  constructor(
    private readonly client: () => RedisClient,
    private readonly prefix = 'rt:',
    private readonly notBefore: () => number = () => 0,
  ) {}

  async claim(nonce: string, expiresAtMs: number): Promise<boolean> {
    // The ticket's ts, in ms, from the expiry the verifier derived from it.
    const issuedAtMs = expiresAtMs - (TICKET_WINDOW_S + 1) * 1000;
    if (issuedAtMs < this.notBefore() - 1000) return false;
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
