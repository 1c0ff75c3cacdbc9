/**
 * Ending access (PROTOCOL.md §2.8): the gateway API, the admin HTTP API and what they leave in the audit log and
 * the metrics. One in-memory gateway, real WebSocket and SSE clients; several gateways on Redis have their own test.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ticketQuery, type Ticket } from '../../../src/protocol/index.js';
import { subjectDigest } from '../../../server/access/subject.js';
import { issueTicket, type IssueOptions } from '../../../server/admission/tickets.js';
import type { Gateway } from '../../../server/gateway.js';
import type { FanoutResult } from '../../../server/engines/engine.js';
import type { AuditEntry } from '../../../server/ops/audit/index.js';
import { verifyAuditLog } from '../../../server/ops/audit/verify.js';
import { MemoryNonceStore, type NonceStore } from '../../../server/admission/nonce-store.js';
import { FakeClock, SECRET, SseReader, TestClient, get, sseUrl, startGateway, wsUrl } from '../helpers.js';

const TOPICS = { 'ops.kpis': { scopes: ['ops.read'] }, 'economy.patch': { scopes: ['economy.admin'] } };
const BOTH = ['ops.read', 'economy.admin'];
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

/** A nonce store whose claims wait while held, so a test can act while a ticket is being checked. */
class HeldNonces implements NonceStore {
  private readonly inner = new MemoryNonceStore();
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  private arrived: (() => void) | undefined;
  private pending = 0;

  /** The next claims wait until {@link release}. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  /** Resolves once a claim is waiting at the gate. */
  waiting(): Promise<void> {
    return this.pending > 0 ? Promise.resolve() : new Promise((resolve) => (this.arrived = resolve));
  }

  async claim(nonce: string, expiresAtMs: number): Promise<boolean> {
    if (this.gate) {
      this.pending += 1;
      this.arrived?.();
      await this.gate;
      this.pending -= 1;
    }
    return this.inner.claim(nonce, expiresAtMs);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A POST with a JSON body; resolves with status and parsed body. */
function post(url: string, body: unknown, token?: string): Promise<{ status: number; body: unknown }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    req.on('response', (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (data += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data ? JSON.parse(data) : undefined }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

describe('ending access', () => {
  let clock: FakeClock;
  let gw: Gateway<FanoutResult>;
  let dir: string;
  const ticket = (scopes: string[], options: IssueOptions = {}): Ticket =>
    issueTicket(SECRET, scopes, { nowMs: clock.now(), ...options });
  const open = async (t: Ticket, topics: string[] = []): Promise<TestClient> => {
    const client = new TestClient(wsUrl(gw, ticketQuery(t)));
    await client.next('hello');
    for (const topic of topics) {
      client.send({ type: 'sub', topic });
      await client.next('sub.ok');
    }
    // The latest message a `sub` without `since` replays: taken, so only new ones follow.
    await client.roundTrip();
    for (const frame of client.pending()) if (frame.type === 'msg') await client.next('msg');
    return client;
  };
  const auditEntries = (): AuditEntry[] =>
    readdirSync(dir)
      .sort()
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'))
      .map((line) => JSON.parse(line) as AuditEntry);

  before(async () => {
    clock = new FakeClock();
    dir = mkdtempSync(join(tmpdir(), 'rt-audit-'));
    gw = await startGateway({ clock, topics: TOPICS, adminToken: ADMIN_TOKEN, audit: { dir } });
  });
  after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("disconnects every connection of a subject (4410, final) and no one else's, on both transports", async () => {
    const ws = [await open(ticket(BOTH, { sub: 'alice' })), await open(ticket(BOTH, { sub: 'alice' }))];
    const sse = new SseReader(`${sseUrl(gw, ticketQuery(ticket(['ops.read'], { sub: 'alice' })))}&topics=ops.kpis`);
    const bob = await open(ticket(BOTH, { sub: 'bob' }), ['ops.kpis']);
    await sse.waitFor(2);
    assert.equal(await gw.disconnect({ subject: 'alice' }, 'offboarded'), 3);
    for (const client of ws) assert.deepEqual(await client.closed, { code: 4410, reason: 'offboarded' });
    await sse.ended;
    assert.deepEqual(sse.events.at(-1)?.data, { type: 'close', code: 4410, reason: 'offboarded' });
    gw.fanout('ops.kpis', { still: 'bob' });
    assert.deepEqual((await bob.next('msg')).data, { still: 'bob' });
    await bob.close();
  });

  it("refuses the subject's tickets issued up to the revocation (4410 / 410), and welcomes later ones", async () => {
    const early = ticket(BOTH, { sub: 'carol' });
    const earlySse = ticket(['ops.read'], { sub: 'carol' });
    await gw.disconnect({ subject: 'carol' });
    assert.deepEqual(await new TestClient(wsUrl(gw, ticketQuery(early))).closed, { code: 4410, reason: 'revoked' });
    const refused = await get(`${sseUrl(gw, ticketQuery(earlySse))}&topics=ops.kpis`);
    assert.deepEqual([refused.status, JSON.parse(refused.body)], [410, { error: 'revoked' }]);
    clock.advance(1000); // the application issues a ticket again (it re-admitted the user)
    const later = await open(ticket(BOTH, { sub: 'carol' }));
    await later.close();
  });

  it('takes scopes away: the topics they covered end with sub.err, the connection stays', async () => {
    const dave = await open(ticket(BOTH, { sub: 'dave' }), ['ops.kpis', 'economy.patch']);
    assert.equal(await gw.revoke({ subject: 'dave' }, ['economy.admin'], 'role_removed'), 1);
    assert.deepEqual(await dave.next('sub.err'), { type: 'sub.err', topic: 'economy.patch', code: 'forbidden' });
    gw.fanout('economy.patch', { secret: true });
    gw.fanout('ops.kpis', { open: true });
    assert.deepEqual((await dave.next('msg')).data, { open: true });
    // A ticket issued before it is admitted without the revoked scope, and cannot refresh it back.
    const older = new TestClient(wsUrl(gw, ticketQuery(ticket(BOTH, { sub: 'dave' }))));
    assert.deepEqual((await older.next('hello')).scopes, ['ops.read']);
    clock.advance(2000);
    older.send({ type: 'refresh', ticket: ticket(BOTH, { sub: 'dave', nowMs: clock.now() - 2000 }) });
    assert.deepEqual((await older.next('refresh.ok')).scopes, ['ops.read']);
    // One issued later is the application's decision again.
    const later = new TestClient(wsUrl(gw, ticketQuery(ticket(BOTH, { sub: 'dave' }))));
    assert.deepEqual((await later.next('hello')).scopes, BOTH);
    await Promise.all([dave.close(), older.close(), later.close()]);
  });

  it('refuses a refresh whose ticket a revocation reaches (refresh.err revoked), keeping the connection as it was', async () => {
    const reader = await open(ticket(['ops.read']), ['ops.kpis']);
    const before = ticket(BOTH); // issued before the scope is shut down
    await gw.disconnect({ scope: 'economy.admin' }, 'incident');
    reader.send({ type: 'refresh', ticket: before });
    assert.equal((await reader.next('refresh.err')).code, 'revoked');
    gw.fanout('ops.kpis', { still: 'reading' });
    assert.deepEqual((await reader.next('msg')).data, { still: 'reading' });
    clock.advance(1000);
    reader.send({ type: 'refresh', ticket: ticket(BOTH) });
    assert.deepEqual((await reader.next('refresh.ok')).scopes, BOTH, 'a ticket issued later is welcome');
    await reader.close();
  });

  it('does not let a connect or a refresh being checked slip past a revocation issued meanwhile', async () => {
    const slow = new HeldNonces();
    const held = await startGateway({ clock, topics: TOPICS, nonceStore: slow });
    try {
      const [client, hello] = [
        new TestClient(wsUrl(held, ticketQuery(ticket(BOTH, { sub: 'fay' })))),
        'hello',
      ] as const;
      slow.release(); // the connect passes its check at once
      await client.next(hello);
      // The refresh's nonce claim waits while the operator takes a scope, then a connect's while it ends access.
      slow.hold();
      client.send({ type: 'refresh', ticket: ticket(BOTH, { sub: 'fay' }) });
      await slow.waiting();
      await held.revoke({ subject: 'fay' }, ['economy.admin']);
      slow.release();
      assert.deepEqual((await client.next('refresh.ok')).scopes, ['ops.read'], 'the revoked scope stays revoked');
      slow.hold();
      const late = new TestClient(wsUrl(held, ticketQuery(ticket(BOTH, { sub: 'fay' }))));
      await slow.waiting();
      await held.disconnect({ subject: 'fay' });
      slow.release();
      assert.deepEqual(await late.closed, { code: 4410, reason: 'revoked' });
      assert.deepEqual(await client.closed, { code: 4410, reason: 'revoked' });
    } finally {
      await held.close();
    }
  });

  it('disconnects by connection id and by scope', async () => {
    const one = await open(ticket(['ops.read']));
    const other = await open(ticket(['ops.read']));
    const admin = await open(ticket(BOTH));
    const [session] = [...gw.hub.sessions].filter((s) => !s.scopes.includes('economy.admin'));
    assert.ok(session);
    assert.equal(await gw.disconnect({ connectionId: session.id }), 1);
    const first = await Promise.race([one.closed, other.closed]);
    assert.deepEqual(first, { code: 4410, reason: 'revoked' });
    assert.equal(await gw.disconnect({ scope: 'economy.admin' }, 'incident'), 1);
    assert.deepEqual(await admin.closed, { code: 4410, reason: 'incident' });
    await Promise.all([one.close(), other.close()]);
  });

  it('throws on a malformed target, reason or scope list', async () => {
    await assert.rejects(gw.disconnect({ subject: '' }), TypeError);
    await assert.rejects(gw.disconnect({ subject: 'x', scope: 'y' } as never), TypeError);
    await assert.rejects(gw.disconnect({ subject: 'x' }, 'Not A Code!'), TypeError);
    await assert.rejects(gw.revoke({ subject: 'x' }, []), TypeError);
  });

  it('serves the admin API for the admin token only, with documented errors', async () => {
    clock.advance(1000); // past the second of the revocations above: its tickets are new
    const url = `${gw.url}/rt/admin/disconnect`;
    const erin = await open(ticket(BOTH, { sub: 'erin' }));
    assert.equal((await post(url, { subject: 'erin' })).status, 401, 'no token');
    assert.equal((await post(url, { subject: 'erin' }, 'wrong-token-0123456789')).status, 401, 'wrong token');
    assert.deepEqual(await post(url, { subject: 'erin', scope: 'x' }, ADMIN_TOKEN), {
      status: 400,
      body: { error: 'bad_target' },
    });
    assert.deepEqual((await post(url, '{not json', ADMIN_TOKEN)).status, 400);
    assert.deepEqual((await post(url, { subject: 'erin', reason: 'BAD REASON' }, ADMIN_TOKEN)).body, {
      error: 'bad_reason',
    });
    assert.deepEqual((await post(url, 'x'.repeat(5000), ADMIN_TOKEN)).status, 413);
    assert.deepEqual((await post(`${gw.url}/rt/admin/revoke`, { subject: 'erin' }, ADMIN_TOKEN)).body, {
      error: 'bad_scopes',
    });
    assert.equal((await get(url, { authorization: `Bearer ${ADMIN_TOKEN}` })).status, 405);
    assert.deepEqual(await post(url, { subject: 'erin', reason: 'offboarded' }, ADMIN_TOKEN), {
      status: 200,
      body: { applied: 1 },
    });
    assert.deepEqual(await erin.closed, { code: 4410, reason: 'offboarded' });
  });

  it('answers 404 on the admin paths when no admin token is set', async () => {
    const plain = await startGateway({ topics: TOPICS });
    try {
      assert.equal((await post(`${plain.url}/rt/admin/disconnect`, { subject: 'x' }, ADMIN_TOKEN)).status, 404);
    } finally {
      await plain.close();
    }
  });

  it('records every revocation and forced disconnect in the audit log, subjects only as digests', async () => {
    await gw.close();
    const log = auditEntries();
    const text = JSON.stringify(log);
    for (const name of ['alice', 'carol', 'dave', 'erin']) assert.ok(!text.includes(`"${name}"`), `${name} in clear`);
    const revocations = log.filter((e) => e.event === 'revocation');
    assert.deepEqual(revocations[0], {
      ...revocations[0],
      op: 'disconnect',
      target: 'subject',
      subject: subjectDigest('alice'),
      reason: 'offboarded',
      count: 3,
    });
    assert.ok(revocations.some((e) => e.op === 'revoke' && e.scopes?.includes('economy.admin')));
    const forced = log.filter((e) => e.event === 'forced_disconnect');
    assert.equal(forced.filter((e) => e.subject === subjectDigest('alice')).length, 3);
    assert.ok(log.some((e) => e.event === 'narrow' && e.reason === 'role_removed'));
    assert.ok(log.some((e) => e.event === 'refuse' && e.reason === 'revoked' && e.code === 410));
    assert.equal((await verifyAuditLog(dir)).ok, true);
    gw = await startGateway({ topics: TOPICS }); // for `after`
  });
});
