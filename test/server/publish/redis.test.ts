/**
 * The publish API on three gateways sharing a real Redis of the test's own: a publish through any gateway reaches
 * the subscribers of every gateway, a retry sent to two gateways at the same moment is published once (the
 * idempotency check and the sequencing are one Lua call), a nonce works once across the cluster, and nothing is
 * accepted that cannot be sequenced.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServerFrame } from '../../../src/protocol/index.js';
import { createGateway } from '../../../server/gateway.js';
import { silentLogger } from '../../../server/ops/log.js';
import { RedisServer } from '../../helpers/redis-server.js';
import { NO_RATE_LIMITS, SECRET, SseReader, signedQuery, sseUrl, subscribed, type TestClient } from '../helpers.js';
import type { RedisGateway } from '../engines/redis/viewers.js';
import { KEYS, publishRequest } from './publish-request.js';
import { eventually } from '../../helpers/until.js';

const PAIRS = 60;

/** Reads `msg` frames of kpis.s2 until `stop` is seen; returns their data, in order. */
async function messagesUntil(client: TestClient, stop: string): Promise<unknown[]> {
  const seen: unknown[] = [];
  for (;;) {
    const frame: ServerFrame = await client.next('msg');
    if (frame.type === 'msg' && frame.data === stop) return seen;
    if (frame.type === 'msg') seen.push(frame.data);
  }
}

describe('the publish API on three gateways sharing Redis', () => {
  let redis: RedisServer;
  const gateways: RedisGateway[] = [];

  before(async () => {
    redis = await RedisServer.start();
    for (let i = 0; i < 3; i++) {
      gateways.push(
        await createGateway({
          secret: SECRET,
          port: 0,
          logger: silentLogger,
          rateLimits: NO_RATE_LIMITS,
          publishKeys: [{ ...KEYS.all, rate: { burst: 10_000, perSecond: 10_000 } }, KEYS.bearer],
          redis: { url: redis.url, maxReconnectDelayMs: 100, connectTimeoutMs: 2000 },
        }),
      );
    }
  });
  after(async () => {
    await Promise.all(gateways.map((gw) => gw.close()));
    await redis.dispose();
  });

  it('signed and bearer publishes through one gateway reach WebSocket and SSE subscribers of every gateway', async () => {
    const [a, b, c] = gateways as [RedisGateway, RedisGateway, RedisGateway];
    const onB = await subscribed(b, ['ops.admin'], 'kpis.s2');
    const sseOnC = new SseReader(sseUrl(c, `${signedQuery(['ops.admin'])}&topics=kpis.s2`));
    await sseOnC.waitFor(2);
    const signed = await publishRequest(a.url, { topic: 'kpis.s2', data: 'signed' });
    const bearer = await publishRequest(
      a.url,
      { topic: 'kpis.s2', data: 'bearer' },
      { key: KEYS.bearer, bearer: true },
    );
    assert.deepEqual([signed.status, bearer.status], [200, 200]);
    assert.equal(bearer.body['seq'], (signed.body['seq'] as number) + 1);
    assert.deepEqual([(await onB.next('msg')).data, (await onB.next('msg')).data], ['signed', 'bearer']);
    await sseOnC.waitFor(4);
    assert.deepEqual(
      sseOnC.events.slice(2).map((e) => e.data.type === 'msg' && e.data.data),
      ['signed', 'bearer'],
    );
    sseOnC.close();
    await onB.close();
  });

  it(`publishes once each of ${PAIRS} retries sent to two gateways at the same moment`, async () => {
    const [a, b, c] = gateways as [RedisGateway, RedisGateway, RedisGateway];
    const watchers = [await subscribed(a, ['ops.admin'], 'kpis.s2'), await subscribed(c, ['ops.admin'], 'kpis.s2')];
    const receipts = await Promise.all(
      Array.from({ length: PAIRS }, (_, i) => {
        const message = { topic: 'kpis.s2', data: `pair-${i}`, id: `retry-${i}` };
        return Promise.all([publishRequest(a.url, message), publishRequest(b.url, message)]);
      }),
    );
    for (const [first, second] of receipts) {
      assert.deepEqual([first.status, second.status], [200, 200]);
      assert.equal(first.body['seq'], second.body['seq'], 'both answers name the one publish');
      assert.equal(first.body['epoch'], second.body['epoch']);
      assert.equal([first.body['duplicate'], second.body['duplicate']].filter((d) => d === true).length, 1);
    }
    await publishRequest(a.url, { topic: 'kpis.s2', data: 'end' });
    for (const watcher of watchers) {
      // Each watcher may start with the latest message of the previous test.
      const seen = (await messagesUntil(watcher, 'end')).filter((d) => String(d).startsWith('pair-'));
      assert.equal(seen.length, PAIRS, 'every pair delivered');
      assert.equal(new Set(seen).size, PAIRS, 'and none twice');
      await watcher.close();
    }
  });

  it('a nonce works once across the cluster: the same signed request to another gateway is a replay', async () => {
    const [a, b] = gateways as [RedisGateway, RedisGateway];
    const options = { nonce: 'cluster-nonce-0123456789', nowMs: Date.now() };
    assert.equal((await publishRequest(a.url, { topic: 'kpis.s2', data: 1 }, options)).status, 200);
    const replay = await publishRequest(b.url, { topic: 'kpis.s2', data: 1 }, options);
    assert.deepEqual([replay.status, replay.body['reason']], [401, 'replay']);
  });

  it('answers 503 while Redis is away and publishes nothing; works again once it is back', async () => {
    const [a] = gateways as [RedisGateway];
    const before = await publishRequest(a.url, { topic: 'ab.status', data: 'before' });
    await redis.kill();
    const away = await publishRequest(a.url, { topic: 'ab.status', data: 'lost?', id: 'while-away' });
    assert.deepEqual([away.status, away.body['error']], [503, 'unavailable']);
    await redis.restart();
    let back = away;
    const retry = async () =>
      (back = await publishRequest(a.url, { topic: 'ab.status', data: 'after', id: 'while-away' })).status === 200;
    // As a backend would: retry while 503 (the gateway reconnects on its own schedule).
    await eventually(retry, { tries: 400, intervalMs: 25, what: 'a publish after Redis came back' });
    assert.equal(back.body['duplicate'], false, 'the refused message was not published');
    assert.ok(before.status === 200);
  });
});
