import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MsgFrame, ServerFrame } from '../../src/protocol/frames.js';
import { Relay, type Routing } from '../../src/share/relay.js';

const HELLO: ServerFrame = { type: 'hello', v: 1, id: 'c1', scopes: [], heartbeatMs: 15000 };
const msg = (seq: number, topic = 'kpis.s2'): MsgFrame => ({ type: 'msg', topic, seq, ts: 1, data: { seq } });
const to = (routing: Routing, tab: string): ServerFrame[] => routing.tabs.filter(([t]) => t === tab).map(([, f]) => f);

describe('Relay', () => {
  it('gives a joining tab the hello, and the gateway one sub for a topic two tabs want', () => {
    const relay = new Relay();
    relay.join('L');
    assert.deepEqual(relay.fromGateway(HELLO, 'L').tabs, [['L', HELLO]]);
    assert.deepEqual(relay.join('F').tabs, [['F', HELLO]]);
    assert.deepEqual(relay.fromTab('L', { type: 'sub', topic: 'kpis.s2' }).gateway, [
      { type: 'sub', topic: 'kpis.s2' },
    ]);
    const ok = relay.fromGateway({ type: 'sub.ok', topic: 'kpis.s2', seq: 5, epoch: 'e' }, 'L');
    assert.deepEqual(ok.tabs, [['L', { type: 'sub.ok', topic: 'kpis.s2', seq: 5, epoch: 'e' }]]);
    assert.deepEqual(to(relay.fromGateway(msg(5), 'L'), 'L'), [msg(5)], 'the replay goes to the tab that asked');
    // The follower subscribes from scratch: answered here, with the latest message, no new sub.
    const local = relay.fromTab('F', { type: 'sub', topic: 'kpis.s2' });
    assert.deepEqual(local.gateway, []);
    assert.deepEqual(to(local, 'F'), [{ type: 'sub.ok', topic: 'kpis.s2', seq: 5, epoch: 'e' }, msg(5)]);
    // Live messages go to both.
    const live = relay.fromGateway(msg(6), 'L');
    assert.deepEqual([to(live, 'L'), to(live, 'F')], [[msg(6)], [msg(6)]]);
  });

  it('forwards a resume from an older point and routes its replay to that tab only', () => {
    const relay = new Relay();
    relay.join('L');
    relay.fromGateway(HELLO, 'L');
    relay.fromTab('L', { type: 'sub', topic: 'kpis.s2' });
    relay.fromGateway({ type: 'sub.ok', topic: 'kpis.s2', seq: 10, epoch: 'e' }, 'L');
    relay.fromGateway(msg(10), 'L');
    relay.join('F');
    const resume = relay.fromTab('F', { type: 'sub', topic: 'kpis.s2', since: 7, epoch: 'e' });
    assert.deepEqual(resume.gateway, [{ type: 'sub', topic: 'kpis.s2', since: 7, epoch: 'e' }]);
    // A live message while F waits for its answer: L gets it, F will get it in its replay.
    assert.deepEqual(relay.fromGateway(msg(11), 'L').tabs, [['L', msg(11)]]);
    assert.deepEqual(relay.fromGateway({ type: 'sub.ok', topic: 'kpis.s2', seq: 11, epoch: 'e' }, 'L').tabs, [
      ['F', { type: 'sub.ok', topic: 'kpis.s2', seq: 11, epoch: 'e' }],
    ]);
    for (const seq of [8, 9, 10, 11]) assert.deepEqual(relay.fromGateway(msg(seq), 'L').tabs, [['F', msg(seq)]]);
    assert.deepEqual(relay.fromGateway(msg(12), 'L').tabs, [
      ['L', msg(12)],
      ['F', msg(12)],
    ]);
  });

  it("sends a resume's reset to the tab that asked, and an in-band reset to every holder", () => {
    const relay = new Relay();
    relay.join('L');
    relay.join('F');
    relay.fromGateway(HELLO, 'L');
    relay.fromTab('L', { type: 'sub', topic: 'kpis.s2' });
    relay.fromGateway({ type: 'sub.ok', topic: 'kpis.s2', seq: 3, epoch: 'e' }, 'L');
    relay.fromTab('F', { type: 'sub', topic: 'kpis.s2', since: 2, epoch: 'old' });
    relay.fromGateway({ type: 'sub.ok', topic: 'kpis.s2', seq: 3, epoch: 'e' }, 'L');
    const reset = { type: 'reset', topic: 'kpis.s2', epoch: 'e' } as const;
    assert.deepEqual(relay.fromGateway(reset, 'L').tabs, [['F', reset]]);
    relay.fromGateway(msg(4), 'L');
    const inBand = { type: 'reset', topic: 'kpis.s2', epoch: 'e2' } as const;
    assert.deepEqual(relay.fromGateway(inBand, 'L').tabs, [
      ['L', inBand],
      ['F', inBand],
    ]);
  });

  it('unsubscribes at the gateway only when the last tab lets go, or leaves', () => {
    const relay = new Relay();
    relay.join('L');
    relay.join('F');
    relay.fromGateway(HELLO, 'L');
    relay.fromTab('L', { type: 'sub', topic: 'kpis.s2' });
    relay.fromGateway({ type: 'sub.ok', topic: 'kpis.s2', seq: 0, epoch: 'e' }, 'L');
    relay.fromTab('F', { type: 'sub', topic: 'kpis.s2' });
    const first = relay.fromTab('L', { type: 'unsub', topic: 'kpis.s2' });
    assert.deepEqual(first, { gateway: [], tabs: [['L', { type: 'unsub.ok', topic: 'kpis.s2' }]] });
    assert.deepEqual(relay.leave('F').gateway, [{ type: 'unsub', topic: 'kpis.s2' }]);
    assert.equal(relay.tabCount, 1);
  });

  it("keeps the connection's own answers for the leader, and drops what a follower cannot send", () => {
    const relay = new Relay();
    relay.join('L');
    relay.join('F');
    relay.fromGateway(HELLO, 'L');
    for (const frame of [{ type: 'refresh.ok', scopes: [] }, { type: 'pong' }] as ServerFrame[])
      assert.deepEqual(relay.fromGateway(frame, 'L').tabs, [['L', frame]]);
    assert.deepEqual(relay.fromTab('F', { type: 'pong' }), { gateway: [], tabs: [] });
    assert.deepEqual(relay.fromTab('F', { type: 'ping' }).tabs, [['F', { type: 'pong' }]]);
    const ping = relay.fromGateway({ type: 'ping' }, 'L');
    assert.deepEqual(
      ping.tabs.map(([t]) => t),
      ['L', 'F'],
    );
  });

  it('drops the answer to a sub whose tab left, and routes the next answer to the tab that asked next', () => {
    const relay = new Relay();
    relay.join('L');
    relay.fromGateway(HELLO, 'L');
    relay.join('F');
    relay.join('G');
    relay.fromTab('F', { type: 'sub', topic: 'kpis.s2', since: 3, epoch: 'e' });
    relay.fromTab('G', { type: 'sub', topic: 'kpis.s2', since: 5, epoch: 'e' });
    relay.leave('F');
    const first = relay.fromGateway({ type: 'sub.ok', topic: 'kpis.s2', seq: 9, epoch: 'e' }, 'L');
    assert.deepEqual(first.tabs, [], "F's answer goes nowhere");
    assert.deepEqual(relay.fromGateway(msg(4), 'L').tabs, [], "nor F's replay");
    const second = relay.fromGateway({ type: 'sub.ok', topic: 'kpis.s2', seq: 9, epoch: 'e' }, 'L');
    assert.deepEqual(second.tabs, [['G', { type: 'sub.ok', topic: 'kpis.s2', seq: 9, epoch: 'e' }]]);
    assert.deepEqual(relay.fromGateway(msg(6), 'L').tabs, [['G', msg(6)]], "G's replay");
  });

  it('ignores a late sub.ok for a topic nobody holds any more, so the next sub reaches the gateway', () => {
    const relay = new Relay();
    relay.join('L');
    relay.fromGateway(HELLO, 'L');
    relay.join('F');
    relay.fromTab('F', { type: 'sub', topic: 'kpis.s2' });
    assert.deepEqual(relay.leave('F').gateway, [{ type: 'unsub', topic: 'kpis.s2' }]);
    assert.deepEqual(relay.fromGateway({ type: 'sub.ok', topic: 'kpis.s2', seq: 9, epoch: 'e' }, 'L').tabs, []);
    assert.deepEqual(relay.fromTab('L', { type: 'sub', topic: 'kpis.s2' }).gateway, [
      { type: 'sub', topic: 'kpis.s2' },
    ]);
  });

  it("gives every holder the newer messages of another tab's replay, which the gateway will not send again", () => {
    const relay = new Relay();
    relay.join('L');
    relay.fromGateway(HELLO, 'L');
    relay.fromTab('L', { type: 'sub', topic: 'kpis.s2' });
    relay.fromGateway({ type: 'sub.ok', topic: 'kpis.s2', seq: 5, epoch: 'e' }, 'L');
    relay.fromGateway(msg(5), 'L');
    relay.join('F');
    relay.fromTab('F', { type: 'sub', topic: 'kpis.s2', since: 3, epoch: 'e' });
    // A busy gateway had 6 and 7 queued for this connection: its answer to F includes them, and it skips them after.
    relay.fromGateway({ type: 'sub.ok', topic: 'kpis.s2', seq: 7, epoch: 'e' }, 'L');
    const routed = [4, 5, 6, 7].map((seq) => relay.fromGateway(msg(seq), 'L'));
    assert.deepEqual(
      routed.map((r) => to(r, 'F').map((f) => (f as MsgFrame).seq)),
      [[4], [5], [6], [7]],
    );
    assert.deepEqual(
      routed.map((r) => to(r, 'L').map((f) => (f as MsgFrame).seq)),
      [[], [], [6], [7]],
    );
    // Had the gateway sent 7 live as well, no tab would get it twice; 8 goes to both.
    assert.deepEqual(relay.fromGateway(msg(7), 'L').tabs, []);
    const live = relay.fromGateway(msg(8), 'L');
    assert.deepEqual([to(live, 'L'), to(live, 'F')], [[msg(8)], [msg(8)]]);
  });
});
