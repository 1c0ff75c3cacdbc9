/**
 * One connection for several tabs, in real Chromium: two "tabs" are two shared connections in one page (their own
 * BroadcastChannel ends and lock requests, contending as tabs would), over a fake gateway transport whose frames
 * the test writes. Waits are bounded checks of what arrived, never sleeps.
 */
import { expect } from '@open-wc/testing';
import type { ClientFrame, HelloFrame, ServerFrame } from '../../src/protocol/frames.js';
import { shareConnection, type SharedConnection } from '../../src/share/shared-connection.js';
import type { TransportFactory, TransportHandlers, TransportOptions } from '../../src/transports/transport.js';
import { eventually } from '../helpers/until.js';

const HELLO: ServerFrame = { type: 'hello', v: 1, id: 'c1', scopes: [], heartbeatMs: 15000 };

/** A gateway connection the test drives: what was sent on it, and a way to answer. */
interface Wire {
  ticket: string;
  sent: ClientFrame[];
  closed: boolean;
  handlers: TransportHandlers;
}

/** A tab's client, seen from its transport: the frames and closes it got. */
interface TabClient {
  shared: SharedConnection;
  frames: ServerFrame[];
  closes: number[];
  send: (frame: ClientFrame) => void;
  close: () => void;
}

let groups = 0;

describe('shareConnection', function () {
  this.timeout(10_000);
  let wires: Wire[];
  let tabs: SharedConnection[];
  let group: string;
  const factory: TransportFactory = (options, handlers) => {
    const wire: Wire = { ticket: options.ticket, sent: [], closed: false, handlers };
    wires.push(wire);
    return { duplex: true, send: (f) => wire.sent.push(f), close: () => (wire.closed = true) };
  };
  const options = (ticket: string): TransportOptions => ({ url: 'ws://gw/rt', ticket, topics: new Map() });

  /** A tab whose client opens the shared connection with `ticket` (used if it leads). */
  const tab = (name: string, ticket = `ts=${name}`): TabClient => {
    const shared = shareConnection({
      group,
      tab: name,
      ticket: () => Promise.resolve(`ts=${name}-later`),
      silenceMs: 400,
    });
    tabs.push(shared);
    const client: TabClient = { shared, frames: [], closes: [], send: () => {}, close: () => {} };
    const t = shared.open(factory, options(ticket), {
      frame: (f) => client.frames.push(f),
      close: (code) => client.closes.push(code),
      ticket: () => client.closes.push(-1), // no ticket: recorded as -1
      topics: () => new Map(),
    });
    client.send = (f) => t.send(f);
    client.close = () => t.close();
    return client;
  };
  const got = (client: TabClient, type: ServerFrame['type']) => client.frames.filter((f) => f.type === type);

  beforeEach(() => {
    wires = [];
    tabs = [];
    group = `test-share-${Date.now()}-${groups++}`;
  });
  afterEach(() => tabs.forEach((t) => t.leave()));

  it('opens one gateway connection for two tabs and routes each answer to the tab that asked', async () => {
    const a = tab('a');
    await eventually(() => a.shared.leading(), { what: 'a leads' });
    const b = tab('b');
    await eventually(() => wires.length === 1, { what: 'the leader connects' });
    // Its client opened before the election ended, as a follower: leading, it fetched a ticket of its own.
    expect(wires[0]?.ticket).to.equal('ts=a-later');
    wires[0]?.handlers.frame(HELLO);
    await eventually(() => got(b, 'hello').length === 1 && got(a, 'hello').length === 1, { what: 'both said hello' });
    b.send({ type: 'sub', topic: 'kpis.s2' });
    await eventually(() => wires[0]?.sent.length === 1, { what: "b's sub reaches the gateway" });
    wires[0]?.handlers.frame({ type: 'sub.ok', topic: 'kpis.s2', seq: 1, epoch: 'e' });
    wires[0]?.handlers.frame({ type: 'msg', topic: 'kpis.s2', seq: 1, ts: 1, data: 1 });
    await eventually(() => got(b, 'msg').length === 1, { what: 'b gets its replay' });
    expect(got(a, 'msg')).to.deep.equal([]);
    a.send({ type: 'sub', topic: 'kpis.s2' }); // held already: answered at once, no second sub
    expect(got(a, 'sub.ok')).to.have.length(1);
    expect(got(a, 'msg')).to.have.length(1);
    expect(wires[0]?.sent).to.have.length(1);
    wires[0]?.handlers.frame({ type: 'msg', topic: 'kpis.s2', seq: 2, ts: 1, data: 2 });
    await eventually(() => got(b, 'msg').length === 2, { what: 'b gets the live message' });
    expect(got(a, 'msg')).to.have.length(2);
    await eventually(() => b.shared.state.get().tabs === 2, { what: 'b counts two tabs' });
  });

  it("tells only the leader when the connection's authority ends: only it refreshes", async () => {
    const a = tab('a');
    await eventually(() => a.shared.leading(), { what: 'a leads' });
    const b = tab('b');
    await eventually(() => wires.length === 1, { what: 'the leader connects' });
    wires[0]?.handlers.frame({ ...HELLO, expiresIn: 60_000 });
    await eventually(() => got(b, 'hello').length === 1, { what: 'b said hello' });
    expect(got(a, 'hello')).to.deep.equal([{ ...HELLO, expiresIn: 60_000 }]);
    expect(got(b, 'hello')).to.deep.equal([HELLO]);
    // A follower's refresh (from an older SDK) is not the connection's: it never reaches the gateway.
    b.send({ type: 'refresh', ticket: { ts: 1, nonce: 'n', scopes: '', sig: '0'.repeat(64) } });
    b.send({ type: 'ping' });
    await eventually(() => got(b, 'pong').length === 1, { what: 'b heard back after its refresh' });
    expect(wires[0]?.sent).to.deep.equal([]);
  });

  it("sends the leader's ping, pong and refresh to the gateway, and answers a follower's ping itself", async () => {
    const a = tab('a');
    await eventually(() => a.shared.leading(), { what: 'a leads' });
    const b = tab('b');
    await eventually(() => wires.length === 1, { what: 'the leader connects' });
    wires[0]?.handlers.frame(HELLO);
    await eventually(() => got(b, 'hello').length === 1, { what: 'b said hello' });
    const ticket = { ts: 1, nonce: 'n', scopes: '', sig: '0'.repeat(64) };
    a.send({ type: 'ping' });
    a.send({ type: 'pong' });
    a.send({ type: 'refresh', ticket });
    // The leader's client sees a dead link as it would alone: nothing answers its ping but the gateway.
    expect(wires[0]?.sent).to.deep.equal([{ type: 'ping' }, { type: 'pong' }, { type: 'refresh', ticket }]);
    expect(got(a, 'pong')).to.deep.equal([]);
    wires[0]?.handlers.frame({ type: 'pong' });
    wires[0]?.handlers.frame({ type: 'refresh.ok', scopes: [], expiresIn: 60_000 });
    expect(got(a, 'pong')).to.have.length(1);
    expect(got(a, 'refresh.ok')).to.have.length(1);
    b.send({ type: 'ping' });
    await eventually(() => got(b, 'pong').length === 1, { what: "b's ping answered by the leader" });
    expect(wires[0]?.sent).to.have.length(3);
    expect(got(b, 'refresh.ok')).to.deep.equal([]);
  });

  it('hands the connection over when the leader leaves: the follower connects with its own ticket', async () => {
    const a = tab('a');
    await eventually(() => a.shared.leading(), { what: 'a leads' });
    const b = tab('b');
    wires[0]?.handlers.frame(HELLO);
    await eventually(() => got(b, 'hello').length === 1, { what: 'b said hello' });
    tabs[0]?.leave(); // the leader's page goes away
    await eventually(() => b.shared.leading() && wires.length === 2, { what: 'b leads and connects' });
    expect(wires[0]?.closed).to.equal(true);
    expect(wires[1]?.ticket).to.equal('ts=b-later');
    wires[1]?.handlers.frame(HELLO);
    expect(got(b, 'hello')).to.have.length(2); // its client resubscribes from what it holds
    expect(b.closes).to.deep.equal([]);
  });

  it('hands the connection over when the leading tab disconnects its client, and keeps the others served', async () => {
    const a = tab('a');
    await eventually(() => a.shared.leading(), { what: 'a leads' });
    const b = tab('b');
    wires[0]?.handlers.frame(HELLO);
    await eventually(() => got(b, 'hello').length === 1, { what: 'b said hello' });
    a.close(); // a's client.disconnect(): only its own tab lets go
    await eventually(() => b.shared.leading() && wires.length === 2, { what: 'b leads and connects' });
    expect(wires[0]?.closed).to.equal(true);
    expect([a.closes, b.closes]).to.deep.equal([[], []]);
  });

  it("gives a tab that joins later the hello with the gateway's clock moved on: every tab learns the same offset", async () => {
    const HOUR = 3_600_000;
    const now = Date.now() + HOUR; // the gateway's clock runs an hour ahead
    const a = tab('a');
    await eventually(() => a.shared.leading(), { what: 'a leads' });
    await eventually(() => wires.length === 1, { what: 'the leader connects' });
    wires[0]?.handlers.frame({ ...HELLO, now });
    await eventually(() => got(a, 'hello').length === 1, { what: 'a said hello' });
    const real = performance.now.bind(performance);
    performance.now = () => real() + HOUR; // an hour passes before the next tab opens
    try {
      const c = tab('c');
      await eventually(() => got(c, 'hello').length === 1, { what: 'c said hello' });
      const [leader] = got(a, 'hello') as HelloFrame[];
      const [late] = got(c, 'hello') as HelloFrame[];
      expect(leader?.now).to.be.within(now, now + 1_000);
      // Moved on by the hour (and the real time the test took), not the hour-old value.
      expect(late?.now).to.be.within(now + HOUR, now + HOUR + 60_000);
    } finally {
      performance.now = real;
    }
  });

  it('passes a hello without now (an older gateway) on as it is', async () => {
    const a = tab('a');
    await eventually(() => a.shared.leading(), { what: 'a leads' });
    const b = tab('b');
    await eventually(() => wires.length === 1, { what: 'the leader connects' });
    wires[0]?.handlers.frame(HELLO);
    await eventually(() => got(b, 'hello').length === 1, { what: 'b said hello' });
    expect(got(b, 'hello')[0]).to.not.have.property('now');
    expect(got(a, 'hello')).to.deep.equal([HELLO]);
  });

  it("reports the gateway's close to every tab, so each acts on the real code", async () => {
    const a = tab('a');
    await eventually(() => a.shared.leading(), { what: 'a leads' });
    const b = tab('b');
    wires[0]?.handlers.frame(HELLO);
    await eventually(() => got(b, 'hello').length === 1, { what: 'b said hello' });
    wires[0]?.handlers.close(4410, 'revoked');
    await eventually(() => b.closes.length === 1, { what: 'b hears the close' });
    expect([a.closes, b.closes]).to.deep.equal([[4410], [4410]]);
  });
});
