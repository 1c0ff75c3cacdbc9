import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ticketQuery } from '../../../src/protocol/index.js';
import { issueTicket } from '../../../server/admission/tickets.js';
import { KeyRing, watchKeyFile } from '../../../server/admission/keyring.js';
import { createLogger } from '../../../server/ops/log.js';
import { TestClient, startGateway, wsUrl } from '../helpers.js';

describe('key rotation', () => {
  const previous = { kid: 'k1', secret: 'previous-secret-0123456789' };
  const current = { kid: 'k2', secret: 'current-secret-0123456789' };
  const query = (key: { kid?: string; secret: string }, kid = key.kid) =>
    ticketQuery(issueTicket(key.secret, [], kid === undefined ? {} : { kid }));

  it('accepts tickets of the current and the previous key, refuses an unknown kid, and follows a replaced ring', async () => {
    const keys = new KeyRing([current, previous]);
    const gw = await startGateway({ keys });
    try {
      for (const q of [query(current), query(previous), query(current, undefined)]) {
        const c = new TestClient(wsUrl(gw, q));
        await c.next('hello');
        await c.close();
      }
      assert.deepEqual(await new TestClient(wsUrl(gw, query({ kid: 'k0', secret: 'x' }))).closed, {
        code: 4401,
        reason: 'unknown_kid',
      });
      assert.deepEqual(await new TestClient(wsUrl(gw, query({ kid: 'k1', secret: 'forged' }))).closed, {
        code: 4401,
        reason: 'bad_sig',
      });

      const connected = new TestClient(wsUrl(gw, query(previous)));
      await connected.next('hello');
      keys.replace([{ kid: 'k3', secret: 'next-secret-0123456789' }, current]); // k1 retired
      assert.deepEqual(await new TestClient(wsUrl(gw, query(previous))).closed, { code: 4401, reason: 'unknown_kid' });
      await connected.roundTrip(); // rotation drops no connected client
      await connected.close();
      const demoTicket = issueTicket(keys.current.secret, [], { kid: keys.current.kid as string });
      assert.equal(demoTicket.kid, 'k3');
    } finally {
      await gw.close();
    }
  });

  it('reloads the key file on SIGHUP, and keeps the old keys when the file is malformed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-keys-'));
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ keys: [previous] }));
    const ring = new KeyRing([previous]);
    const lines: string[] = [];
    let notify: (() => void) | undefined;
    const sink = {
      error: (l: string) => (lines.push(l), notify?.()),
      warn: () => {},
      info: (l: string) => (lines.push(l), notify?.()),
      debug: () => {},
    };
    const next = () => new Promise<void>((resolve) => (notify = resolve));
    const stop = watchKeyFile(file, ring, createLogger('info', sink), 60_000);
    const keepAlive = setInterval(() => {}, 1000); // the watcher itself never keeps a process alive
    try {
      let changed = next();
      writeFileSync(file, JSON.stringify({ keys: [current, previous] }));
      process.emit('SIGHUP', 'SIGHUP');
      await changed;
      assert.deepEqual(ring.kids, ['k2', 'k1']);
      assert.match(lines.at(-1) ?? '', /Keys reloaded/);
      changed = next();
      writeFileSync(file, '{"keys": "oops", "x": 1}');
      process.emit('SIGHUP', 'SIGHUP');
      await changed;
      assert.match(lines.at(-1) ?? '', /Key file rejected/);
      assert.deepEqual(ring.kids, ['k2', 'k1']);
      assert.doesNotMatch(lines.join('\n'), /current-secret|previous-secret/, 'secrets never reach the log');
    } finally {
      clearInterval(keepAlive);
      stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a ring of several keys where one has no kid, or a repeated kid', () => {
    assert.throws(() => new KeyRing([current, { secret: 'x' }]), TypeError);
    assert.throws(() => new KeyRing([current, { kid: 'k2', secret: 'y' }]), TypeError);
    assert.throws(() => new KeyRing([]), TypeError);
  });
});
