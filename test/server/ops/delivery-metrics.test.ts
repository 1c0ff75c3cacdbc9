import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { DeliveryLatency } from '../../../server/delivery/delivery-latency.js';
import type { Hub } from '../../../server/delivery/hub.js';
import { registerDeliveryMetrics } from '../../../server/ops/delivery-metrics.js';
import { FakeClock, connect, get, startGateway } from '../helpers.js';

/** The value of one exposition line, e.g. `rt_delivery_drop_ratio`. */
function value(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  assert.ok(found, `${line} in\n${text}`);
  return Number(found.slice(line.length + 1));
}

describe('delivery metrics', () => {
  it('measure the latency from publish to each socket, also for subscribers served in a later turn', async () => {
    const clock = new FakeClock();
    // One send per turn: the first subscriber at once, the second in the next turn, 200 ms later on the clock.
    const gw = await startGateway({ clock, fanout: { budgetMs: 0, chunk: 1 } });
    try {
      const clients = await Promise.all([connect(gw, ['ops.admin']), connect(gw, ['ops.admin'])]);
      for (const client of clients) {
        client.send({ type: 'sub', topic: 'kpis.s2' });
        await client.next('sub.ok');
      }
      const result = gw.fanout('kpis.s2', { crash_free: 99 });
      clock.advance(200);
      await Promise.all(clients.map((client) => client.next('msg')));
      assert.deepEqual(result, { sent: 2, dropped: 0, pending: 0 });
      const text = (await get(`${gw.url}/metrics`)).body;
      const bucket = (le: string) => value(text, `rt_delivery_latency_seconds_bucket{le="${le}",topic="kpis.s2"}`);
      assert.equal(bucket('0.001'), 1, 'the first at once');
      assert.equal(bucket('0.1'), 1);
      assert.equal(bucket('0.25'), 2, 'the second 200 ms later');
      assert.equal(bucket('+Inf'), 2);
      assert.equal(value(text, 'rt_delivery_latency_seconds_count{topic="kpis.s2"}'), 2);
      assert.equal(value(text, 'rt_delivery_latency_seconds_sum{topic="kpis.s2"}'), 0.2);
      assert.equal(value(text, 'rt_delivery_drop_ratio'), 0);
      assert.equal(value(text, 'rt_engine_up'), 1);
      await Promise.all(clients.map((client) => client.close()));
    } finally {
      await gw.close();
    }
  });

  it('give the drop ratio of about the last minute, whatever the scrape interval', async () => {
    const totals = { messagesSent: 0, messagesDropped: 0 };
    let healthy = true;
    const hub = {
      counters: () => totals,
      latency: new DeliveryLatency(),
      engine: { health: () => (healthy ? { ok: true } : { ok: false, reason: 'redis_unavailable' }) },
    } as unknown as Hub;
    let now = 0;
    const registry = new Registry();
    registerDeliveryMetrics(registry, hub, () => now);
    const scrape = async (at: number, sent: number, dropped: number) => {
      now = at;
      Object.assign(totals, { messagesSent: sent, messagesDropped: dropped });
      const text = await registry.metrics();
      return value(text, 'rt_delivery_drop_ratio');
    };
    assert.equal(await scrape(0, 0, 0), 0, 'nothing sent: 0, not NaN');
    assert.equal(await scrape(30_000, 1000, 10), 0.01);
    assert.equal(await scrape(60_000, 2000, 10), 0.005);
    // The first minute is behind: the window starts at 30 s, and the 10 drops of then are out of it at 90 s.
    assert.equal(await scrape(90_000, 3000, 10), 0);
    assert.equal(await scrape(150_000, 4000, 30), 0.02, 'a single scrape a minute later still covers the minute');
    // Scraped every 100 ms for three minutes: drops early on leave the window, the base keeps moving.
    let at = 150_000;
    for (let i = 1; i <= 1800; i++) await scrape((at += 100), 4000 + i, i <= 10 ? 30 + i : 40);
    assert.equal(await scrape((at += 100), 5801, 40), 0, 'the drops of three minutes ago are out of the window');
    healthy = false;
    assert.equal(value(await registry.metrics(), 'rt_engine_up'), 0, 'Redis away: down');
  });

  it('count the audit entries lost, with an audit log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-audit-metrics-'));
    const gw = await startGateway({ audit: { dir } });
    try {
      assert.equal(value((await get(`${gw.url}/metrics`)).body, 'rt_audit_entries_lost_total'), 0);
    } finally {
      await gw.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
