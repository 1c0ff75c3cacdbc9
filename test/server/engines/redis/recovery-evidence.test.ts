/**
 * The evidence a gateway keeps per topic to check Redis against after an outage is the last seq it delivered and a
 * digest of that entry, not the entry (no payload outlives its topic's keys in a gateway's memory). The check still
 * tells an intact history (the topic goes on) from one whose entry at that seq is no longer the one delivered (the
 * topic resets in-band, with a new epoch). Real Redis: REDIS_URL, else 127.0.0.1:6379, else a throwaway
 * `redis-server`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import type { RedisClient } from '../../../../server/engines/redis/clients.js';
import type { RedisEngine } from '../../../../server/engines/redis/engine.js';
import { createGateway, type Gateway } from '../../../../server/gateway.js';
import { silentLogger } from '../../../../server/ops/log.js';
import { deleteKeys, reachableRedis, type RedisServer } from '../../../helpers/redis-server.js';
import { eventually } from '../../../helpers/until.js';
import { NO_RATE_LIMITS, SECRET, subscribed } from '../../helpers.js';
import { TcpProxy } from '../../tcp-proxy.js';
import type { RedisGateway } from './viewers.js';

let REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let ownRedis: RedisServer | undefined;

describe('recovery evidence after an outage', () => {
  let redis: RedisClient;
  before(async () => {
    ({ url: REDIS_URL, own: ownRedis } = await reachableRedis(REDIS_URL));
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
  });
  after(async () => {
    await redis?.close();
    await ownRedis?.dispose();
  });

  it('goes on when the history holds the delivered entry unchanged, and resets when that seq holds another', async () => {
    const proxy = await TcpProxy.start(Number(new URL(REDIS_URL).port || 6379));
    const prefix = `rt-test-evidence-${randomBytes(4).toString('hex')}:`;
    const topic = `t${randomBytes(3).toString('hex')}.feed`;
    const start = (url: string) =>
      createGateway({
        secret: SECRET,
        port: 0,
        logger: silentLogger,
        rateLimits: NO_RATE_LIMITS,
        redis: { url, prefix, rawPublish: false, stream: false, maxReconnectDelayMs: 100, connectTimeoutMs: 2000 },
        topics: { [topic]: { scopes: [] } },
      });
    const gateways: RedisGateway[] = [];
    try {
      gateways.push(await start(REDIS_URL), await start(`redis://127.0.0.1:${proxy.port}`));
      const [a, b] = gateways as [RedisGateway, RedisGateway];
      const engine = b.context.engine as RedisEngine;
      const client = await subscribed(b as unknown as Gateway, [], topic);
      const ok = await a.fanout(topic, { n: 1 });
      assert.equal((await client.next('msg')).seq, ok.seq);

      /** Cuts B off Redis, runs `meanwhile`, and waits until B checked its topics after coming back. */
      const outage = async (meanwhile: () => Promise<unknown>) => {
        const { continued, reset } = engine.status().recovered;
        proxy.cut();
        await eventually(() => !engine.health().ok, { what: 'B notices the outage' });
        await meanwhile();
        proxy.restore();
        await eventually(
          () => {
            const now = engine.status().recovered;
            return now.continued + now.reset > continued + reset;
          },
          { tries: 1000, what: 'B checked its topic' },
        );
      };

      await outage(() => a.fanout(topic, { n: 2 }));
      assert.deepEqual(engine.status().recovered, { continued: 1, reset: 0 }, 'intact history: goes on');
      assert.deepEqual([(await client.next('msg')).data], [{ n: 2 }], 'what was missed, from history');

      const hist = `${prefix}{${topic}}:hist`;
      const [entry] = await redis.lRange(hist, -1, -1);
      const rewritten = (entry as string).replace('{"n":2}', '{"n":"other"}');
      assert.notEqual(rewritten, entry);
      const epoch = await redis.hGet(`${prefix}{${topic}}:meta`, 'epoch');
      await outage(() => redis.lSet(hist, -1, rewritten)); // same seq, another entry: the history went back
      assert.deepEqual(engine.status().recovered, { continued: 1, reset: 1 }, 'changed entry: reset');
      const reset = await client.next('reset');
      assert.notEqual(reset.epoch, epoch, 'a reset, in-band, with a new epoch');
      await client.close();
    } finally {
      await Promise.all(gateways.map((gw) => gw.close()));
      await proxy.close();
      await deleteKeys(redis, prefix);
    }
  });
});
