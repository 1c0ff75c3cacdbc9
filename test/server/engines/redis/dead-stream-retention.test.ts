/**
 * Retention of the ingest stream's dead letters (`<key>:dead`): a refused entry keeps its (redacted) payload there
 * no longer than the topics' history (`historyTtlMs`, RT_HISTORY_TTL). Entries older than that are trimmed at each
 * write, and the key expires that long after its last write; with `historyTtlMs: 0` only the count bounds it. Real
 * Redis: REDIS_URL, else 127.0.0.1:6379, else a throwaway `redis-server`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import type { RedisClient } from '../../../../server/engines/redis/clients.js';
import { createGateway } from '../../../../server/gateway.js';
import { silentLogger } from '../../../../server/ops/log.js';
import { deleteKeys, reachableRedis, type RedisServer } from '../../../helpers/redis-server.js';
import { eventually } from '../../../helpers/until.js';
import { NO_RATE_LIMITS, SECRET } from '../../helpers.js';
import type { RedisGateway } from './viewers.js';

let REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let ownRedis: RedisServer | undefined;
const MINUTE = 60_000;
const TOPIC = 'dead.alpha';

describe('the dead stream of the ingest stream', () => {
  let redis: RedisClient;
  const prefixes: string[] = [];
  const gateways: RedisGateway[] = [];

  before(async () => {
    ({ url: REDIS_URL, own: ownRedis } = await reachableRedis(REDIS_URL));
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
  });

  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gw) => gw.close()));
    for (const prefix of prefixes.splice(0)) await deleteKeys(redis, prefix);
  });

  after(async () => {
    await redis?.close();
    await ownRedis?.dispose();
  });

  /** A gateway reading `<prefix>ingest` with `historyTtlMs`; resolves with the stream's key. */
  async function start(historyTtlMs: number): Promise<string> {
    const prefix = `rt-test-dead-${randomBytes(4).toString('hex')}:`;
    prefixes.push(prefix);
    gateways.push(
      await createGateway({
        secret: SECRET,
        port: 0,
        logger: silentLogger,
        rateLimits: NO_RATE_LIMITS,
        historyTtlMs,
        topics: { [TOPIC]: { scopes: [] } },
        redis: { url: REDIS_URL, prefix, rawPublish: false, leaseMs: 600 },
      }),
    );
    return `${prefix}ingest`;
  }

  /** Puts an entry in the dead stream as if refused `ageMs` ago (by Redis's clock, as its ids are). */
  async function deadEntryAged(dead: string, ageMs: number): Promise<string> {
    const [seconds, micros] = (await redis.sendCommand(['TIME'])) as [string, string];
    const ms = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - ageMs;
    return String(await redis.sendCommand(['XADD', dead, `${ms}-0`, 'topic', TOPIC, 'data', '{}', 'reason', 'old']));
  }

  /** `XADD`s an entry the gateway refuses (not JSON), and resolves once it reached the dead stream. */
  async function refuse(key: string, count: number): Promise<void> {
    await redis.sendCommand(['XADD', key, '*', 'topic', TOPIC, 'data', `{"n": ${count}, oops`]);
    await eventually(
      async () => {
        const entries = (await redis.sendCommand(['XRANGE', `${key}:dead`, '-', '+'])) as [string, string[]][];
        return entries.filter(([, fields]) => fields.includes('not_json')).length === count;
      },
      { what: `${count} refused entries in the dead stream` },
    );
  }

  const ids = async (dead: string) =>
    ((await redis.sendCommand(['XRANGE', dead, '-', '+'])) as [string, string[]][]).map(([id]) => id);

  it('trims entries older than historyTtlMs at each write, and expires the key that long after its last write', async () => {
    const key = await start(10 * MINUTE);
    const dead = `${key}:dead`;
    const old = await deadEntryAged(dead, 10 * MINUTE + 1000);
    const young = await deadEntryAged(dead, 5 * MINUTE);
    await refuse(key, 1);
    const kept = await ids(dead);
    assert.equal(kept.length, 2);
    assert.ok(!kept.includes(old), 'the entry older than the retention was trimmed');
    assert.equal(kept[0], young, 'the one within it was kept');
    const ttl = await redis.pTTL(dead);
    assert.ok(ttl > 9 * MINUTE && ttl <= 10 * MINUTE, `the key expires with the retention: ${ttl} ms`);
  });

  it('with a short retention, the dead stream is gone once it passed without a refusal', async () => {
    const key = await start(1000);
    const dead = `${key}:dead`;
    await refuse(key, 1);
    const ttl = await redis.pTTL(dead);
    assert.ok(ttl !== -1 && ttl <= 1000, `an expiry of at most the retention (-2: passed already): ${ttl} ms`);
    await eventually(async () => (await redis.exists(dead)) === 0, {
      tries: 200,
      intervalMs: 25,
      what: 'the dead stream expired',
    });
  });

  it('keeps dead entries of any age with historyTtlMs 0, bounded only by count', async () => {
    const key = await start(0);
    const dead = `${key}:dead`;
    const old = await deadEntryAged(dead, 365 * 24 * 60 * MINUTE);
    await refuse(key, 1);
    assert.equal((await ids(dead))[0], old);
    assert.equal(await redis.pTTL(dead), -1, 'no expiry');
  });
});
