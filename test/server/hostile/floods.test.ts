/**
 * Floods (part of the hostile-input suite, see `helpers.ts`): frame floods and connection floods meet the rate
 * limits and the connection cap, while the healthy client keeps its own budget.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { until } from '../../helpers/until.js';
import { FakeClock, TestClient, get, signedQuery, sseUrl, wsUrl } from '../helpers.js';
import { SCOPE, TOPIC, inArena, outcome } from './helpers.js';

describe('floods', () => {
  it('closes a flood of 1000 frames with one rate_limited error then 4429, while a healthy client keeps its own budget', async () => {
    await inArena(
      { rateLimits: { connectionsPerIp: false, framesPerConnection: { burst: 5, perSecond: 0.01 } } },
      async ({ gw, healthy }) => {
        const c = new TestClient(wsUrl(gw, signedQuery([SCOPE])));
        await c.next('hello');
        for (let i = 0; i < 1000; i++) c.send({ type: 'ping' });
        await healthy.roundTrip(); // during the flood
        assert.deepEqual(await c.closed, { code: 4429, reason: 'rate_limited' });
        const frames = c.pending();
        assert.deepEqual(
          frames.map((f) => f.type),
          ['pong', 'pong', 'pong', 'pong', 'pong', 'error'],
        );
        assert.deepEqual(frames[5], { type: 'error', code: 'rate_limited', message: 'too many frames; slow down' });
      },
    );
  });

  it('closes a flood of bad frames under a frame rate with 4429: frames over the rate are not even parsed', async () => {
    await inArena(
      { rateLimits: { connectionsPerIp: false, framesPerConnection: { burst: 5, perSecond: 0.01 } } },
      async ({ gw }) => {
        const c = new TestClient(wsUrl(gw, signedQuery([SCOPE])));
        await c.next('hello');
        for (let i = 0; i < 500; i++) c.send('{not json');
        assert.deepEqual(await c.closed, { code: 4429, reason: 'rate_limited' });
        assert.equal(c.pending().filter((f) => f.type === 'error' && f.code === 'bad_json').length, 5);
      },
    );
  });

  it('lets exactly the per-IP burst of 40 simultaneous WebSocket attempts in and closes the rest with 4429', async () => {
    await inArena(
      { rateLimits: { connectionsPerIp: { burst: 6, perSecond: 0.01 }, framesPerConnection: false } },
      async ({ gw, healthy }) => {
        const results = await Promise.all(Array.from({ length: 40 }, () => outcome(gw, signedQuery([SCOPE]))));
        await healthy.roundTrip();
        assert.equal(results.filter((r) => r === 'hello').length, 5, 'the healthy client took one token');
        assert.deepEqual(
          results.filter((r) => r !== 'hello'),
          Array(35).fill('4429 rate_limited'),
        );
      },
    );
  });

  it('answers an SSE flood beyond the per-IP burst with 429, a JSON body and an integer Retry-After', async () => {
    await inArena(
      { rateLimits: { connectionsPerIp: { burst: 3, perSecond: 0.01 }, framesPerConnection: false } },
      async ({ gw }) => {
        // Without a ticket, so that the two attempts let through end at once (401) instead of streaming.
        const answers = await Promise.all(Array.from({ length: 15 }, () => get(sseUrl(gw, `topics=${TOPIC}`))));
        assert.deepEqual(
          answers.filter((r) => r.status === 401).map((r) => r.body),
          Array(2).fill('{"error":"missing_param"}'),
        );
        const limited = answers.filter((r) => r.status === 429);
        assert.equal(limited.length, 13);
        for (const r of limited) {
          assert.deepEqual(JSON.parse(r.body), { error: 'rate_limited' });
          assert.equal(r.headers['retry-after'], '100');
        }
      },
    );
  });

  it('does not spend the ticket of a rate-limited attempt: the same ticket works once the bucket refills', async () => {
    const clock = new FakeClock();
    await inArena(
      { clock, rateLimits: { connectionsPerIp: { burst: 1, perSecond: 1 }, framesPerConnection: false } },
      async ({ gw }) => {
        const query = signedQuery([SCOPE], { nowMs: clock.now() });
        assert.equal(await outcome(gw, query), '4429 rate_limited');
        const sse = await get(sseUrl(gw, `${query}&topics=${TOPIC}`));
        assert.equal(sse.status, 429);
        clock.advance(1_000);
        assert.equal(await outcome(gw, query), 'hello');
      },
      clock.now(),
    );
  });

  it('refuses 30 simultaneous connections beyond a global cap of 5 with 1013 and serves the ones inside', async () => {
    await inArena(
      { rateLimits: { connectionsPerIp: false, framesPerConnection: false, maxConnections: 5 } },
      async ({ gw }) => {
        const clients = Array.from({ length: 30 }, () => new TestClient(wsUrl(gw, signedQuery([SCOPE]))));
        const results = await Promise.all(
          clients.map((c) =>
            Promise.race([c.next('hello').then(() => 'hello'), c.closed.then((x) => `${x.code} ${x.reason}`)]),
          ),
        );
        assert.equal(results.filter((r) => r === 'hello').length, 4, 'the healthy client holds one place');
        assert.equal(results.filter((r) => r === '1013 unavailable').length, 26);
        assert.equal(gw.hub.sessions.size, 5);
        for (const c of clients) c.ws.terminate();
        await until(() => gw.hub.sessions.size === 1);
      },
    );
  });
});
