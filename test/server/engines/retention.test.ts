/**
 * Retention (`historyTtlMs`, RT_HISTORY_TTL): a topic's history and latest message are forgotten once the topic
 * has been idle that long, in memory and in Redis, and subscribers still connected learn it in-band (`reset`)
 * rather than wait for a seq that is gone.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import type { PublishResult } from '../../../server/engines/engine.js';
import { createGateway, type Gateway } from '../../../server/gateway.js';
import { silentLogger } from '../../../server/ops/log.js';
import { FakeClock, NO_RATE_LIMITS, SECRET, TestClient, signedQuery, startGateway, wsUrl } from '../helpers.js';
import { deleteKeys, reachableRedis, type RedisServer } from '../../helpers/redis-server.js';

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

/** Subscribes a new connection to `topic`, with a ticket signed at the gateway's time. */
async function subscribe(
  gw: Pick<Gateway, 'url'>,
  topic: string,
  resume: { since?: number; epoch?: string } = {},
  clock?: FakeClock,
) {
  const client = new TestClient(wsUrl(gw, signedQuery(['ops.admin'], clock ? { nowMs: clock.now() } : {})));
  await client.next('hello');
  client.send({ type: 'sub', topic, ...resume });
  const ok = await client.next('sub.ok');
  return { client, ok };
}

describe('retention in memory', () => {
  it('forgets a topic idle for the retention time: a new subscriber gets nothing, a resume gets reset', async () => {
    const clock = new FakeClock();
    const gw = await startGateway({ clock, historyTtlMs: 90 * DAY });
    try {
      gw.fanout('kpis.s2', { crash_free: 99 });
      clock.advance(90 * DAY - 1);
      const kept = await subscribe(gw, 'kpis.s2', {}, clock);
      assert.equal(kept.ok.seq, 1);
      assert.deepEqual((await kept.client.next('msg')).data, { crash_free: 99 }, 'a day short: still there');
      await kept.client.close();

      clock.advance(1);
      const fresh = await subscribe(gw, 'kpis.s2', {}, clock);
      assert.equal(fresh.ok.seq, 0, 'forgotten');
      assert.notEqual(fresh.ok.epoch, kept.ok.epoch, 'a new epoch');
      fresh.client.send({ type: 'ping' });
      assert.equal((await fresh.client.next()).type, 'pong', 'no latest message came first');
      await fresh.client.close();

      const resumed = await subscribe(gw, 'kpis.s2', { since: 1, epoch: kept.ok.epoch }, clock);
      assert.equal((await resumed.client.next()).type, 'reset');
      await resumed.client.close();
    } finally {
      await gw.close();
    }
  });

  it('resets subscribers still connected when the hourly sweep forgets their topic, and goes on at seq 1', async () => {
    const clock = new FakeClock();
    const gw = await startGateway({ clock, historyTtlMs: 2 * HOUR });
    try {
      const { client, ok } = await subscribe(gw, 'kpis.s2');
      gw.fanout('kpis.s2', { n: 1 });
      assert.equal((await client.next('msg')).seq, 1);
      clock.advance(HOUR);
      clock.runIntervals(HOUR);
      client.send({ type: 'ping' });
      assert.equal((await client.next()).type, 'pong', 'within retention: nothing happens');
      clock.advance(HOUR);
      clock.runIntervals(HOUR);
      const reset = await client.next('reset');
      assert.notEqual(reset.epoch, ok.epoch);
      gw.fanout('kpis.s2', { n: 2 });
      const next = await client.next('msg');
      assert.deepEqual([next.seq, next.data], [1, { n: 2 }], 'the new epoch starts at 1, and the client takes it');
      await client.close();
    } finally {
      await gw.close();
    }
  });

  it('keeps history for ever with historyTtlMs 0, and refuses a negative one', async () => {
    const clock = new FakeClock();
    const gw = await startGateway({ clock, historyTtlMs: 0 });
    try {
      gw.fanout('kpis.s2', { n: 1 });
      clock.advance(3650 * DAY);
      clock.runIntervals(HOUR);
      const { client, ok } = await subscribe(gw, 'kpis.s2', {}, clock);
      assert.equal(ok.seq, 1);
      await client.close();
    } finally {
      await gw.close();
    }
    await assert.rejects(startGateway({ historyTtlMs: -1 }), RangeError);
  });
});

describe('retention in Redis', () => {
  let url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  let own: RedisServer | undefined;
  before(async () => ({ url, own } = await reachableRedis(url)));
  after(() => own?.dispose());

  it('sets the expiry on each publish; when the keys expire, subscribers on every gateway get reset, then seq 1', async () => {
    const prefix = `rt-test-${randomBytes(4).toString('hex')}:`;
    const topic = 'kpis.s2';
    const gateways: Gateway<Promise<PublishResult>>[] = [];
    const redis = createClient({ url });
    await redis.connect();
    const clients: TestClient[] = [];
    try {
      for (let i = 0; i < 2; i++)
        gateways.push(
          await createGateway({
            secret: SECRET,
            port: 0,
            logger: silentLogger,
            rateLimits: NO_RATE_LIMITS,
            historyTtlMs: 90 * DAY,
            redis: { url, prefix, rawPublish: false, stream: false },
          }),
        );
      const [a, b] = gateways as [Gateway<Promise<PublishResult>>, Gateway<Promise<PublishResult>>];
      const onA = await subscribe(a, topic);
      const onB = await subscribe(b, topic);
      clients.push(onA.client, onB.client);
      await a.publish(topic, { n: 1 });
      await a.publish(topic, { n: 2 });
      for (const { client } of [onA, onB]) assert.equal((await client.next('msg')).seq, 1);
      for (const { client } of [onA, onB]) assert.equal((await client.next('msg')).seq, 2);

      const keys = [`${prefix}{${topic}}:meta`, `${prefix}{${topic}}:hist`];
      for (const key of keys) {
        const ttl = await redis.pTTL(key);
        assert.ok(ttl > 89 * DAY && ttl <= 90 * DAY, `${key} expires in 90 days: ${ttl} ms`);
      }
      await redis.del(keys); // what Redis does when they expire

      const published = await b.publish(topic, { n: 3 });
      assert.equal(published.seq, 1, 'a new epoch begins');
      for (const { client, ok } of [onA, onB]) {
        const reset = await client.next('reset');
        assert.notEqual(reset.epoch, ok.epoch);
        const msg = await client.next('msg');
        assert.deepEqual([msg.seq, msg.data], [1, { n: 3 }], 'nothing dropped as "already delivered"');
      }
      await b.publish(topic, { n: 4 });
      for (const { client } of [onA, onB]) assert.equal((await client.next('msg')).seq, 2);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await Promise.all(gateways.map((gw) => gw.close()));
      await deleteKeys(redis, prefix);
      await redis.close();
    }
  });
});
