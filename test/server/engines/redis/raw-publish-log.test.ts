/**
 * A raw `PUBLISH` the topic refuses (schema, PII policy) or that is not JSON is dropped with a warn line, written at
 * most once per topic and reason per minute of the gateway's clock: a misbehaving publisher must not flood the
 * log. The line after a quiet spell tells how many drops went unlogged; the metrics count every one. Real Redis:
 * REDIS_URL, else 127.0.0.1:6379, else a throwaway `redis-server`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { z } from 'zod';
import type { RedisClient } from '../../../../server/engines/redis/clients.js';
import { RAW_DROP_LOG_EVERY_MS } from '../../../../server/engines/redis/engine.js';
import type { PublishResult } from '../../../../server/engines/engine.js';
import { createGateway, type Gateway } from '../../../../server/gateway.js';
import { createLogger } from '../../../../server/ops/log.js';
import { deleteKeys, reachableRedis, type RedisServer } from '../../../helpers/redis-server.js';
import { eventually } from '../../../helpers/until.js';
import { FakeClock, get, NO_RATE_LIMITS, SECRET, subscribed, type TestClient } from '../../helpers.js';

let REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let ownRedis: RedisServer | undefined;

describe('raw PUBLISH drops in the log', () => {
  const prefix = `rt-test-rawlog-${randomBytes(4).toString('hex')}:`;
  const topics = { a: 'raw.alpha', b: 'raw.beta' } as const;
  /** Raw channels of their own, so no other test's PUBLISH reaches this gateway. */
  const channel = (topic: string) => `${prefix}${topic}`;
  const clock = new FakeClock();
  const lines: string[] = [];
  let gw: Gateway<Promise<PublishResult>>;
  let redis: RedisClient;
  let subscribers: Record<keyof typeof topics, TestClient>;

  before(async () => {
    ({ url: REDIS_URL, own: ownRedis } = await reachableRedis(REDIS_URL));
    const keep = (line: string) => lines.push(line);
    const schema = z.object({ n: z.number() }).passthrough();
    gw = await createGateway({
      secret: SECRET,
      port: 0,
      clock,
      logger: createLogger('warn', { error: keep, warn: keep, info: keep, debug: keep }),
      rateLimits: NO_RATE_LIMITS,
      redis: { url: REDIS_URL, prefix, leaseMs: 600, stream: false, rawChannel: channel },
      topics: { [topics.a]: { scopes: [], schema, pii: 'refuse' }, [topics.b]: { scopes: [], schema } },
    });
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
    subscribers = { a: await subscribed(gw, [], topics.a), b: await subscribed(gw, [], topics.b) };
    for (const topic of Object.values(topics)) {
      await eventually(async () => ((await redis.pubSubNumSub(channel(topic)))[channel(topic)] ?? 0) >= 1, {
        what: `the gateway ingests raw PUBLISH on ${topic}`,
      });
    }
  });

  after(async () => {
    await Promise.all(Object.values(subscribers ?? {}).map((ws) => ws.close()));
    await gw?.close();
    if (redis) {
      await deleteKeys(redis, prefix);
      await redis.close();
    }
    await ownRedis?.dispose();
  });

  /** PUBLISHes `payloads` on `topic`'s raw channel, then a valid one, and waits for that one: the rest were handled. */
  async function publish(key: keyof typeof topics, payloads: string[], n: number): Promise<void> {
    for (const payload of payloads) await redis.publish(channel(topics[key]), payload);
    await redis.publish(channel(topics[key]), JSON.stringify({ n }));
    assert.deepEqual((await subscribers[key].next('msg')).data, { n }, 'the dropped ones never arrived');
  }

  const drops = () => lines.filter((l) => l.includes('raw PUBLISH'));
  const schemaRefused = JSON.stringify({ n: 'nan' });
  const piiRefused = JSON.stringify({ n: 0, contact: 'jane.doe@example.com' });

  it('logs the first drop per topic and reason, and only counts the rest within the minute', async () => {
    await publish('a', [schemaRefused, schemaRefused, schemaRefused, piiRefused, piiRefused, '{oops', '{oops'], 1);
    await publish('b', [schemaRefused, schemaRefused], 1);
    assert.deepEqual(drops(), [
      `[RT Redis] ${topics.a}: raw PUBLISH refused, dropped { reason: 'schema' }`,
      `[RT Redis] ${topics.a}: raw PUBLISH refused, dropped { reason: 'pii' }`,
      `[RT Redis] ${topics.a}: raw PUBLISH is not JSON, ignored`,
      `[RT Redis] ${topics.b}: raw PUBLISH refused, dropped { reason: 'schema' }`,
    ]);

    clock.advance(RAW_DROP_LOG_EVERY_MS - 1);
    await publish('a', [schemaRefused], 2);
    assert.equal(drops().length, 4, 'still within the minute: nothing more in the log');

    const metrics = (await get(`${gw.url}/metrics`)).body;
    for (const [topic, reason, count] of [
      [topics.a, 'schema', 4],
      [topics.a, 'pii', 2],
      [topics.b, 'schema', 2],
    ] as const) {
      const line = `rt_payload_refusals_total{topic="${topic}",source="redis",reason="${reason}"} ${count}`;
      assert.ok(metrics.includes(line), `every drop counted, logged or not: ${line}`);
    }
    assert.doesNotMatch(lines.join('\n'), /jane|example\.com/);
  });

  it('logs again once the minute is over, with how many drops went unlogged since the last line', async () => {
    lines.length = 0;
    clock.advance(1);
    await publish('a', [schemaRefused, schemaRefused, '{oops'], 3);
    assert.deepEqual(drops(), [
      `[RT Redis] ${topics.a}: raw PUBLISH refused, dropped { reason: 'schema', suppressed: 3 }`,
      `[RT Redis] ${topics.a}: raw PUBLISH is not JSON, ignored { suppressed: 1 }`,
    ]);
    lines.length = 0;
    clock.advance(RAW_DROP_LOG_EVERY_MS);
    await publish('a', [schemaRefused], 4);
    assert.deepEqual(
      drops(),
      [`[RT Redis] ${topics.a}: raw PUBLISH refused, dropped { reason: 'schema', suppressed: 1 }`],
      'the second of the previous minute was counted',
    );
    lines.length = 0;
    clock.advance(RAW_DROP_LOG_EVERY_MS);
    await publish('a', [schemaRefused], 5);
    assert.deepEqual(drops(), [`[RT Redis] ${topics.a}: raw PUBLISH refused, dropped { reason: 'schema' }`]);
  });
});
