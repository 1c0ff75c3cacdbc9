/**
 * Revocation across gateways (PROTOCOL.md §2.8): three gateways on a real Redis of the test's own. A subject
 * revoked through one gateway loses its connections on every gateway (control channel), and its older tickets are
 * refused everywhere (fence in Redis), even by a gateway that started after the revocation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ticketQuery, type Ticket } from '../../../../src/protocol/index.js';
import { issueTicket, type IssueOptions } from '../../../../server/admission/tickets.js';
import { createGateway } from '../../../../server/gateway.js';
import { subjectDigest } from '../../../../server/access/subject.js';
import { silentLogger } from '../../../../server/ops/log.js';
import { RedisServer } from '../../../helpers/redis-server.js';
import { NO_RATE_LIMITS, SECRET, SseReader, TestClient, sseUrl, wsUrl } from '../../helpers.js';
import type { RedisGateway } from './viewers.js';

const TOPICS = { 'ops.kpis': { scopes: ['ops.read'] }, 'economy.patch': { scopes: ['economy.admin'] } };
const BOTH = ['ops.read', 'economy.admin'];

describe('revocation across gateways on Redis', () => {
  let redis: RedisServer;
  const gateways: RedisGateway[] = [];
  const start = async (): Promise<RedisGateway> => {
    const gw = await createGateway({
      secret: SECRET,
      port: 0,
      logger: silentLogger,
      rateLimits: NO_RATE_LIMITS,
      topics: TOPICS,
      redis: { url: redis.url, maxReconnectDelayMs: 100, connectTimeoutMs: 2000 },
    });
    gateways.push(gw);
    return gw;
  };
  const ticket = (scopes: string[], options: IssueOptions = {}): Ticket => issueTicket(SECRET, scopes, options);
  const open = async (gw: RedisGateway, t: Ticket, topics: string[] = []): Promise<TestClient> => {
    const client = new TestClient(wsUrl(gw, ticketQuery(t)));
    await client.next('hello');
    for (const topic of topics) {
      client.send({ type: 'sub', topic });
      await client.next('sub.ok');
    }
    return client;
  };

  before(async () => {
    redis = await RedisServer.start();
    await start();
    await start();
  });
  after(async () => {
    await Promise.all(gateways.map((gw) => gw.close()));
    await redis.dispose();
  });

  it("closes a revoked subject's connections on every gateway, and only theirs", async (t) => {
    const [a, b] = gateways as [RedisGateway, RedisGateway];
    const onA = await open(a, ticket(BOTH, { sub: 'alice' }));
    const onB = [await open(b, ticket(BOTH, { sub: 'alice' })), await open(b, ticket(BOTH, { sub: 'alice' }))];
    const sse = new SseReader(`${sseUrl(b, ticketQuery(ticket(['ops.read'], { sub: 'alice' })))}&topics=ops.kpis`);
    const bob = await open(b, ticket(BOTH, { sub: 'bob' }), ['ops.kpis']);
    await sse.waitFor(2);
    const started = performance.now();
    assert.equal(await a.disconnect({ subject: 'alice' }, 'offboarded'), 1, 'one connection on the gateway called');
    const closes = await Promise.all(onB.map((client) => client.closed));
    const elapsedMs = performance.now() - started;
    t.diagnostic(`closed on the other gateway ${Math.round(elapsedMs)} ms after the call`);
    // The issue's bound, with two orders of magnitude to spare (~10 ms here): a lost message would take the 5 s
    // catch-up, and fail this.
    assert.ok(elapsedMs < 1000, `within a second: ${Math.round(elapsedMs)} ms`);
    for (const closed of [await onA.closed, ...closes]) assert.deepEqual(closed, { code: 4410, reason: 'offboarded' });
    await sse.ended;
    assert.deepEqual(sse.events.at(-1)?.data, { type: 'close', code: 4410, reason: 'offboarded' });
    await b.publish('ops.kpis', { still: 'bob' });
    assert.deepEqual((await bob.next('msg')).data, { still: 'bob' });
    await bob.close();
  });

  it('refuses the older tickets everywhere, even on a gateway started after the revocation', async () => {
    const [a, b] = gateways as [RedisGateway, RedisGateway];
    const older = [ticket(BOTH, { sub: 'carol' }), ticket(BOTH, { sub: 'carol' }), ticket(BOTH, { sub: 'carol' })];
    await b.disconnect({ subject: 'carol' });
    const late = await start();
    for (const [gw, t] of [
      [a, older[0]],
      [b, older[1]],
      [late, older[2]],
    ] as const) {
      assert.deepEqual(await new TestClient(wsUrl(gw, ticketQuery(t as Ticket))).closed, {
        code: 4410,
        reason: 'revoked',
      });
    }
  });

  it('takes scopes from a subject on another gateway: its topics end, its connection stays', async () => {
    const [a, b] = gateways as [RedisGateway, RedisGateway];
    const dave = await open(a, ticket(BOTH, { sub: 'dave' }), ['ops.kpis', 'economy.patch']);
    await b.revoke({ subject: 'dave' }, ['economy.admin'], 'role_removed');
    assert.deepEqual(await dave.next('sub.err'), { type: 'sub.err', topic: 'economy.patch', code: 'forbidden' });
    await b.publish('ops.kpis', { kept: true });
    for (;;) {
      const msg = await dave.next('msg');
      if ((msg.data as { kept?: boolean }).kept) break; // the latest message its `sub` replayed comes first
    }
    await dave.roundTrip();
    await dave.close();
  });

  it('a gateway that missed the message catches up from the log and applies it', async () => {
    const [a, b] = gateways as [RedisGateway, RedisGateway];
    const gus = await open(b, ticket(BOTH, { sub: 'gus' }));
    // As if B's subscriber was reconnecting when the command went out: in the log, never on the channel.
    const command = {
      id: 'lost-message-1',
      at: Date.now(),
      op: 'disconnect',
      target: { subjectDigest: subjectDigest('gus') },
      reason: 'offboarded',
      from: 'another-gateway',
    };
    await redis.command(['ZADD', 'rt:{control}:log', String(command.at), JSON.stringify(command)]);
    await b.context.access.catchUp(); // what its 5 s timer does
    assert.deepEqual(await gus.closed, { code: 4410, reason: 'offboarded' });
    await a.context.access.catchUp();
    const older = ticket(BOTH, { sub: 'gus', nowMs: command.at - 1000 });
    assert.equal((await new TestClient(wsUrl(a, ticketQuery(older))).closed).code, 4410, 'its older tickets too');
  });

  it('with Redis away, ends the connections it can and says it reached this gateway only', async () => {
    const [a] = gateways as [RedisGateway];
    const zed = await open(a, ticket(BOTH, { sub: 'zed' }));
    await redis.kill();
    await assert.rejects(a.disconnect({ subject: 'zed' }), /disconnect reached this gateway only/);
    assert.deepEqual(await zed.closed, { code: 4410, reason: 'revoked' });
  });
});
