import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, SECRET, TestClient, connect, get, signedQuery, sseUrl, startGateway, wsUrl } from '../helpers.js';

describe('rate limits', () => {
  it('refuses connection attempts beyond the per-IP burst with 4429 on WebSocket and 429 + Retry-After on SSE', async () => {
    const gw = await startGateway({
      rateLimits: { connectionsPerIp: { burst: 3, perSecond: 0.01 }, framesPerConnection: false },
    });
    try {
      const first = await connect(gw, []);
      await (await connect(gw, [])).close();
      await (await connect(gw, [])).close();
      const refused = new TestClient(wsUrl(gw, signedQuery([])));
      assert.deepEqual(await refused.closed, { code: 4429, reason: 'rate_limited' });
      const sse = await get(sseUrl(gw, `${signedQuery([])}&topics=kpis.s2`));
      assert.equal(sse.status, 429);
      assert.deepEqual(JSON.parse(sse.body), { error: 'rate_limited' });
      assert.match(String(sse.headers['retry-after']), /^[1-9][0-9]*$/);
      await first.roundTrip(); // a connected client is still served
      await first.close();
    } finally {
      await gw.close();
    }
  });

  it('ignores frames beyond the per-connection rate with one error frame, then closes sustained abuse with 4429', async () => {
    const gw = await startGateway({
      rateLimits: { connectionsPerIp: false, framesPerConnection: { burst: 5, perSecond: 0.01 } },
    });
    try {
      const client = await connect(gw, []);
      for (let i = 0; i < 6; i++) client.send({ type: 'ping' });
      for (let i = 0; i < 5; i++) assert.equal((await client.next()).type, 'pong');
      assert.deepEqual(await client.next(), {
        type: 'error',
        code: 'rate_limited',
        message: 'too many frames; slow down',
      });
      for (let i = 0; i < 10; i++) client.send({ type: 'ping' });
      assert.deepEqual(await client.closed, { code: 4429, reason: 'rate_limited' });
      assert.deepEqual(client.pending(), [], 'ignored frames got no answer');
    } finally {
      await gw.close();
    }
  });

  it('closes with 4429 a client that keeps sending at twice the rate, warning at most once a second', async () => {
    const clock = new FakeClock();
    const gw = await startGateway({
      clock,
      rateLimits: { connectionsPerIp: false, framesPerConnection: { burst: 10, perSecond: 10 } },
    });
    try {
      const client = await connect(gw, []);
      let closed = false;
      void client.closed.then(() => (closed = true));
      let second = 0;
      // Bounded: at 2× the rate the violation budget (10, refilling 2.5/s) is gone within a few seconds.
      for (; !closed && second < 30; second++) {
        for (let i = 0; i < 20; i++) client.send({ type: 'ping' });
        await client.next('pong').catch(() => undefined); // the in-rate half is answered
        clock.advance(1000);
      }
      assert.deepEqual(await client.closed, { code: 4429, reason: 'rate_limited' });
      const warnings = client.pending().filter((f) => f.type === 'error');
      assert.ok(warnings.length <= second, `${warnings.length} warnings in ${second} s`);
      assert.ok(warnings.every((f) => f.type === 'error' && f.code === 'rate_limited'));
    } finally {
      await gw.close();
    }
  });

  it('caps the topics one connection may hold with sub.err too_many', async () => {
    const gw = await startGateway({
      rateLimits: { connectionsPerIp: false, framesPerConnection: false, maxSubscriptions: 2 },
    });
    try {
      const client = await connect(gw, ['ops.admin', 'liveops.admin']);
      for (const topic of ['kpis.s2', 'liveops.events']) {
        client.send({ type: 'sub', topic });
        await client.next('sub.ok');
      }
      client.send({ type: 'sub', topic: 'ab.status' });
      assert.deepEqual(await client.next('sub.err'), { type: 'sub.err', topic: 'ab.status', code: 'too_many' });
      client.send({ type: 'sub', topic: 'kpis.s2' }); // a topic it already holds is fine
      assert.equal((await client.next('sub.ok')).topic, 'kpis.s2');
      await client.close();
    } finally {
      await gw.close();
    }
  });

  it('refuses connections beyond the global cap with 1013', async () => {
    const gw = await startGateway({
      rateLimits: { connectionsPerIp: false, framesPerConnection: false, maxConnections: 2 },
    });
    try {
      const a = await connect(gw, []);
      const b = await connect(gw, []);
      const third = new TestClient(wsUrl(gw, signedQuery([])));
      assert.deepEqual(await third.closed, { code: 1013, reason: 'unavailable' });
      await Promise.all([a.close(), b.close()]);
    } finally {
      await gw.close();
    }
  });

  it('counts every hit in /metrics', async () => {
    const gw = await startGateway({
      rateLimits: { connectionsPerIp: { burst: 1, perSecond: 0.01 }, framesPerConnection: false },
    });
    try {
      await (await connect(gw, [])).close();
      await new TestClient(wsUrl(gw, signedQuery([]))).closed;
      const metrics = (await get(`${gw.url}/metrics`)).body;
      assert.match(metrics, /rt_rate_limit_hits_total\{kind="connections_per_ip",transport="websocket"\} 1/);
      assert.match(metrics, /rt_refusals_total\{reason="rate_limited",transport="websocket"\} 1/);
    } finally {
      await gw.close();
    }
  });
});

void SECRET;
