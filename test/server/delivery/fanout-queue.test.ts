import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FanoutQueue, Sent } from '../../../server/delivery/fanout-queue.js';
import { PreparedFrame } from '../../../server/delivery/prepared-frame.js';
import type { Session } from '../../../server/delivery/session.js';
import { Topic } from '../../../server/delivery/topic.js';
import type { MsgFrame } from '../../../src/protocol/index.js';
import { connect, startGateway } from '../helpers.js';

/** A subscriber double: the queue only reads `topics`. */
function subscribers(topic: Topic<Session>, n: number): Session[] {
  return Array.from({ length: n }, () => {
    const session = { topics: new Set([topic]) } as unknown as Session;
    topic.addSubscriber(session);
    return session;
  });
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A clock that moves only when told: `tick` milliseconds per send, so budgets are met by count, not by luck. */
function steppingClock(msPerSend: number) {
  let t = 0;
  return { now: () => t, send: () => (t += msPerSend) };
}

describe('FanoutQueue', () => {
  it('delivers to a few subscribers at once', () => {
    const topic = new Topic<Session>('t', [], 10);
    const [a, b] = subscribers(topic, 2);
    const got: [Session, number][] = [];
    const queue = new FanoutQueue({ sendTo: (s, _t, f) => (got.push([s, f.seq]), Sent.written), onSent: () => {} });
    assert.deepEqual(queue.deliver(topic, PreparedFrame.message('t', 1, 0, {})), { sent: 2, dropped: 0, pending: 0 });
    assert.deepEqual(got, [
      [a, 1],
      [b, 1],
    ]);
    assert.equal(queue.busy(topic), false);
  });

  it('writes and reads the clock every chunk, so the budget counts the system calls of the sends before it', () => {
    const topic = new Topic<Session>('t', [], 10);
    subscribers(topic, 5);
    const calls: string[] = [];
    const queue = new FanoutQueue(
      {
        sendTo: () => (calls.push('send'), Sent.written),
        onSent: () => {},
        flush: () => calls.push('flush'),
        now: () => (calls.push('clock'), 0),
      },
      { chunk: 2, budgetMs: 100 },
    );
    queue.deliver(topic, PreparedFrame.message('t', 1, 0, {}));
    assert.deepEqual(calls, ['clock', 'send', 'send', 'flush', 'clock', 'send', 'send', 'flush', 'clock', 'send']);
  });

  it('sends while the turn has budget and the rest in later turns, each subscriber getting the messages in order, once', async () => {
    const topic = new Topic<Session>('t', [], 10);
    const crowd = subscribers(topic, 7);
    const clock = steppingClock(1);
    const got = new Map<Session, number[]>(crowd.map((s) => [s, []]));
    const turns: number[] = [];
    const sendTo = (s: Session, _t: Topic<Session>, f: PreparedFrame) => (
      clock.send(),
      got.get(s)!.push(f.seq),
      Sent.written
    );
    const queue = new FanoutQueue(
      { sendTo, onSent: (r) => turns.push(r.sent), now: clock.now },
      { chunk: 2, budgetMs: 3 },
    );
    const first = queue.deliver(topic, PreparedFrame.message('t', 1, 0, {}));
    assert.deepEqual(first, { sent: 7, dropped: 0, pending: 3 });
    assert.deepEqual(queue.deliver(topic, PreparedFrame.message('t', 2, 0, {})), { sent: 7, dropped: 0, pending: 7 });
    assert.equal([...got.values()].flat().length, 4, 'two chunks at once: the clock said 4 ms ≥ 3 after the second');
    assert.equal(queue.busy(topic), true);
    const gone = crowd[6] as Session;
    gone.topics.delete(topic); // unsubscribes before its turn
    while (queue.busy(topic)) await turn();
    assert.deepEqual(first, { sent: 6, dropped: 0, pending: 0 }, 'the same result, final: one left before its turn');
    for (const [session, seqs] of got) assert.deepEqual(seqs, session === gone ? [] : [1, 2]);
    assert.equal(
      turns.reduce((a, b) => a + b, 0),
      12,
      'every send counted once',
    );
    assert.ok(
      turns.every((n) => n <= 4),
      `sends per turn: ${turns.join(',')}`,
    );
  });

  it('counts the whole fanout when it spills into later turns, and tells each message once when it is complete', async () => {
    const topic = new Topic<Session>('t', [], 10);
    const crowd = subscribers(topic, 6);
    const full = new Set(crowd.slice(3)); // the last three get to their fanouts in later turns, with a full queue
    const handed: number[] = [];
    const delivered: [number, { sent: number; dropped: number }][] = [];
    const queue = new FanoutQueue(
      {
        sendTo: (s) => (full.has(s) ? Sent.dropped : Sent.written),
        onSent: () => {},
        onHanded: (_t, frame, count) => handed.push(frame.seq * 100 + count),
        onDelivered: (_t, frame, { sent, dropped }) => delivered.push([frame.seq, { sent, dropped }]),
      },
      { chunk: 3, budgetMs: 0 }, // three sends per turn
    );
    const result = queue.deliver(topic, PreparedFrame.message('t', 1, 0, {}));
    assert.deepEqual(result, { sent: 6, dropped: 0, pending: 3 });
    assert.deepEqual(delivered, [], 'not complete yet');
    while (queue.busy(topic)) await turn();
    assert.deepEqual(result, { sent: 6, dropped: 3, pending: 0 }, 'the drops of later turns are counted');
    assert.deepEqual(delivered, [[1, { sent: 6, dropped: 3 }]]);
    assert.deepEqual(handed, [103, 103], 'every subscriber handed the message counted once, per run of sends');
  });

  it('ends the fanouts it discards with what was sent', () => {
    const topic = new Topic<Session>('t', [], 10);
    subscribers(topic, 4);
    const delivered: number[] = [];
    const queue = new FanoutQueue(
      { sendTo: () => Sent.written, onSent: () => {}, onDelivered: (_t, _f, r) => delivered.push(r.sent) },
      { chunk: 1, budgetMs: 0 },
    );
    const result = queue.deliver(topic, PreparedFrame.message('t', 1, 0, {}));
    queue.discard(topic);
    assert.deepEqual(result, { sent: 1, dropped: 0, pending: 0 });
    assert.deepEqual(delivered, [1]);
  });

  it('sends the oldest waiting message first, whatever its topic, and a topic with nothing waiting at once', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((name) => new Topic<Session>(name, [], 10)) as [
      Topic<Session>,
      Topic<Session>,
      Topic<Session>,
    ];
    subscribers(a, 3);
    subscribers(b, 3);
    const order: string[] = [];
    const queue = new FanoutQueue(
      { sendTo: (_s, t) => (order.push(t.name), Sent.written), onSent: () => {} },
      { chunk: 1, budgetMs: 0 }, // one send per turn
    );
    queue.deliver(a, PreparedFrame.message('a', 1, 0, {}));
    queue.deliver(b, PreparedFrame.message('b', 1, 0, {}));
    assert.deepEqual(order, ['a']);
    while (queue.busy(a) || queue.busy(b)) await turn();
    assert.deepEqual(order, ['a', 'a', 'a', 'b', 'b', 'b']);
    subscribers(c, 1);
    await turn(); // the last turn spent its budget
    queue.deliver(c, PreparedFrame.message('c', 1, 0, {}));
    assert.deepEqual(order.at(-1), 'c', 'a new turn: at once');
  });

  it('gathers the messages of a topic that wait for the same subscribers, so each subscriber gets them in a row', async () => {
    const topic = new Topic<Session>('t', [], 10);
    const crowd = subscribers(topic, 3);
    const sends: [Session, number][] = [];
    const queue = new FanoutQueue(
      { sendTo: (s, _t, f) => (sends.push([s, f.seq]), Sent.written), onSent: () => {} },
      { chunk: 1, budgetMs: 0 },
    );
    for (let seq = 1; seq <= 3; seq++) queue.deliver(topic, PreparedFrame.message('t', seq, 0, {}));
    while (queue.busy(topic)) await turn();
    const [a, b, c] = crowd as [Session, Session, Session];
    // 1 goes to a at once; the rest of 1 waits, and 2 and 3 wait together behind it.
    assert.deepEqual(sends, [
      [a, 1],
      [b, 1],
      [c, 1],
      [a, 2],
      [a, 3],
      [b, 2],
      [b, 3],
      [c, 2],
      [c, 3],
    ]);
  });

  it('does not gather across a change of subscribers: a newcomer gets what was published after it came, only', async () => {
    const topic = new Topic<Session>('t', [], 10);
    const [a, b] = subscribers(topic, 2) as [Session, Session];
    const got = new Map<Session, number[]>();
    const queue = new FanoutQueue(
      { sendTo: (s, _t, f) => (got.set(s, [...(got.get(s) ?? []), f.seq]), Sent.written), onSent: () => {} },
      { chunk: 1, budgetMs: 0 },
    );
    queue.deliver(topic, PreparedFrame.message('t', 1, 0, {}));
    queue.deliver(topic, PreparedFrame.message('t', 2, 0, {}));
    const [late] = subscribers(topic, 1) as [Session];
    queue.deliver(topic, PreparedFrame.message('t', 3, 0, {}));
    a.topics.delete(topic);
    topic.removeSubscriber(a); // leaves: nothing more for it
    queue.deliver(topic, PreparedFrame.message('t', 4, 0, {}));
    while (queue.busy(topic)) await turn();
    assert.deepEqual(got.get(a), [1]);
    assert.deepEqual(got.get(b), [1, 2, 3, 4]);
    assert.deepEqual(got.get(late), [3, 4]);
  });

  it('lets the first message of a topic that waits for want of budget gather the next ones', async () => {
    const [a, b] = ['a', 'b'].map((name) => new Topic<Session>(name, [], 10)) as [Topic<Session>, Topic<Session>];
    subscribers(a, 1);
    const [x, y] = subscribers(b, 2) as [Session, Session];
    const sends: [Session, number][] = [];
    const queue = new FanoutQueue(
      { sendTo: (s, t, f) => (t === b && sends.push([s, f.seq]), Sent.written), onSent: () => {} },
      { chunk: 1, budgetMs: 0 },
    );
    queue.deliver(a, PreparedFrame.message('a', 1, 0, {})); // spends the turn
    queue.deliver(b, PreparedFrame.message('b', 1, 0, {}));
    queue.deliver(b, PreparedFrame.message('b', 2, 0, {}));
    while (queue.busy(b)) await turn();
    assert.deepEqual(sends, [
      [x, 1],
      [x, 2],
      [y, 1],
      [y, 2],
    ]);
  });

  it('gathers at most 16 messages per delivery, so a catch-up past maxBacklog stays short', () => {
    const topic = new Topic<Session>('t', [], 10);
    const crowd = subscribers(topic, 3);
    const got = new Map<Session, number[]>(crowd.map((s) => [s, []]));
    let sends = 0;
    const queue = new FanoutQueue(
      { sendTo: (s, _t, f) => (sends++, got.get(s)!.push(f.seq), Sent.written), onSent: () => {} },
      { chunk: 1, budgetMs: 0, maxBacklog: 64 },
    );
    let most = 0;
    for (let seq = 1; seq <= 300; seq++) {
      const before = sends;
      queue.deliver(topic, PreparedFrame.message('t', seq, 0, {})); // all in one turn: only catch-ups send
      most = Math.max(most, sends - before);
    }
    assert.ok(most > 0, 'the backlog bound was crossed');
    assert.ok(most <= 16 * 3, `${most} sends in one catch-up`);
    queue.dispose();
    for (const seqs of got.values())
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => i + 1),
        'in order',
      );
  });

  it('refuses options that would disable its bounds', () => {
    const hooks = { sendTo: () => Sent.written, onSent: () => {} };
    for (const options of [
      { budgetMs: Number.NaN },
      { budgetMs: -1 },
      { chunk: 0 },
      { maxBacklog: Infinity },
      { maxBacklog: 0 },
    ]) {
      assert.throws(() => new FanoutQueue(hooks, options), TypeError, JSON.stringify(options));
    }
  });

  it('drops what waits when disposed, and sends nothing after', async () => {
    const topic = new Topic<Session>('t', [], 10);
    subscribers(topic, 4);
    let sends = 0;
    const queue = new FanoutQueue(
      { sendTo: () => (sends++, Sent.written), onSent: () => {} },
      { chunk: 1, budgetMs: 0 },
    );
    queue.deliver(topic, PreparedFrame.message('t', 1, 0, {}));
    queue.dispose();
    assert.equal(queue.busy(topic), false);
    await turn();
    await turn();
    assert.equal(sends, 1);
  });
});

describe('FanoutQueue under a publisher that outruns it', () => {
  it('catches up at once, oldest first, until no more than maxBacklog messages wait, so memory stays bounded', async () => {
    const topic = new Topic<Session>('t', [], 10);
    const crowd = subscribers(topic, 5);
    const got = new Map<Session, number[]>(crowd.map((s) => [s, []]));
    const queue = new FanoutQueue(
      { sendTo: (s, _t, f) => (got.get(s)!.push(f.seq), Sent.written), onSent: () => {} },
      { chunk: 2, budgetMs: 0, maxBacklog: 2 },
    );
    for (let seq = 1; seq <= 2; seq++) queue.deliver(topic, PreparedFrame.message('t', seq, 0, {}));
    assert.equal([...got.values()].flat().length, 2, 'within the backlog limit: the rest in later turns');
    queue.deliver(topic, PreparedFrame.message('t', 3, 0, {}));
    for (const seqs of got.values()) assert.deepEqual(seqs, [1], 'over it: the oldest message caught up at once');
    assert.equal(queue.busy(topic), true, 'two messages still wait, within the bound');
    while (queue.busy(topic)) await turn();
    for (const seqs of got.values()) assert.deepEqual(seqs, [1, 2, 3]);
  });
});

describe('large fanouts on a gateway', () => {
  it('reach every subscriber once and in order, also one that subscribes, or subscribes again, while they are on their way', async () => {
    const gw = await startGateway({ fanout: { budgetMs: 0, chunk: 2 } });
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
      late.send({ type: 'sub', topic: 'crowd', since: 0 }); // arrives while the chunks are still going out
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
