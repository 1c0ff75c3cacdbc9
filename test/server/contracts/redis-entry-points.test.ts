/**
 * Payload contracts and the PII guard on the Redis engine's own entry points: the ingest stream (a refused entry goes
 * to `<key>:dead` with reason `schema` or `pii`, its personal data redacted) and raw `PUBLISH` (a refused payload is
 * dropped with one warn line naming the topic and the reason, and counted), plus `fanout()` with Redis. Real Redis:
 * REDIS_URL, else 127.0.0.1:6379, else a throwaway `redis-server`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as v from 'valibot';
import { createClient } from 'redis';
import { z } from 'zod';
import { PayloadRefused } from '../../../server/contracts/admission.js';
import type { RedisClient } from '../../../server/engines/redis/clients.js';
import type { PublishResult } from '../../../server/engines/engine.js';
import { createGateway, type Gateway } from '../../../server/gateway.js';
import { createLogger } from '../../../server/ops/log.js';
import { deleteKeys, reachableRedis, type RedisServer } from '../../helpers/redis-server.js';
import { eventually } from '../../helpers/until.js';
import { get, NO_RATE_LIMITS, SECRET as TICKET_SECRET, subscribed, type TestClient } from '../helpers.js';

const SECRET = 'jane.secret@example.com';
const SECRET_PATTERN = /jane|secret|example\.com/;

let REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let ownRedis: RedisServer | undefined;

describe('payload contracts and the PII guard on the Redis engine', () => {
  const prefix = `rt-test-contracts-${randomBytes(4).toString('hex')}:`;
  const topics = {
    schema: `k${randomBytes(3).toString('hex')}.schema`,
    refuse: `k${randomBytes(3).toString('hex')}.pii`,
  };
  const lines: string[] = [];
  let gw: Gateway<Promise<PublishResult>>;
  let redis: RedisClient;

  before(async () => {
    ({ url: REDIS_URL, own: ownRedis } = await reachableRedis(REDIS_URL));
    const keep = (line: string) => lines.push(line);
    gw = await createGateway({
      secret: TICKET_SECRET,
      port: 0,
      logger: createLogger('info', { error: keep, warn: keep, info: keep, debug: keep }),
      rateLimits: NO_RATE_LIMITS,
      redis: { url: REDIS_URL, prefix, leaseMs: 600, maxReconnectDelayMs: 200, connectTimeoutMs: 2000 },
      topics: {
        [topics.schema]: { scopes: [], schema: v.object({ n: v.number() }), pii: 'redact' },
        [topics.refuse]: { scopes: [], schema: z.object({ n: z.number() }).passthrough(), pii: 'refuse' },
      },
    });
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
  });

  after(async () => {
    await gw?.close();
    if (redis) {
      await deleteKeys(redis, prefix);
      await redis.close();
    }
    await ownRedis?.dispose();
  });

  /** A subscriber of `topic` that has taken the latest message a subscription starts with, if there is one. */
  async function subscriber(topic: string): Promise<TestClient> {
    const ws = await subscribed(gw, [], topic);
    if ((await redis.exists(`${prefix}{${topic}}:hist`)) > 0) await ws.next('msg');
    return ws;
  }

  /** The dead stream's entries as field maps. */
  async function dead(): Promise<Record<string, string>[]> {
    const reply = (await redis.sendCommand(['XRANGE', `${prefix}ingest:dead`, '-', '+'])) as [string, string[]][];
    return reply.map(([, fields]) =>
      Object.fromEntries(fields.flatMap((f, i) => (i % 2 ? [] : [[f, fields[i + 1] ?? '']]))),
    );
  }

  it('moves stream entries the schema or the PII policy refuses to the dead stream, redacted; subscribers never see them', async () => {
    const schemaWs = await subscriber(topics.schema);
    const refuseWs = await subscriber(topics.refuse);
    const stream = `${prefix}ingest`;
    const add = (topic: string, data: unknown) =>
      redis.sendCommand(['XADD', stream, '*', 'topic', topic, 'data', JSON.stringify(data)]);
    await add(topics.schema, { n: SECRET });
    await add(topics.refuse, { n: 1, contact: SECRET });
    await add(topics.schema, { n: 2, note: `write to ${SECRET}` });
    await add(topics.refuse, { n: 3 });
    assert.deepEqual((await schemaWs.next('msg')).data, { n: 2, note: 'write to [redacted:email]' });
    assert.deepEqual((await refuseWs.next('msg')).data, { n: 3 });
    await eventually(async () => (await dead()).length === 2, { what: 'two dead entries' });
    assert.deepEqual(
      (await dead())
        .map(({ topic, data, reason }) => ({ topic, data: JSON.parse(data as string) as unknown, reason }))
        .sort((a, b) => String(b.reason).localeCompare(String(a.reason))), // topics are read side by side
      [
        { topic: topics.schema, data: { n: '[redacted:email]' }, reason: 'schema' },
        { topic: topics.refuse, data: { n: 1, contact: '[redacted:email]' }, reason: 'pii' },
      ],
    );
    await Promise.all([schemaWs.close(), refuseWs.close()]);
  });

  it('drops a raw PUBLISH the topic refuses with one warn line naming the topic and reason, and counts it', async () => {
    const ws = await subscriber(topics.refuse);
    await eventually(async () => ((await redis.pubSubNumSub(topics.refuse))[topics.refuse] ?? 0) >= 1, {
      what: 'the gateway ingests raw PUBLISH',
    });
    await redis.publish(topics.refuse, JSON.stringify({ n: 'nan' }));
    await redis.publish(topics.refuse, JSON.stringify({ n: 4, contact: SECRET }));
    await redis.publish(topics.refuse, JSON.stringify({ n: 5 }));
    assert.deepEqual((await ws.next('msg')).data, { n: 5 }, 'the refused ones never arrived');
    const warned = lines.filter((l) => l.includes('raw PUBLISH refused'));
    assert.deepEqual(warned, [
      `[RT Redis] ${topics.refuse}: raw PUBLISH refused, dropped { reason: 'schema' }`,
      `[RT Redis] ${topics.refuse}: raw PUBLISH refused, dropped { reason: 'pii' }`,
    ]);
    await ws.close();
  });

  it('refuses fanout() on Redis too, and keeps content out of /metrics and the logs', async () => {
    assert.throws(() => gw.fanout(topics.refuse, { n: 6, contact: SECRET }), PayloadRefused);
    const metrics = (await get(`${gw.url}/metrics`)).body;
    for (const [topic, source, reason] of [
      [topics.schema, 'stream', 'schema'],
      [topics.refuse, 'stream', 'pii'],
      [topics.refuse, 'redis', 'schema'],
      [topics.refuse, 'redis', 'pii'],
      [topics.refuse, 'fanout', 'pii'],
    ]) {
      const line = `rt_payload_refusals_total{topic="${topic}",source="${source}",reason="${reason}"} 1`;
      assert.ok(metrics.includes(line), line);
    }
    assert.ok(metrics.includes(`rt_pii_findings_total{topic="${topics.schema}",kind="email",action="redacted"} 1`));
    assert.match(metrics, /rt_publish_refusals_total\{source="stream",key="stream",reason="pii"\} 1/);
    assert.doesNotMatch(metrics, SECRET_PATTERN);
    assert.doesNotMatch(lines.join('\n'), SECRET_PATTERN);
  });
});
