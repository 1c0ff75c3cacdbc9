import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BACKPRESSURE_DEFAULTS,
  OutboundQueue,
  Outcome,
  type BackpressureOptions,
  type Peer,
} from '../../../server/delivery/backpressure.js';
import { PreparedFrame } from '../../../server/delivery/prepared-frame.js';
import { installFakeTimers, type FakeTimers } from '../../helpers/fake-timers.js';

const LIMIT = 1_000;

/** A transport whose send buffer the test controls. Optionally each write adds its size to the buffer. */
class FakePeer implements Peer {
  bufferedAmount = 0;
  readonly written: PreparedFrame[] = [];
  constructor(private readonly growOnWrite = 0) {}
  write(frame: PreparedFrame): void {
    this.written.push(frame);
    this.bufferedAmount += this.growOnWrite;
  }
}

const msg = (seq: number) => PreparedFrame.message('t', seq, 0, { seq });
const subOk = (topic: string) => PreparedFrame.control({ type: 'sub.ok', topic, seq: 0, epoch: 'e' });

/** What the peer received, as readable labels (`msg 3`, `sub.ok a`). */
function labels(frames: readonly PreparedFrame[]): string[] {
  return frames.map((f) => {
    const frame = JSON.parse(f.json) as { type: string; seq?: number; topic?: string };
    return frame.type === 'msg' ? `msg ${frame.seq}` : `${frame.type}${frame.topic ? ` ${frame.topic}` : ''}`;
  });
}

const queues: OutboundQueue[] = [];

/** Creates a queue that is cleared after the test, so a failing test cannot leave a flush timer running. */
function makeQueue(peer: Peer, limits?: BackpressureOptions): OutboundQueue {
  const queue = new OutboundQueue(peer, limits);
  queues.push(queue);
  return queue;
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** A queue over a backed-up peer (buffer at the limit). */
function backedUp(queueLimit = 3, flushMs = 50) {
  const peer = new FakePeer();
  peer.bufferedAmount = LIMIT;
  const queue = makeQueue(peer, { bufferLimitBytes: LIMIT, queueLimit, flushMs });
  return { peer, queue };
}

let installed: FakeTimers | undefined;

/** Fake timers for one test, put back after it. */
function fakeTimers(): FakeTimers {
  installed = installFakeTimers();
  return installed;
}

afterEach(() => {
  for (const queue of queues.splice(0)) queue.clear();
  installed?.uninstall();
  installed = undefined;
});

describe('OutboundQueue', () => {
  it('defaults to the seed limits: 1 MiB, 200 frames, 50 ms', () => {
    assert.deepEqual(BACKPRESSURE_DEFAULTS, { bufferLimitBytes: 1024 * 1024, queueLimit: 200, flushMs: 50 });
  });

  describe('under the buffer limit', () => {
    it('writes at once', () => {
      const peer = new FakePeer();
      peer.bufferedAmount = LIMIT - 1;
      const queue = makeQueue(peer, { bufferLimitBytes: LIMIT });
      assert.equal(queue.push(msg(1)), Outcome.sent);
      assert.deepEqual(labels(peer.written), ['msg 1']);
      assert.equal(queue.length, 0);
    });

    it('uses the default 1 MiB limit when none is given', () => {
      const peer = new FakePeer();
      peer.bufferedAmount = 1024 * 1024 - 1;
      const queue = makeQueue(peer);
      assert.equal(queue.push(msg(1)), Outcome.sent);
      peer.bufferedAmount = 1024 * 1024;
      assert.equal(queue.push(msg(2)), Outcome.queued);
      queue.clear();
    });
  });

  describe('at or above the buffer limit', () => {
    it('queues instead of writing', () => {
      const { peer, queue } = backedUp();
      assert.equal(queue.push(msg(1)), Outcome.queued);
      assert.deepEqual(peer.written, []);
      assert.equal(queue.length, 1);
      queue.clear();
    });

    it('keeps later frames behind queued ones even once the buffer has room, so order holds', () => {
      const { peer, queue } = backedUp();
      queue.push(msg(1));
      peer.bufferedAmount = 0;
      assert.equal(queue.push(msg(2)), Outcome.queued);
      assert.deepEqual(peer.written, []);
      queue.flush();
      assert.deepEqual(labels(peer.written), ['msg 1', 'msg 2']);
    });

    it('holds at most queueLimit frames, dropping the oldest and counting each drop', () => {
      const { peer, queue } = backedUp(3);
      const outcomes = [1, 2, 3, 4, 5].map((n) => queue.push(msg(n)));
      assert.deepEqual(outcomes, [
        Outcome.queued,
        Outcome.queued,
        Outcome.queued,
        Outcome.queuedDropped,
        Outcome.queuedDropped,
      ]);
      assert.equal(queue.length, 3);
      assert.equal(queue.dropped, 2);
      peer.bufferedAmount = 0;
      queue.flush();
      assert.deepEqual(labels(peer.written), ['msg 3', 'msg 4', 'msg 5']);
    });

    it('stays bounded under a flood from a consumer that never reads', () => {
      const { queue } = backedUp(200);
      for (let n = 1; n <= 10_000; n++) queue.push(msg(n));
      assert.equal(queue.length, 200);
      assert.equal(queue.dropped, 9_800);
      queue.clear();
    });

    it('never drops a control frame: the oldest droppable one gives way instead', () => {
      const { peer, queue } = backedUp(3);
      queue.push(subOk('a'));
      queue.push(msg(1));
      queue.push(subOk('b'));
      assert.equal(queue.push(msg(2)), Outcome.queuedDropped);
      assert.equal(queue.push(subOk('c')), Outcome.queuedDropped);
      assert.equal(queue.dropped, 2);
      peer.bufferedAmount = 0;
      queue.flush();
      assert.deepEqual(labels(peer.written), ['sub.ok a', 'sub.ok b', 'sub.ok c']);
    });

    it('drops pings like messages', () => {
      const { peer, queue } = backedUp(2);
      queue.push(PreparedFrame.control({ type: 'ping' }));
      queue.push(subOk('a'));
      assert.equal(queue.push(msg(1)), Outcome.queuedDropped);
      peer.bufferedAmount = 0;
      queue.flush();
      assert.deepEqual(labels(peer.written), ['sub.ok a', 'msg 1']);
    });

    it('reports overflow, queueing and dropping nothing, when the queue is full of control frames', () => {
      const { peer, queue } = backedUp(2);
      queue.push(subOk('a'));
      queue.push(subOk('b'));
      assert.equal(queue.push(msg(1)), Outcome.overflow);
      assert.equal(queue.push(subOk('c')), Outcome.overflow);
      assert.equal(queue.length, 2);
      assert.equal(queue.dropped, 0);
      peer.bufferedAmount = 0;
      queue.flush();
      assert.deepEqual(labels(peer.written), ['sub.ok a', 'sub.ok b']);
    });
  });

  describe('flush', () => {
    it('drains everything in order once the buffer empties', () => {
      const { peer, queue } = backedUp(10);
      for (let n = 1; n <= 5; n++) queue.push(msg(n));
      peer.bufferedAmount = 0;
      queue.flush();
      assert.deepEqual(labels(peer.written), ['msg 1', 'msg 2', 'msg 3', 'msg 4', 'msg 5']);
      assert.equal(queue.length, 0);
    });

    it('writes nothing while the buffer is still full', () => {
      const { peer, queue } = backedUp(10);
      queue.push(msg(1));
      queue.flush();
      assert.deepEqual(peer.written, []);
      assert.equal(queue.length, 1);
      queue.clear();
    });

    it('stops as soon as the buffer fills again and keeps the rest in order', () => {
      const peer = new FakePeer(400);
      peer.bufferedAmount = LIMIT;
      const queue = makeQueue(peer, { bufferLimitBytes: LIMIT, queueLimit: 10 });
      for (let n = 1; n <= 5; n++) queue.push(msg(n));
      peer.bufferedAmount = 0;
      queue.flush();
      assert.deepEqual(labels(peer.written), ['msg 1', 'msg 2', 'msg 3']);
      assert.equal(queue.length, 2);
      peer.bufferedAmount = 0;
      queue.flush();
      assert.deepEqual(labels(peer.written), ['msg 1', 'msg 2', 'msg 3', 'msg 4', 'msg 5']);
    });

    it('runs on its own every flushMs while frames wait', () => {
      const timers = fakeTimers();
      const { peer, queue } = backedUp(10, 50);
      queue.push(msg(1));
      queue.push(msg(2));
      peer.bufferedAmount = 0;
      assert.deepEqual(peer.written, [], 'nothing is written before the flush timer fires');
      timers.tick(50);
      assert.deepEqual(labels(peer.written), ['msg 1', 'msg 2']);
    });

    it('keeps retrying while the socket stays backed up', () => {
      const timers = fakeTimers();
      const { peer, queue } = backedUp(10, 50);
      queue.push(msg(1));
      timers.tick(50);
      timers.tick(50);
      assert.deepEqual(peer.written, []);
      peer.bufferedAmount = 0;
      timers.tick(50);
      assert.deepEqual(labels(peer.written), ['msg 1']);
    });

    it('sends directly again once the queue has drained', () => {
      const { peer, queue } = backedUp();
      queue.push(msg(1));
      peer.bufferedAmount = 0;
      queue.flush();
      assert.equal(queue.push(msg(2)), Outcome.sent);
      assert.deepEqual(labels(peer.written), ['msg 1', 'msg 2']);
    });

    it('leaves no timer pending after the scheduled flush drains the queue', () => {
      const timers = fakeTimers();
      const { peer, queue } = backedUp(10, 50);
      queue.push(msg(1));
      peer.bufferedAmount = 0;
      timers.tick(50);
      peer.bufferedAmount = LIMIT;
      queue.push(msg(2));
      peer.bufferedAmount = 0;
      timers.tick(50);
      assert.deepEqual(labels(peer.written), ['msg 1', 'msg 2']);
    });

    it('leaves no timer pending after a direct flush() drains the queue', () => {
      const before = timeouts();
      // A short flushMs so that the orphaned timer, if any, lets the process exit soon after.
      const { peer, queue } = backedUp(10, 20);
      queue.push(msg(1));
      peer.bufferedAmount = 0;
      queue.flush();
      queue.clear();
      assert.equal(timeouts(), before);
    });
  });

  describe('clear', () => {
    it('drops every waiting frame without writing or counting them', () => {
      const { peer, queue } = backedUp(10);
      for (let n = 1; n <= 4; n++) queue.push(msg(n));
      queue.clear();
      assert.equal(queue.length, 0);
      assert.equal(queue.dropped, 0);
      peer.bufferedAmount = 0;
      queue.flush();
      assert.deepEqual(peer.written, []);
    });

    it('stops the flush timer', () => {
      const before = timeouts();
      const { queue } = backedUp(10, 60_000);
      queue.push(msg(1));
      assert.equal(timeouts(), before + 1, 'a backed-up queue schedules a flush');
      queue.clear();
      assert.equal(timeouts(), before);
    });

    it('writes nothing when the cleared timer would have fired', () => {
      const timers = fakeTimers();
      const { peer, queue } = backedUp(10, 50);
      queue.push(msg(1));
      queue.clear();
      peer.bufferedAmount = 0;
      timers.tick(500);
      assert.deepEqual(peer.written, []);
    });

    it('lets the queue work again afterwards', () => {
      const timers = fakeTimers();
      const { peer, queue } = backedUp(10, 50);
      queue.push(msg(1));
      queue.clear();
      queue.push(msg(2));
      peer.bufferedAmount = 0;
      timers.tick(50);
      assert.deepEqual(labels(peer.written), ['msg 2']);
    });
  });
});
