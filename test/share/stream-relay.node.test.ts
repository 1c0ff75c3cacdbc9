import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MsgFrame, ServerFrame } from '../../src/protocol/frames.js';
import type { Routing } from '../../src/share/relay.js';
import { StreamRelay } from '../../src/share/stream-relay.js';

const HELLO: ServerFrame = { type: 'hello', v: 1, id: 'c1', scopes: [], heartbeatMs: 15000 };
const msg = (seq: number, topic = 'kpis.s2'): MsgFrame => ({ type: 'msg', topic, seq, ts: 1, data: { seq } });
const ok = (seq: number, topic = 'kpis.s2', epoch = 'e'): ServerFrame => ({ type: 'sub.ok', topic, seq, epoch });
const to = (routing: Routing, tab: string): ServerFrame[] => routing.tabs.filter(([t]) => t === tab).map(([, f]) => f);

/** A relay whose stream carries kpis.s2 up to seq 10 for tabs L and F. */
function streaming(): StreamRelay {
  const relay = new StreamRelay();
  relay.join('L', [{ topic: 'kpis.s2' }]);
  relay.join('F', [{ topic: 'kpis.s2' }]);
  relay.opened(relay.points());
  relay.fromGateway(HELLO, 'L');
  relay.fromGateway(ok(10), 'L');
  relay.fromGateway(msg(10), 'L');
  return relay;
}

describe('StreamRelay (the leader on an SSE stream)', () => {
  it('opens the stream with the topics tabs join with, before any hello, and gives every holder its frames', () => {
    const relay = new StreamRelay();
    const first = relay.join('L', [{ topic: 'kpis.s2' }]);
    assert.deepEqual(first.gateway, [{ type: 'sub', topic: 'kpis.s2' }], 'the stream must open');
    assert.deepEqual(first.tabs, [], 'no hello yet');
    relay.join('F', [{ topic: 'kpis.s2' }, { topic: 'ab.status', since: 3, epoch: 'x' }]);
    assert.deepEqual(
      relay.points(),
      new Map([
        ['kpis.s2', undefined],
        ['ab.status', { since: 3, epoch: 'x' }],
      ]),
    );
    relay.opened(relay.points());
    assert.deepEqual(relay.fromGateway(HELLO, 'L').tabs, [
      ['L', HELLO],
      ['F', HELLO],
    ]);
    const answer = relay.fromGateway(ok(10), 'L');
    assert.deepEqual([to(answer, 'L'), to(answer, 'F')], [[ok(10)], [ok(10)]]);
    const ab = relay.fromGateway(msg(4, 'ab.status'), 'L');
    assert.deepEqual([to(ab, 'L'), to(ab, 'F')], [[], [msg(4, 'ab.status')]], 'only to the tab that holds it');
  });

  it('answers a tab that subscribes to a carried topic here: sub.ok and the latest message, no new stream', () => {
    const relay = streaming();
    relay.join('N');
    const fresh = relay.fromTab('N', { type: 'sub', topic: 'kpis.s2' });
    assert.deepEqual(fresh.gateway, []);
    assert.deepEqual(to(fresh, 'N'), [ok(10), msg(10)]);
    // A resume from what the stream already delivered: sub.ok only.
    const resumed = relay.fromTab('L', { type: 'sub', topic: 'kpis.s2', since: 10, epoch: 'e' });
    assert.deepEqual([resumed.gateway, to(resumed, 'L')], [[], [ok(10)]]);
  });

  it('reopens from further back for a tab that missed messages, and that tab resubscribing after the hello is covered', () => {
    const relay = streaming();
    relay.join('N');
    const behind = relay.fromTab('N', { type: 'sub', topic: 'kpis.s2', since: 7, epoch: 'e' });
    assert.deepEqual(behind.gateway, [{ type: 'sub', topic: 'kpis.s2', since: 7, epoch: 'e' }]);
    const points = relay.points();
    assert.deepEqual(points.get('kpis.s2'), { since: 7, epoch: 'e' }, 'the oldest point a tab needs');
    relay.opened(points);
    relay.fromGateway(HELLO, 'L');
    // Every tab resubscribes after the hello: none makes the stream reopen again.
    for (const [tab, since] of [
      ['L', 10],
      ['F', 10],
      ['N', 7],
    ] as const) {
      assert.deepEqual(relay.fromTab(tab, { type: 'sub', topic: 'kpis.s2', since, epoch: 'e' }).gateway, []);
    }
    // The replay reaches every holder; each client drops what it has.
    const replay = relay.fromGateway(msg(8), 'L');
    assert.deepEqual(
      replay.tabs.map(([t]) => t),
      ['L', 'F', 'N'],
    );
  });

  it('answers a tab on an epoch that is over with what the gateway would: sub.ok, reset, latest', () => {
    const relay = streaming();
    relay.join('N');
    const r = relay.fromTab('N', { type: 'sub', topic: 'kpis.s2', since: 40, epoch: 'old' });
    assert.deepEqual(r.gateway, []);
    assert.deepEqual(to(r, 'N'), [ok(10), { type: 'reset', topic: 'kpis.s2', epoch: 'e' }, msg(10)]);
  });

  it('drops a topic from the next stream when its last tab lets go, answering each unsub here', () => {
    const relay = streaming();
    const first = relay.fromTab('L', { type: 'unsub', topic: 'kpis.s2' });
    assert.deepEqual([first.gateway, to(first, 'L')], [[], [{ type: 'unsub.ok', topic: 'kpis.s2' }]]);
    assert.deepEqual(to(relay.fromGateway(msg(11), 'L'), 'L'), [], 'L no longer gets it');
    const last = relay.leave('F');
    assert.deepEqual(last.gateway, [{ type: 'unsub', topic: 'kpis.s2' }]);
    assert.deepEqual(relay.points(), new Map());
    assert.equal(relay.tabCount, 1);
  });

  it('resumes each topic of a reopened stream from what the tabs were sent', () => {
    const relay = streaming();
    relay.fromGateway(msg(11), 'L');
    relay.fromTab('F', { type: 'sub', topic: 'ab.status' });
    assert.deepEqual(
      relay.points(),
      new Map([
        ['kpis.s2', { since: 11, epoch: 'e' }],
        ['ab.status', undefined],
      ]),
    );
  });

  it('gives an in-band reset to every holder, and keeps the connection frames for the leader', () => {
    const relay = streaming();
    const reset = relay.fromGateway({ type: 'reset', topic: 'kpis.s2', epoch: 'e2' }, 'L');
    assert.deepEqual(
      reset.tabs.map(([t]) => t),
      ['L', 'F'],
    );
    assert.deepEqual(relay.points().get('kpis.s2'), undefined, 'nothing of the new epoch sent yet');
    const error: ServerFrame = { type: 'error', code: 'bad_frame', message: 'x' } as ServerFrame;
    assert.deepEqual(relay.fromGateway(error, 'L').tabs, [['L', error]]);
    assert.deepEqual(relay.fromGateway({ type: 'ping' }, 'L').tabs.length, 2);
  });

  it('gives a tab that comes back to a topic the messages it did not get, from what the leader kept', () => {
    const relay = streaming();
    relay.fromTab('F', { type: 'unsub', topic: 'kpis.s2' });
    relay.fromGateway(msg(11), 'L');
    relay.fromGateway(msg(12), 'L');
    // F held 10 when it let go; 11 and 12 went to L only.
    const back = relay.fromTab('F', { type: 'sub', topic: 'kpis.s2', since: 10, epoch: 'e' });
    assert.deepEqual(back.gateway, [], 'no new stream');
    assert.deepEqual(to(back, 'F'), [ok(12), msg(11), msg(12)]);
  });

  it('reopens from a point further back than the leader kept, and the holders resubscribing after are covered', () => {
    const relay = streaming();
    relay.join('N');
    const back = relay.fromTab('N', { type: 'sub', topic: 'kpis.s2', since: 4, epoch: 'e' });
    assert.deepEqual(back.gateway, [{ type: 'sub', topic: 'kpis.s2', since: 4, epoch: 'e' }]);
    assert.deepEqual(relay.points().get('kpis.s2'), { since: 4, epoch: 'e' });
    relay.opened(relay.points());
    relay.fromGateway(HELLO, 'L');
    relay.fromGateway(msg(5), 'L');
    assert.deepEqual(relay.fromTab('L', { type: 'sub', topic: 'kpis.s2', since: 10, epoch: 'e' }).gateway, []);
  });
});
