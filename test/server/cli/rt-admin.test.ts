import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ticketQuery } from '../../../src/protocol/index.js';
import { issueTicket } from '../../../server/admission/tickets.js';
import { subjectDigest } from '../../../server/access/subject.js';
import type { Gateway } from '../../../server/gateway.js';
import type { FanoutResult } from '../../../server/engines/engine.js';
import { SECRET, TestClient, startGateway, wsUrl } from '../helpers.js';
import { isOneLine, runCli } from './spawn-cli.js';

const TOKEN = 'admin-token-0123456789abcdef';
const TOPICS = { 'ops.kpis': { scopes: ['ops.read'] }, 'economy.patch': { scopes: ['economy.admin'] } };

describe('rt-admin', () => {
  let gw: Gateway<FanoutResult>;
  const rtAdmin = (args: string[], env: Record<string, string> = { RT_ADMIN_TOKEN: TOKEN }) =>
    runCli('rt-admin.ts', [...args, '--url', gw.url], env);
  const open = async (sub: string, topics: string[] = []): Promise<TestClient> => {
    const client = new TestClient(wsUrl(gw, ticketQuery(issueTicket(SECRET, ['ops.read', 'economy.admin'], { sub }))));
    await client.next('hello');
    for (const topic of topics) {
      client.send({ type: 'sub', topic });
      await client.next('sub.ok');
    }
    return client;
  };

  before(async () => {
    gw = await startGateway({ adminToken: TOKEN, topics: TOPICS });
  });
  after(() => gw.close());

  it('disconnects a subject through the admin API and prints the answer', async () => {
    const client = await open('u-42');
    const run = await rtAdmin(['disconnect', '--subject', 'u-42', '--reason', 'offboarded']);
    assert.deepEqual([run.code, run.stdout, run.stderr], [0, '{"applied":1}\n', '']);
    assert.deepEqual(await client.closed, { code: 4410, reason: 'offboarded' });
  });

  it('revokes scopes: the topics they covered end, the connection stays', async () => {
    const client = await open('u-43', ['economy.patch']);
    const run = await rtAdmin(['revoke', '--subject', 'u-43', '--scopes', 'economy.admin']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await client.next('sub.err')).code, 'forbidden');
    await client.roundTrip();
    await client.close();
  });

  it('prints the digest logs and the audit log name a subject by', async () => {
    const run = await runCli('rt-admin.ts', ['digest', 'u-42']);
    assert.deepEqual([run.code, run.stdout], [0, `${subjectDigest('u-42')}\n`]);
  });

  it('fails in one line: a usage mistake (2), a refused token or an unreachable gateway (1)', async () => {
    const cases: [string[], Record<string, string>, number, RegExp][] = [
      [['disconnect'], { RT_ADMIN_TOKEN: TOKEN }, 2, /exactly one of --subject, --connection, --scope/],
      [['revoke', '--subject', 'x'], { RT_ADMIN_TOKEN: TOKEN }, 2, /revoke needs --scopes/],
      [['disconnect', '--subject', 'x'], {}, 2, /set RT_ADMIN_TOKEN/],
      [['disconnect', '--subject', 'x'], { RT_ADMIN_TOKEN: 'wrong-token-0123456789' }, 1, /answered 401/],
      [['kick'], { RT_ADMIN_TOKEN: TOKEN }, 2, /disconnect, revoke or digest/],
    ];
    for (const [args, env, code, message] of cases) {
      const run = await rtAdmin(args, env);
      assert.equal(run.code, code, args.join(' '));
      assert.match(run.stderr, message);
      assert.ok(isOneLine(run.stderr), run.stderr);
    }
    const down = await runCli('rt-admin.ts', ['disconnect', '--subject', 'x', '--url', 'http://127.0.0.1:9'], {
      RT_ADMIN_TOKEN: TOKEN,
    });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:9\/rt\/admin\/disconnect/);
  });
});
