import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../../server/gateway.js';
import type { Session } from '../../../server/delivery/session.js';
import { startGateway, subscribed, type TestClient } from '../helpers.js';

const QUEUE_LIMIT = 20;
const PAYLOAD = { blob: 'x'.repeat(64 * 1024) };

/** Subscribes a client and returns it with its session on the gateway. */
async function subscribedWithSession(gw: Gateway): Promise<[TestClient, Session]> {
  const session = new Promise<Session>((resolve) => gw.hub.once('connect', resolve));
  const client = await subscribed(gw, ['economy.admin'], 'economy.patch');
  return [client, await session];
}

describe('backpressure', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startGateway({ backpressure: { bufferLimitBytes: 256 * 1024, queueLimit: QUEUE_LIMIT, flushMs: 5 } });
  });
  after(() => gw.close());

  it('drops the oldest queued messages of a consumer that stops reading, counts them, and keeps its queue bounded', async () => {
    const [healthy] = await subscribedWithSession(gw);
    const [stalled, stalledSession] = await subscribedWithSession(gw);
    stalled.ws.pause(); // stops reading: the kernel's buffers fill, then the gateway's
    const healthySeqs: number[] = [];
    const readHealthy = async (count: number) => {
      while (healthySeqs.length < count) healthySeqs.push((await healthy.next('msg')).seq);
    };

    let dropped = 0;
    let published = 0;
    const publish = () => {
      dropped += gw.fanout('economy.patch', PAYLOAD).dropped;
      published += 1;
      assert.ok(stalledSession.queued <= QUEUE_LIMIT, 'the queue never exceeds its limit');
    };
    // Bounded: loopback socket buffers hold a few MB; 2000 × 64 KiB is far beyond them.
    while (dropped === 0 && published < 2000) {
      publish();
      if (published % 20 === 0) await readHealthy(published); // a live consumer keeps up between bursts
    }
    assert.ok(dropped > 0, `expected drops after ${published} messages`);
    for (let i = 0; i < 30; i++) publish();
    assert.equal(stalledSession.queued, QUEUE_LIMIT);
    assert.equal(stalledSession.dropped, dropped, 'every drop is counted on the session');
    assert.equal(gw.hub.counters().messagesDropped, dropped, 'and gateway-wide');

    await readHealthy(published);
    const first = healthySeqs[0] as number;
    assert.deepEqual(
      healthySeqs,
      Array.from({ length: published }, (_, i) => first + i),
      'the healthy consumer lost nothing',
    );

    stalled.ws.resume();
    const seen: number[] = [];
    const last = first + published - 1;
    while (seen.at(-1) !== last) seen.push((await stalled.next('msg')).seq);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      seen,
      'what the stalled consumer gets is in order',
    );
    assert.equal(new Set(seen).size, seen.length, 'and without duplicates');
    assert.equal(published - seen.length, dropped, 'and misses exactly the dropped messages');
    await Promise.all([healthy.close(), stalled.close()]);
  });

  it('closes with 4408 a client that keeps asking without reading, once only unanswerable answers are queued', async () => {
    const client = await subscribed(gw, ['ops.admin'], 'kpis.s2');
    client.ws.pause(); // reads nothing more; its requests still reach the gateway
    const request = JSON.stringify({ type: 'unsub', topic: 'kpis.s2' });
    let sent = 0;
    const closed = client.closed.then((c) => c);
    let outcome: { code: number; reason: string } | undefined;
    void closed.then((c) => (outcome = c));
    // Bounded: each unsub.ok is ~40 bytes, so a few MB of kernel buffers fill within 200 000 requests.
    while (outcome === undefined && sent < 200_000) {
      for (let i = 0; i < 2000; i++) client.ws.send(request);
      sent += 2000;
      await new Promise((resolve) => setImmediate(resolve));
    }
    client.ws.resume();
    assert.deepEqual(await closed, { code: 4408, reason: 'backpressure' });
  });

  it('counts nothing as sent to a session that is closed but not yet gone', async () => {
    const [client, session] = await subscribedWithSession(gw);
    const closed = client.closed;
    const before = gw.hub.counters().messagesSent;
    session.close(4000, 'test'); // its socket's close event, which unsubscribes it, comes later
    assert.equal(gw.fanout('economy.patch', { n: 1 }).sent, 0);
    assert.equal(gw.hub.counters().messagesSent, before);
    await closed;
  });
});
