import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEARTBEAT_SLOTS } from '../../../server/delivery/heartbeat.js';
import { until } from '../../helpers/until.js';
import { FakeClock, connect, startGateway } from '../helpers.js';

describe('heartbeat', () => {
  it('pings every connection and terminates a peer silent for the timeout, sparing live ones', async () => {
    const clock = new FakeClock();
    const gw = await startGateway({ clock });
    try {
      const live = await connect(gw, []);
      const silent = await connect(gw, [], { autoPong: false });
      clock.advance(15_000);
      gw.context.heartbeat.tick();
      assert.equal((await live.next('ping')).type, 'ping');
      assert.equal((await silent.next('ping')).type, 'ping');
      await live.roundTrip(); // a frame: a sign of life at t = 15 s
      clock.advance(15_000);
      gw.context.heartbeat.tick();
      assert.equal((await silent.closed).code, 1006);
      assert.equal((await live.next('ping')).type, 'ping');
      assert.equal(gw.stats().total, 1);
      await live.close();
    } finally {
      await gw.close();
    }
  });

  it('takes a protocol pong as a sign of life', async () => {
    const clock = new FakeClock();
    const gw = await startGateway({ clock });
    try {
      const client = await connect(gw, []);
      const [session] = gw.hub.sessions;
      assert.ok(session);
      clock.advance(20_000);
      gw.context.heartbeat.tick(); // the client's ws answers the protocol ping on its own
      await until(() => session.lastSeen === clock.time);
      clock.advance(20_000);
      gw.context.heartbeat.tick();
      assert.equal((await client.next('ping')).type, 'ping');
      await client.close();
    } finally {
      await gw.close();
    }
  });

  it('spreads a round over the interval: each visit pings one slot, each connection once per round', async () => {
    const clock = new FakeClock();
    const gw = await startGateway({ clock });
    try {
      const { heartbeat } = gw.context;
      assert.ok(clock.periods.includes(15_000 / HEARTBEAT_SLOTS), 'the timer visits a slot every interval / 16');
      const clients = await Promise.all(Array.from({ length: 2 * HEARTBEAT_SLOTS }, () => connect(gw, [])));
      const visits = Array.from({ length: HEARTBEAT_SLOTS }, () => {
        clock.advance(heartbeat.stepMs);
        return heartbeat.step();
      });
      assert.deepEqual(visits, Array(HEARTBEAT_SLOTS).fill(2), 'two connections a visit, never all at once');
      for (const client of clients) {
        await client.roundTrip(); // every ping sent before the pong has arrived
        assert.equal(client.pending().filter((f) => f.type === 'ping').length, 1);
      }
      await Promise.all(clients.map((c) => c.close()));
    } finally {
      await gw.close();
    }
  });

  it('catches up by the clock when its timer runs late, one visit per slot', async () => {
    const clock = new FakeClock();
    const gw = await startGateway({ clock });
    try {
      const clients = await Promise.all(Array.from({ length: HEARTBEAT_SLOTS }, () => connect(gw, [])));
      clock.advance(5 * gw.context.heartbeat.stepMs);
      assert.equal(gw.context.heartbeat.step(), 5, 'five visits were due');
      clock.advance(40_000);
      assert.equal(gw.context.heartbeat.step(), HEARTBEAT_SLOTS, 'far behind: each slot once, never twice');
      assert.equal(gw.context.heartbeat.step(), 0, 'nothing more is due');
      await Promise.all(clients.map((c) => c.close()));
    } finally {
      await gw.close();
    }
  });

  it('terminates a silent peer at its slot, between 30 s and 45 s after its last sign of life', async () => {
    const clock = new FakeClock();
    const gw = await startGateway({ clock });
    try {
      const { heartbeat } = gw.context;
      const others = await Promise.all(Array.from({ length: 5 }, () => connect(gw, [])));
      const silent = await connect(gw, [], { autoPong: false });
      const [session] = [...gw.hub.sessions].slice(-1);
      assert.ok(session);
      const lastSign = session.lastSeen;
      let elapsed = 0;
      while (gw.hub.sessions.has(session) && elapsed < 60_000) {
        clock.advance(heartbeat.stepMs);
        elapsed = clock.time - lastSign;
        heartbeat.step();
      }
      assert.ok(!gw.hub.sessions.has(session), 'terminated');
      assert.ok(elapsed >= 30_000 && elapsed <= 45_000, `terminated ${elapsed} ms after its last sign of life`);
      assert.equal((await silent.closed).code, 1006);
      await Promise.all(others.map((c) => c.close()));
    } finally {
      await gw.close();
    }
  });
});
