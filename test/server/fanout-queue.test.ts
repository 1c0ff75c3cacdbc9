import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FanoutQueue, Sent } from '../../server/fanout-queue.js';
import { PreparedFrame } from '../../server/prepared-frame.js';
import type { Session } from '../../server/session.js';
import { Topic } from '../../server/topic-registry.js';
import type { MsgFrame } from '../../src/protocol/index.js';
import { connect, startGateway } from './helpers.js';

/** A subscriber double: the queue only reads `topics`. */
function subscribers(topic: Topic, n: number): Session[] {
  return Array.from({ length: n }, () => {
    const session = { topics: new Set([topic]) } as unknown as Session;
    topic.subscribers.add(session);
    return session;
  });
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('FanoutQueue', () => {
  it('delivers to a few subscribers at once', () => {
    const topic = new Topic('t', [], 10);
    const [a, b] = subscribers(topic, 2);
    const got: [Session, number][] = [];
    const queue = new FanoutQueue((s, _t, f) => (got.push([s, f.seq]), Sent.written), () => {}, 3);
    assert.deepEqual(queue.deliver(topic, PreparedFrame.message('t', 1, 0, {})), { sent: 2, dropped: 0 });
    assert.deepEqual(got, [[a, 1], [b, 1]]);
    assert.equal(queue.busy(topic), false);
  });

  it('delivers to a crowd a slice per turn, each subscriber getting the messages in order, once', async () => {
    const topic = new Topic('t', [], 10);
    const crowd = subscribers(topic, 7);
    const got = new Map<Session, number[]>(crowd.map((s) => [s, []]));
    const slices: number[] = [];
    const queue = new FanoutQueue((s, _t, f) => (got.get(s)!.push(f.seq), Sent.written), (r) => slices.push(r.sent), 3);
    assert.deepEqual(queue.deliver(topic, PreparedFrame.message('t', 1, 0, {})), { sent: 7, dropped: 0 });
    assert.deepEqual(queue.deliver(topic, PreparedFrame.message('t', 2, 0, {})), { sent: 7, dropped: 0 });
    assert.equal([...got.values()].flat().length, 3, 'one slice at once');
    assert.equal(queue.busy(topic), true);
    const gone = crowd[6] as Session;
    gone.topics.delete(topic); // unsubscribes before its turn
    while (queue.busy(topic)) await turn();
    for (const [session, seqs] of got) assert.deepEqual(seqs, session === gone ? [] : [1, 2]);
    assert.ok(slices.every((n) => n <= 3), `slices ${slices.join(',')}`);
  });
});

describe('FanoutQueue under a publisher that outruns it', () => {
  it('delivers the whole backlog at once when more than maxBacklog messages wait, so memory stays bounded', () => {
    const topic = new Topic('t', [], 10);
    const crowd = subscribers(topic, 5);
    const got = new Map<Session, number[]>(crowd.map((s) => [s, []]));
    const queue = new FanoutQueue((s, _t, f) => (got.get(s)!.push(f.seq), Sent.written), () => {}, 2, 2);
    for (let seq = 1; seq <= 2; seq++) queue.deliver(topic, PreparedFrame.message('t', seq, 0, {}));
    assert.equal(queue.busy(topic), true, 'within the backlog limit: slices');
    queue.deliver(topic, PreparedFrame.message('t', 3, 0, {}));
    assert.equal(queue.busy(topic), false, 'over it: caught up synchronously');
    for (const seqs of got.values()) assert.deepEqual(seqs, [1, 2, 3]);
  });
});

describe('large fanouts on a gateway', () => {
  it('reach every subscriber once and in order, also one that subscribes, or subscribes again, while they are on their way', async () => {
    const gw = await startGateway({ fanoutSliceSize: 2 });
    try {
      gw.registerTopic('crowd', { scopes: [] });
      const clients = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const c = await connect(gw, []);
          c.send({ type: 'sub', topic: 'crowd' });
          await c.next('sub.ok');
          return c;
        }),
      );
      const late = await connect(gw, []);
      for (let i = 1; i <= 3; i++) gw.fanout('crowd', i);
      late.send({ type: 'sub', topic: 'crowd', since: 0 }); // arrives while the slices are still going out
      const again = clients[5]!; // last in line: its copies of 1–3 are still on their way when it subscribes again
      again.send({ type: 'unsub', topic: 'crowd' });
      again.send({ type: 'sub', topic: 'crowd', since: 0 });
      await late.next('sub.ok');
      await again.next('unsub.ok');
      await again.next('sub.ok');
      gw.fanout('crowd', 4);
      for (const c of [...clients, late]) {
        const seqs: number[] = [];
        while (seqs.length < 4) seqs.push(((await c.next('msg')) as MsgFrame).seq);
        assert.deepEqual(seqs, [1, 2, 3, 4]);
        await c.roundTrip();
        assert.deepEqual(c.pending(), [], 'nothing twice');
      }
      await Promise.all([...clients, late].map((c) => c.close()));
    } finally {
      await gw.close();
    }
  });
});
