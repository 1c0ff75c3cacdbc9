/**
 * The nonce store shared by every gateway: `SET <prefix>nonce:<nonce> 1 NX PXAT <expiry>`. A ticket used on
 * one gateway is refused on all. When Redis cannot be reached the command fails at once (no offline queue) and
 * the connection is refused as unavailable (1013 / 503): never accepted without replay protection.
 */
import { TICKET_WINDOW_S } from '../../../src/protocol/index.js';
import type { NonceStore } from '../../admission/nonce-store.js';
import type { RedisLink } from './link.js';

/** What the store asks of the engine about Redis outages (see `RedisEngine.ticketsNotBefore`). */
export interface ReplayFence {
  /** Tickets issued before this time (ms) count as replays: Redis came back without some recent writes. */
  readonly ticketsNotBefore: number;
  /** Resolves once the check after an outage is done, so no claim slips in before the fence is known. */
  settled(): Promise<void>;
  /** A nonce was claimed (the engine keeps evidence that Redis holds it). */
  claimed(): void;
}

/** Nonces in Redis, expiring with their tickets. */
export class RedisNonceStore implements NonceStore {
  constructor(
    private readonly link: () => RedisLink,
    private readonly prefix = 'rt:',
    private readonly fence?: ReplayFence,
  ) {}

  async claim(nonce: string, expiresAtMs: number): Promise<boolean> {
    await this.fence?.settled();
    // The ticket's ts, in ms, from the expiry the verifier derived from it.
    const issuedAtMs = expiresAtMs - (TICKET_WINDOW_S + 1) * 1000;
    if (issuedAtMs < (this.fence?.ticketsNotBefore ?? 0) - 1000) return false;
    const key = `${this.prefix}nonce:${nonce}`;
    const reply = await this.link().command(key, ['SET', key, '1', 'NX', 'PXAT', String(expiresAtMs)]);
    if (reply === 'OK') this.fence?.claimed();
    return reply === 'OK';
  }

  /** The connection belongs to the engine, which closes it. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
