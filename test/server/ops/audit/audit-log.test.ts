import assert from 'node:assert/strict';
import { once } from 'node:events';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AuditLog, EVENT_FIELDS, type AuditEntry, type AuditEvent } from '../../../../server/ops/audit/index.js';
import { verifyAuditLog } from '../../../../server/ops/audit/verify.js';
import type { Gateway } from '../../../../server/gateway.js';
import { silentLogger } from '../../../../server/ops/log.js';
import { TestClient, connect, signedQuery, startGateway, wsUrl } from '../../helpers.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-27T10:00:00.000Z');

/** Every entry of every day file in `dir`, oldest first. */
function entries(dir: string): AuditEntry[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').trim().split('\n'))
    .map((line) => JSON.parse(line) as AuditEntry);
}

/** The fields an entry of `event` may have: the six every entry has plus the event's own. */
function allowedFields(event: AuditEvent): string[] {
  return ['v', 'ts', 'seq', 'event', 'prev', 'hash', ...EVENT_FIELDS[event]];
}

describe('AuditLog', () => {
  let dir: string;
  let time: number;
  const now = () => time;
  const open = (extra: { retentionDays?: number; maxQueued?: number } = {}) =>
    AuditLog.open({ dir, now, logger: silentLogger, pruneIntervalMs: 0, ...extra });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rt-audit-'));
    time = T0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('with a real gateway', () => {
    let gw: Gateway;
    let audit: AuditLog;
    beforeEach(async () => {
      gw = await startGateway();
      audit = (await open()).attach(gw.hub);
    });
    afterEach(async () => {
      await gw.close();
      await audit.close();
    });

    it('records connect, subscribe refusal, refusal and disconnect in the order they happened', async () => {
      const client = await connect(gw, ['ops.admin']);
      client.send({ type: 'sub', topic: 'liveops.events' });
      await client.next('sub.err');
      const refused = new TestClient(wsUrl(gw, signedQuery(['ops.admin'], { secret: 'wrong-secret-0123456789' })));
      await refused.closed;
      const gone = once(gw.hub, 'disconnect');
      await client.close();
      await gone;
      await audit.flush();

      const log = entries(dir);
      assert.deepEqual(
        log.map((e) => e.event),
        ['start', 'connect', 'sub_refused', 'refuse', 'disconnect'],
      );
      const [, connected, subRefused, refusal, disconnected] = log;
      assert.equal(connected?.transport, 'websocket');
      assert.deepEqual(connected?.scopes, ['ops.admin']);
      assert.deepEqual(
        [subRefused?.topic, subRefused?.reason, subRefused?.id],
        ['liveops.events', 'forbidden', connected?.id],
      );
      assert.deepEqual([refusal?.reason, refusal?.code, refusal?.transport], ['bad_sig', 4401, 'websocket']);
      assert.deepEqual([disconnected?.id, disconnected?.code], [connected?.id, 1005]);
      assert.equal((await verifyAuditLog(dir)).ok, true);
    });

    it('writes only the documented fields: no address, payload, ticket, signature or nonce', async () => {
      const query = new URLSearchParams(signedQuery(['ops.admin']));
      const client = new TestClient(wsUrl(gw, query.toString()));
      await client.next('hello');
      client.send({ type: 'sub', topic: 'kpis.s2' });
      await client.next('sub.ok');
      gw.fanout('kpis.s2', { secretPayloadMarker: 'payload-7f3a' });
      await client.next('msg');
      client.send({ type: 'sub', topic: 'economy.patch' });
      await client.next('sub.err');
      const gone = once(gw.hub, 'disconnect');
      await client.close();
      await gone;
      await audit.flush();

      const text = readdirSync(dir)
        .map((name) => readFileSync(join(dir, name), 'utf8'))
        .join('');
      for (const secret of [
        query.get('sig'),
        query.get('nonce'),
        query.toString(),
        'payload-7f3a',
        '127.0.0.1',
        '::1',
      ]) {
        assert.ok(secret && !text.includes(secret), `the log must not contain ${secret}`);
      }
      const log = entries(dir);
      assert.deepEqual(Object.keys(log[1]!).sort(), [
        'event',
        'hash',
        'id',
        'prev',
        'scopes',
        'seq',
        'transport',
        'ts',
        'v',
      ]);
      for (const entry of log) {
        assert.deepEqual(
          Object.keys(entry).filter((k) => !allowedFields(entry.event).includes(k)),
          [],
          `${entry.event} has undocumented fields`,
        );
      }
    });

    it('keeps the reason but not the name the client sent when the topic is unknown', async () => {
      const client = await connect(gw, ['ops.admin']);
      client.send({ type: 'sub', topic: 'jane.doe.private' });
      await client.next('sub.err');
      await client.close();
      await audit.flush();
      const refused = entries(dir).find((e) => e.event === 'sub_refused');
      assert.equal(refused?.reason, 'unknown_topic');
      assert.equal('topic' in (refused ?? {}), false);
      assert.ok(!readFileSync(join(dir, 'audit-2026-11-27.jsonl'), 'utf8').includes('jane'));
    });

    it('stops listening to the hub when closed', async () => {
      const events = ['connect', 'disconnect', 'refuse', 'subRefused', 'rateLimited'] as const;
      const attached = events.map((event) => gw.hub.listenerCount(event));
      await audit.close();
      assert.deepEqual(
        events.map((event) => gw.hub.listenerCount(event)),
        attached.map((n) => n - 1),
      );
      gw.hub.emit('rateLimited', 'frames', 'websocket');
      assert.deepEqual(
        entries(dir).map((e) => e.event),
        ['start', 'stop'],
      );
    });

    it('records rate-limit hits and SSE refusals with the HTTP status', async () => {
      gw.hub.emit('rateLimited', 'frames', 'websocket');
      gw.hub.emit('refuse', { transport: 'sse', reason: 'forbidden_origin', closeCode: 4403, status: 403 });
      await audit.flush();
      const log = entries(dir);
      assert.deepEqual(log[1], { ...log[1], event: 'rate_limited', transport: 'websocket', reason: 'frames' });
      assert.deepEqual(log[2], { ...log[2], event: 'refuse', transport: 'sse', reason: 'forbidden_origin', code: 403 });
    });
  });

  it('ends with a stop entry on close and ignores records after it', async () => {
    const gwLess = await open();
    gwLess.record({ event: 'refuse', transport: 'websocket', reason: 'bad_sig', code: 4401 });
    await gwLess.close();
    gwLess.record({ event: 'refuse', transport: 'websocket', reason: 'late', code: 4401 });
    await gwLess.close();
    assert.deepEqual(
      entries(dir).map((e) => e.event),
      ['start', 'refuse', 'stop'],
    );
  });

  it('continues the chain after a restart', async () => {
    await (await open()).close();
    time += 1000;
    await (await open()).close();
    const log = entries(dir);
    assert.deepEqual(
      log.map((e) => e.seq),
      [1, 2, 3, 4],
    );
    assert.equal(log[2]?.prev, log[1]?.hash);
    assert.equal((await verifyAuditLog(dir)).ok, true);
  });

  it('writes each UTC day to its own file, the first entry of a day chained to the last of the day before', async () => {
    const audit = await open();
    time = Date.parse('2026-11-27T23:59:59.999Z');
    audit.record({ event: 'rate_limited', transport: 'sse', reason: 'connections_per_ip' });
    await audit.flush();
    time = Date.parse('2026-11-28T00:00:00.000Z');
    audit.record({ event: 'rate_limited', transport: 'sse', reason: 'connections_per_ip' });
    await audit.close();

    assert.deepEqual(readdirSync(dir).sort(), ['audit-2026-11-27.jsonl', 'audit-2026-11-28.jsonl']);
    const day2 = readFileSync(join(dir, 'audit-2026-11-28.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEntry);
    const day1 = readFileSync(join(dir, 'audit-2026-11-27.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEntry);
    assert.equal(day2[0]?.prev, day1.at(-1)?.hash);
    assert.equal((await verifyAuditLog(dir)).ok, true);
  });

  it('deletes day files past retention, keeps the rest verifiable, and continues from the anchor', async () => {
    const audit = await open({ retentionDays: 2 });
    for (let day = 1; day <= 4; day += 1) {
      time = T0 + day * DAY;
      audit.record({ event: 'rate_limited', transport: 'websocket', reason: 'frames' });
      await audit.flush();
    }
    await audit.close();
    // Rotating into each new day pruned: on 2026-12-01 files whose day ended two days before are gone.
    const left = readdirSync(dir)
      .filter((n) => n.endsWith('.jsonl'))
      .sort();
    assert.deepEqual(left, ['audit-2026-11-29.jsonl', 'audit-2026-11-30.jsonl', 'audit-2026-12-01.jsonl']);
    const kept = await verifyAuditLog(dir);
    assert.equal(kept.ok, true, JSON.stringify(kept.problem));
    assert.match(kept.notes.join('\n'), /retention anchor/);

    time = T0 + 100 * DAY; // everything expires at the next open; the chain still continues
    await (await open({ retentionDays: 2 })).close();
    const after = entries(dir);
    assert.equal(after[0]?.seq, kept.head!.seq + 1);
    assert.equal(after[0]?.prev, kept.head!.hash);
    assert.equal((await verifyAuditLog(dir)).ok, true);
  });

  it('keeps 90 days by default: prune() removes exactly the files whose day ended 90 days ago', async () => {
    const audit = await open(); // the seed's "90-day data retention", with no retentionDays given
    time = T0 + 90 * DAY; // 2027-02-25 10:00: 2026-11-27 ended 89 days 14 h ago
    assert.deepEqual(await audit.prune(), []);
    time = Date.parse('2027-02-26T00:00:00.000Z'); // exactly 90 days after the day ended
    assert.deepEqual(await audit.prune(), [join(dir, 'audit-2026-11-27.jsonl')]);
    await audit.close();
    assert.equal((await verifyAuditLog(dir)).ok, true);
  });

  it('counts events beyond maxQueued as lost and chains a gap entry where they were lost', async () => {
    const audit = await open({ maxQueued: 3 });
    // Recorded in one turn of the event loop: the writer cannot take any before the queue is full.
    for (let i = 0; i < 5; i += 1) audit.record({ event: 'rate_limited', transport: 'websocket', reason: 'frames' });
    assert.equal(audit.queued, 3);
    assert.equal(audit.lost, 2);
    audit.record({ event: 'refuse', transport: 'sse', reason: 'bad_sig', code: 401 }); // queue full: lost too
    await audit.flush();
    audit.record({ event: 'refuse', transport: 'sse', reason: 'expired', code: 401 });
    await audit.close();

    const log = entries(dir);
    assert.deepEqual(
      log.map((e) => e.event),
      ['start', 'rate_limited', 'rate_limited', 'rate_limited', 'gap', 'refuse', 'stop'],
    );
    assert.equal(log[4]?.lost, 3);
    assert.equal(log[5]?.reason, 'expired');
    assert.equal((await verifyAuditLog(dir)).ok, true);
  });

  it('counts a failed write as lost and records a gap once writing works again', async () => {
    const audit = await open();
    const blocked = join(dir, 'audit-2026-11-28.jsonl');
    mkdirSync(blocked); // the next day's file cannot be opened
    time = T0 + DAY;
    audit.record({ event: 'rate_limited', transport: 'websocket', reason: 'frames' });
    await audit.flush();
    assert.equal(audit.lost, 1);
    rmSync(blocked, { recursive: true });
    audit.record({ event: 'rate_limited', transport: 'websocket', reason: 'subscriptions' });
    await audit.close();

    const log = entries(dir);
    assert.deepEqual(
      log.map((e) => e.event),
      ['start', 'gap', 'rate_limited', 'stop'],
    );
    assert.equal(log[1]?.lost, 1);
    assert.equal(log[2]?.reason, 'subscriptions');
    assert.equal((await verifyAuditLog(dir)).ok, true);
  });

  it('fails to open when the directory cannot be written', async () => {
    const file = join(dir, 'not-a-dir');
    appendFileSync(file, 'x');
    await assert.rejects(AuditLog.open({ dir: join(file, 'audit'), logger: silentLogger }));
  });

  it('starts on a new line after a torn write, and verify points at the torn line', async () => {
    await (await open()).close();
    appendFileSync(join(dir, 'audit-2026-11-27.jsonl'), '{"v":1,"ts":"2026-11-27T10:');
    await (await open()).close();
    const lines = readFileSync(join(dir, 'audit-2026-11-27.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 5);
    assert.equal((JSON.parse(lines[3]!) as AuditEntry).prev, (JSON.parse(lines[1]!) as AuditEntry).hash);
    const result = await verifyAuditLog(dir);
    assert.deepEqual([result.ok, result.problem?.line], [false, 3]);
    assert.match(result.problem?.reason ?? '', /torn/);
  });
});
