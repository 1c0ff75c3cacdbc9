import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestClient, get, signedQuery, startGateway, subscribed, wsUrl } from '../helpers.js';

describe('observability', () => {
  it('exposes connections, subscribers, messages, fanout latency and refusals in Prometheus format', async () => {
    const gw = await startGateway();
    try {
      const client = await subscribed(gw, ['ops.admin'], 'kpis.s2');
      gw.fanout('kpis.s2', { crash_free: 99 });
      await client.next('msg');
      await new TestClient(wsUrl(gw, signedQuery([], { secret: 'wrong' }))).closed;
      client.send({ type: 'sub', topic: 'economy.patch' });
      await client.next('sub.err');
      const res = await get(`${gw.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /text\/plain/);
      for (const line of [
        /rt_connections\{transport="websocket"\} 1/,
        /rt_subscribers\{topic="kpis.s2"\} 1/,
        /rt_messages_sent_total 1/,
        /rt_messages_dropped_total 0/,
        /rt_fanout_duration_seconds_count 1/,
        /rt_refusals_total\{reason="bad_sig",transport="websocket"\} 1/,
        /rt_subscribe_refusals_total\{code="forbidden"\} 1/,
        /rt_process_resident_memory_bytes/,
        /rt_engine_info\{mode="memory"\} 1/,
        /rt_engine_restarts_total 0/,
        /rt_engine_recovered_topics_total\{outcome="reset"\} 0/,
      ]) {
        assert.match(res.body, line);
      }
      await client.close();
    } finally {
      await gw.close();
    }
  });

  it('puts /rt/stats and /metrics behind a bearer token when one is set', async () => {
    const gw = await startGateway({ statsToken: 's3cret-token' });
    try {
      for (const path of ['/rt/stats', '/metrics']) {
        const anonymous = await get(`${gw.url}${path}`);
        assert.equal(anonymous.status, 401);
        assert.deepEqual(JSON.parse(anonymous.body), { error: 'unauthorized' });
        assert.equal((await get(`${gw.url}${path}`, { authorization: 'Bearer wrong' })).status, 401);
        assert.equal((await get(`${gw.url}${path}`, { authorization: 'Bearer s3cret-token' })).status, 200);
        assert.equal(
          (await get(`${gw.url}${path}`, { authorization: 'bearer s3cret-token' })).status,
          200,
          'the scheme is case-insensitive',
        );
      }
      assert.equal((await get(`${gw.url}/health`)).status, 200, 'health checks need no token');
      await assert.rejects(startGateway({ statsToken: '' }), TypeError, 'an empty token would let an empty bearer in');
    } finally {
      await gw.close();
    }
  });
});
