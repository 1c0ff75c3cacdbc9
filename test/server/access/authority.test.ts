/**
 * Authority that ends (PROTOCOL.md §2.7, §3.4): a real in-memory gateway on an ephemeral port, real WebSocket and
 * SSE clients, and a fake clock so the end of a connection's authority comes when the test says, not after a wait.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ticketQuery, type ServerFrame, type Ticket } from '../../../src/protocol/index.js';
import { issueTicket, type IssueOptions } from '../../../server/admission/tickets.js';
import type { Gateway } from '../../../server/gateway.js';
import type { FanoutResult } from '../../../server/engines/engine.js';
import { FakeClock, SECRET, SseReader, TestClient, sseUrl, startGateway, wsUrl } from '../helpers.js';

const TOPICS = { 'ops.kpis': { scopes: ['ops.read'] }, 'economy.patch': { scopes: ['economy.admin'] } };
const BOTH = ['ops.read', 'economy.admin'];
const DAY_MS = 24 * 60 * 60 * 1000;

describe('authority that ends', () => {
  let clock: FakeClock;
  let gw: Gateway<FanoutResult>;
  const ticket = (scopes: string[], options: IssueOptions = {}): Ticket =>
    issueTicket(SECRET, scopes, { nowMs: clock.now(), ...options });
  const open = async (t: Ticket): Promise<[TestClient, Extract<ServerFrame, { type: 'hello' }>]> => {
    const client = new TestClient(wsUrl(gw, ticketQuery(t)));
    return [client, await client.next('hello')];
  };
  /** Subscribes and takes the latest message a `sub` without `since` replays, so only new ones follow. */
  const subscribe = async (client: TestClient, topic: string): Promise<void> => {
    client.send({ type: 'sub', topic });
    await client.next('sub.ok');
    await client.roundTrip();
    for (const frame of client.pending()) if (frame.type === 'msg') await client.next('msg');
  };
  /** Moves the clock past `ms` and runs the expiry sweep its interval would run. */
  const elapse = (ms: number): void => {
    clock.advance(ms);
    gw.context.expiry.sweep();
  };

  before(async () => {
    clock = new FakeClock();
    gw = await startGateway({ clock, topics: TOPICS });
  });
  after(() => gw.close());

  it("says in hello how long the authority lasts: the ticket's exp, else the maximum age (24 h)", async () => {
    const [withExp, helloExp] = await open(ticket(BOTH, { ttlS: 60 }));
    const [v1, helloV1] = await open(ticket(BOTH));
    const [far, helloFar] = await open(ticket(BOTH, { ttlS: 7 * 24 * 3600 }));
    assert.equal(helloExp.expiresIn, 60_000 - (clock.now() % 1000));
    const withinMaxAge = (ms = 0) => ms <= DAY_MS && ms >= DAY_MS * 0.9;
    assert.ok(
      withinMaxAge(helloV1.expiresIn),
      `a v1 ticket gets the maximum age, less up to a tenth: ${helloV1.expiresIn}`,
    );
    assert.ok(withinMaxAge(helloFar.expiresIn), `an exp beyond the maximum age is capped by it: ${helloFar.expiresIn}`);
    for (const c of [withExp, v1, far]) await c.close();
  });

  it('keeps a connection receiving across several refreshes, with contiguous seq', async () => {
    const [client] = await open(ticket(BOTH, { ttlS: 30, sub: 'u-1' }));
    await subscribe(client, 'ops.kpis');
    const seqs: number[] = [];
    const receive = async (data: unknown) => {
      gw.fanout('ops.kpis', data);
      seqs.push((await client.next('msg')).seq);
    };
    await receive({ first: true });
    elapse(20_000); // two thirds of the way to the end: the client refreshes
    for (let round = 0; round < 4; round++) {
      client.send({ type: 'refresh', ticket: ticket(BOTH, { ttlS: 30, sub: 'u-1' }) });
      const ok = await client.next('refresh.ok');
      assert.deepEqual(ok.scopes, BOTH);
      assert.ok(ok.expiresIn !== undefined && ok.expiresIn > 29_000, `the new end is 30 s away: ${ok.expiresIn}`);
      elapse(11_000); // past the previous end: still open
      await receive({ round, after: 'the previous end' });
      elapse(9_000); // two thirds of the way to the new end: the next refresh
      await receive({ round, before: 'the next refresh' });
    }
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i + 1),
      'no gap, nothing twice',
    );
    await client.close();
  });

  it('ends exactly the topics a refresh with fewer scopes no longer allows', async () => {
    const [client] = await open(ticket(BOTH, { ttlS: 60 }));
    await subscribe(client, 'ops.kpis');
    await subscribe(client, 'economy.patch');
    client.send({ type: 'refresh', ticket: ticket(['ops.read'], { ttlS: 60 }) });
    assert.deepEqual(await client.next('sub.err'), { type: 'sub.err', topic: 'economy.patch', code: 'forbidden' });
    assert.deepEqual((await client.next('refresh.ok')).scopes, ['ops.read']);
    gw.fanout('economy.patch', { gone: true });
    gw.fanout('ops.kpis', { kept: true });
    assert.deepEqual((await client.next('msg')).data, { kept: true }, 'only the topic still allowed delivers');
    await client.roundTrip();
    assert.deepEqual(
      client.pending().filter((f) => f.type === 'msg'),
      [],
    );
    client.send({ type: 'sub', topic: 'economy.patch' });
    assert.equal((await client.next('sub.err')).code, 'forbidden', 'and it cannot come back');
    await client.close();
  });

  it("closes a WebSocket with 4401 'expired' when its authority ends without a refresh", async () => {
    const [client, hello] = await open(ticket(BOTH, { ttlS: 5 }));
    elapse((hello.expiresIn ?? 0) - 1);
    await client.roundTrip(); // still open a millisecond before
    elapse(1);
    assert.deepEqual(await client.closed, { code: 4401, reason: 'expired' });
  });

  it("ends an SSE stream at its end with a last close frame that says why (4401 'expired')", async () => {
    const sse = new SseReader(`${sseUrl(gw, ticketQuery(ticket(['ops.read'], { ttlS: 5 })))}&topics=ops.kpis`);
    await sse.waitFor(2); // hello, sub.ok
    gw.fanout('ops.kpis', { before: true });
    await sse.waitFor(3);
    elapse(5_000);
    await sse.ended;
    assert.deepEqual(sse.events.at(-1)?.data, { type: 'close', code: 4401, reason: 'expired' });
  });

  it('refuses a ticket whose exp has passed (4401 expired)', async () => {
    const t = ticket(BOTH, { ttlS: 2 });
    clock.advance(3_000);
    const client = new TestClient(wsUrl(gw, ticketQuery(t)));
    assert.deepEqual(await client.closed, { code: 4401, reason: 'expired' });
  });
});
