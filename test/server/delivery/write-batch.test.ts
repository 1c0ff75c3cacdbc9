import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { startGateway, subscribed, type TestClient } from '../helpers.js';

/** Counts the writes handed to the kernel for the gateway's side of `client` (one per `_write`/`_writev`). */
function countServerWrites(client: TestClient): { count: number; restore: () => void } {
  const local = client.localPort;
  assert.ok(local !== undefined, 'the client is connected');
  const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  const original = { _write: proto._write, _writev: proto._writev };
  const counter = { count: 0, restore: () => Object.assign(proto, original) };
  for (const name of ['_write', '_writev'] as const) {
    const fn = original[name];
    proto[name] = function (this: Socket, ...args: unknown[]) {
      if (this.remotePort === local && 'server' in this && this.server) counter.count += 1;
      return fn.apply(this, args);
    };
  }
  return counter;
}

describe('writes', () => {
  it('sends a burst of fanouts in one turn complete, in order, and in a few writes rather than one each', async () => {
    // A budget the burst cannot spend, so it all goes out in this turn (on a slow run, 5 ms could be spent).
    const gw = await startGateway({ fanout: { budgetMs: 60_000 } });
    try {
      const client = await subscribed(gw, ['ops.admin', 'liveops.admin'], 'kpis.s2');
      client.send({ type: 'sub', topic: 'liveops.events' });
      await client.next('sub.ok');
      const pad = 'x'.repeat(1000);
      const writes = countServerWrites(client);
      const sent: [string, number][] = [];
      try {
        for (let i = 0; i < 150; i++) {
          const topic = i % 3 === 0 ? 'liveops.events' : 'kpis.s2';
          gw.fanout(topic, { i, pad });
          sent.push([topic, i]);
          if (i === 0) assert.equal(writes.count, 0, 'held until the turn ends');
        }
        await new Promise((resolve) => setImmediate(resolve)); // the turn's corked writes have left
      } finally {
        writes.restore();
      }
      // 150 KB gathered behind the cork: written each 64 KiB, the rest when the turn ends.
      assert.ok(writes.count >= 1 && writes.count <= 5, `${writes.count} writes for 150 frames`);
      const received: [string, number][] = [];
      while (received.length < sent.length) {
        const frame = await client.next('msg');
        received.push([frame.topic, (frame.data as { i: number }).i]);
      }
      assert.deepEqual(received, sent);
      await client.close();
    } finally {
      await gw.close();
    }
  });
});

describe('writes of a large fanout', () => {
  it('leave every chunk, before the fanout returns, so its time budget counts them', async () => {
    const gw = await startGateway({ fanout: { chunk: 1 } });
    try {
      const client = await subscribed(gw, ['ops.admin'], 'kpis.s2');
      const writes = countServerWrites(client);
      try {
        gw.fanout('kpis.s2', { n: 1 });
        assert.equal(writes.count, 1, 'written after its chunk, not when the turn ends');
      } finally {
        writes.restore();
      }
      assert.deepEqual((await client.next('msg')).data, { n: 1 });
      await client.close();
    } finally {
      await gw.close();
    }
  });
  it('keep each topic in order when a burst of two topics goes over the budget', async () => {
    const gw = await startGateway({ fanout: { budgetMs: 0, chunk: 1 } }); // one send per turn
    try {
      const client = await subscribed(gw, ['ops.admin', 'liveops.admin'], 'kpis.s2');
      client.send({ type: 'sub', topic: 'liveops.events' });
      await client.next('sub.ok');
      for (let i = 0; i < 30; i++) gw.fanout(i % 3 === 0 ? 'liveops.events' : 'kpis.s2', { i });
      const seqs: Record<string, number[]> = { 'kpis.s2': [], 'liveops.events': [] };
      for (let n = 0; n < 30; n++) {
        const frame = await client.next('msg');
        seqs[frame.topic]!.push(frame.seq);
      }
      const first = (topic: string) => (gw.hub.topic(topic)!.history.latest()?.seq ?? 0) - seqs[topic]!.length + 1;
      for (const topic of ['kpis.s2', 'liveops.events']) {
        assert.deepEqual(
          seqs[topic],
          Array.from({ length: seqs[topic]!.length }, (_, k) => first(topic) + k),
          topic,
        );
      }
      assert.equal(seqs['liveops.events']!.length, 10);
      await client.close();
    } finally {
      await gw.close();
    }
  });
});
