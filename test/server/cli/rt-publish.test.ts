import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../../server/gateway.js';
import type { FanoutResult } from '../../../server/engines/engine.js';
import type { PublisherKey } from '../../../server/publish/publisher-keys.js';
import { startGateway, subscribed, type TestClient } from '../helpers.js';
import { isOneLine, runCli } from './spawn-cli.js';

const KEY = {
  id: 'backend',
  secret: 'backend-secret-0123456789abcdef012345',
  topics: ['kpis.*'],
} satisfies PublisherKey;
const ENV = { RT_PUBLISH_KEY_ID: KEY.id, RT_PUBLISH_SECRET: KEY.secret };

describe('rt-publish', () => {
  let gw: Gateway<FanoutResult>;
  let ws: TestClient;
  const rtPublish = (args: string[], env: Record<string, string> = ENV) =>
    runCli('rt-publish.ts', ['--url', gw.url, ...args], env);

  before(async () => {
    gw = await startGateway({ publishKeys: [KEY] });
    ws = await subscribed(gw, ['ops.admin'], 'kpis.s2');
  });
  after(async () => {
    await ws.close();
    await gw.close();
  });

  it('publishes a message a subscriber receives and prints the receipt as one JSON line', async () => {
    const run = await rtPublish(['--topic', 'kpis.s2', '--data', '{"crash_free":99.2}', '--id', 'cli-1']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.ok(isOneLine(run.stdout), run.stdout);
    const msg = await ws.next('msg');
    assert.deepEqual(msg.data, { crash_free: 99.2 });
    const epoch = gw.hub.topic('kpis.s2')?.history.epoch;
    assert.deepEqual(JSON.parse(run.stdout), { seq: msg.seq, epoch, duplicate: false });

    const again = await rtPublish(['--topic', 'kpis.s2', '--data', '{"crash_free":0}', '--id', 'cli-1']);
    assert.deepEqual(JSON.parse(again.stdout), { seq: msg.seq, epoch, duplicate: true });
  });

  it('reads the message from stdin with --data -, and the key id from --key-id', async () => {
    const args = ['--url', gw.url, '--topic', 'kpis.s2', '--data', '-', '--key-id', KEY.id];
    const run = await runCli('rt-publish.ts', args, { RT_PUBLISH_SECRET: KEY.secret }, '{"from":"stdin"}\n');
    assert.equal(run.code, 0, run.stderr);
    const msg = await ws.next('msg');
    assert.deepEqual(msg.data, { from: 'stdin' });
    assert.equal(JSON.parse(run.stdout).seq, msg.seq);
  });

  it('prints its help, naming the flags and where the secret comes from', async () => {
    const run = await runCli('rt-publish.ts', ['--help']);
    assert.equal(run.code, 0);
    for (const text of ['rt-publish', '--topic <name>', '--data <json | ->', '--bearer', 'RT_PUBLISH_SECRET'])
      assert.ok(run.stdout.includes(text), text);
  });

  it('exits 1 with one line naming the status and error code when the gateway refuses', async () => {
    const run = await rtPublish(['--topic', 'liveops.events', '--data', '1']);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.ok(isOneLine(run.stderr), run.stderr);
    assert.match(run.stderr, /^rt-publish: POST http:\/\/\S+\/rt\/publish answered 403 forbidden_topic: /);

    const wrong = await rtPublish(['--topic', 'kpis.s2', '--data', '1'], {
      ...ENV,
      RT_PUBLISH_SECRET: 'not-the-secret-0123456789abcdef0123456',
    });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /answered 401 unauthorized \(bad_signature\): the signature does not match[^\n]*\n$/);
  });

  it('exits 2 with one line for a usage mistake', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--data', '1'], ENV, /--topic is required/],
      [['--topic', 'kpis.s2'], ENV, /--data is required/],
      [['--topic', 'kpis.s2', '--data', '{oops'], ENV, /--data is not JSON/],
      [['--topic', 'kpis.s2', '--data', '1'], { RT_PUBLISH_KEY_ID: KEY.id }, /set RT_PUBLISH_SECRET/],
      [['--topic', 'kpis.s2', '--data', '1'], { RT_PUBLISH_SECRET: KEY.secret }, /set RT_PUBLISH_KEY_ID/],
      [['--topic', 'kpis.s2', '--data', '1', '--id', 'has space'], ENV, /id must be 1 to 128/],
      [['--topic', 'kpis.s2', '--data', '1', '--secret', 'x'], ENV, /unknown flag --secret/],
    ];
    for (const [args, env, message] of cases) {
      const run = await rtPublish(args, env);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /\(see rt-publish --help\)\n$/);
      assert.ok(isOneLine(run.stderr), run.stderr);
    }
    assert.deepEqual(
      ws.pending().filter((f) => f.type === 'msg'),
      [],
      'nothing was published',
    );
  });
});
