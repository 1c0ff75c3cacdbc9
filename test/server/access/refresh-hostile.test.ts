/**
 * Hostile `refresh` frames (PROTOCOL.md §3.4): each gets its documented `refresh.err` (or `error`) and the
 * connection keeps the authority it had: the same scopes, the same end, its topics still delivering.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ticketQuery, type Ticket } from '../../../src/protocol/index.js';
import { issueTicket, type IssueOptions } from '../../../server/admission/tickets.js';
import type { Gateway } from '../../../server/gateway.js';
import type { FanoutResult } from '../../../server/engines/engine.js';
import { FakeClock, SECRET, TestClient, startGateway, wsUrl } from '../helpers.js';

const TOPICS = { 'ops.kpis': { scopes: ['ops.read'] }, 'economy.patch': { scopes: ['economy.admin'] } };

describe('hostile refresh frames', () => {
  let clock: FakeClock;
  let gw: Gateway<FanoutResult>;
  let client: TestClient;
  let endsAt: number | undefined;
  const ticket = (scopes: string[], options: IssueOptions = {}): Ticket =>
    issueTicket(SECRET, scopes, { nowMs: clock.now(), sub: 'u-7', ttlS: 60, ...options });
  const refusal = async (frame: object): Promise<string> => {
    client.send(frame);
    return (await client.next('refresh.err')).code;
  };
  /** The authority is as it was: same scopes and end, and the topic still delivers. */
  const unchanged = async (): Promise<void> => {
    const [session] = gw.hub.sessions;
    assert.deepEqual(session?.scopes, ['ops.read']);
    assert.equal(session?.endsAt, endsAt);
    const data = { probe: clock.now() };
    gw.fanout('ops.kpis', data);
    assert.deepEqual((await client.next('msg')).data, data);
  };

  before(async () => {
    clock = new FakeClock();
    gw = await startGateway({ clock, topics: TOPICS });
    client = new TestClient(wsUrl(gw, ticketQuery(ticket(['ops.read']))));
    await client.next('hello');
    client.send({ type: 'sub', topic: 'ops.kpis' });
    await client.next('sub.ok');
    endsAt = [...gw.hub.sessions][0]?.endsAt;
  });
  after(async () => {
    await client.close();
    await gw.close();
  });

  it('refuses wider scopes than were signed (bad_sig)', async () => {
    const forged = { ...ticket(['ops.read']), scopes: 'ops.read,economy.admin' };
    assert.equal(await refusal({ type: 'refresh', ticket: forged }), 'bad_sig');
    await unchanged();
  });

  it('refuses a ticket of another subject, or one without a subject (subject_mismatch)', async () => {
    assert.equal(await refusal({ type: 'refresh', ticket: ticket(['ops.read'], { sub: 'u-8' }) }), 'subject_mismatch');
    const { sub: _sub, ...anonymous } = issueTicket(SECRET, ['ops.read'], { nowMs: clock.now(), ttlS: 60 });
    assert.equal(await refusal({ type: 'refresh', ticket: anonymous }), 'subject_mismatch');
    await unchanged();
  });

  it('refuses a replayed refresh ticket (replay), and a stripped exp breaks the signature', async () => {
    clock.advance(10_000); // the allowance refills: these count against no rate
    const used = ticket(['ops.read']);
    client.send({ type: 'refresh', ticket: used });
    await client.next('refresh.ok');
    endsAt = [...gw.hub.sessions][0]?.endsAt;
    clock.advance(10_000);
    assert.equal(await refusal({ type: 'refresh', ticket: used }), 'replay');
    clock.advance(10_000);
    const { exp: _exp, ...noExp } = ticket(['ops.read']);
    assert.equal(await refusal({ type: 'refresh', ticket: noExp }), 'bad_sig');
    await unchanged();
  });

  it('refuses a stale ticket, an expired one and malformed ones with their reasons', async () => {
    clock.advance(30_000);
    const stale = issueTicket(SECRET, ['ops.read'], { nowMs: clock.now() - 301_000, sub: 'u-7', ttlS: 600 });
    assert.equal(await refusal({ type: 'refresh', ticket: stale }), 'stale_ts');
    clock.advance(10_000);
    const ended = issueTicket(SECRET, ['ops.read'], { nowMs: clock.now() - 10_000, sub: 'u-7', ttlS: 5 });
    assert.equal(await refusal({ type: 'refresh', ticket: ended }), 'expired');
    clock.advance(10_000);
    assert.equal(await refusal({ type: 'refresh', ticket: { ts: 1 } }), 'missing_param');
    clock.advance(10_000);
    assert.equal(await refusal({ type: 'refresh', ticket: { ...ticket(['ops.read']), ts: '17e8' } }), 'bad_ts');
    client.send({ type: 'refresh', ticket: 'ts=1&nonce=…' });
    assert.equal((await client.next('error')).code, 'bad_frame', 'a ticket that is no object is a bad frame');
    await unchanged();
  });

  it('answers a flood of refreshes with rate_limited: at most a burst of 3 is checked, one at a time', async () => {
    clock.advance(60_000);
    const codes: string[] = [];
    for (let i = 0; i < 6; i++)
      client.send({ type: 'refresh', ticket: { ...ticket(['ops.read']), sig: '0'.repeat(64) } });
    for (let i = 0; i < 6; i++) codes.push((await client.next('refresh.err')).code);
    const checked = codes.filter((c) => c !== 'rate_limited');
    assert.ok(checked.length >= 1 && checked.length <= 3, codes.join());
    assert.ok(
      checked.every((c) => c === 'bad_sig'),
      codes.join(),
    );
    assert.equal((await client.roundTrip(), [...gw.hub.sessions][0]?.isClosed), false, 'the connection stays');
    await unchanged();
  });
});
