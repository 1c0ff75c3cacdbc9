/**
 * `RT_HISTORY_TTL` for `rt-gateway` (seconds; default 90 days; 0 = for ever): listed in `--help`, a bad value stops
 * it before it listens, and the value reaches the engine. Shown on Redis, where the retention is the expiry of a
 * topic's keys and so can be read back; `historyTtlMs` itself, in memory and in Redis, has its tests in
 * test/server/engines/retention.test.ts. Real Redis: REDIS_URL, else 127.0.0.1:6379, else a throwaway
 * `redis-server`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { after, afterEach, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import type { RedisClient } from '../../server/engines/redis/clients.js';
import { deleteKeys, reachableRedis, type RedisServer } from '../helpers/redis-server.js';
import { eventually } from '../helpers/until.js';
import { GatewayProcess } from './engines/redis/stream-fixtures.js';
import { SECRET, TestClient, signedQuery, wsUrl } from './helpers.js';

const DAY = 24 * 60 * 60 * 1000;
/** A topic `rt-gateway` registers without configuration, and a scope that reads it. */
const TOPIC = 'kpis.s2';
const SCOPES = ['ops.admin'];

/** Runs `rt-gateway` from source to its end (it exits before listening in these cases). */
const run = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], {
    env: { ...process.env, PORT: '0', WS_HMAC_SECRET: SECRET, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
  });

describe('RT_HISTORY_TTL', () => {
  it('is listed in --help, and a bad value stops rt-gateway with exit 1, naming the variable', () => {
    assert.match(run(['--help'], {}).stdout, /RT_HISTORY_TTL\s+seconds a topic's history .*0 = for ever/);
    for (const bad of ['soon', '-1', '1.5', '99999999999999']) {
      const result = run([], { RT_HISTORY_TTL: bad });
      assert.equal(result.status, 1, `RT_HISTORY_TTL=${bad}`);
      assert.match(result.stderr, /RT_HISTORY_TTL must be a non-negative integer/);
    }
  });

  describe('on Redis', () => {
    let url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
    let own: RedisServer | undefined;
    let redis: RedisClient;
    const prefixes: string[] = [];
    const processes: GatewayProcess[] = [];
    const clients: TestClient[] = [];

    before(async () => {
      ({ url, own } = await reachableRedis(url));
      redis = createClient({ url });
      await redis.connect();
    });

    afterEach(async () => {
      await Promise.all(clients.splice(0).map((client) => client.close()));
      await Promise.all(processes.splice(0).map((gateway) => gateway.stop()));
      for (const prefix of prefixes.splice(0)) await deleteKeys(redis, prefix);
    });

    after(async () => {
      await redis?.close();
      await own?.dispose();
    });

    /** `rt-gateway` on Redis with `RT_HISTORY_TTL=ttl` ('' : unset), its own key prefix. */
    async function gateway(ttl: string): Promise<{ url: string; prefix: string }> {
      const prefix = `rt-test-ttl-env-${randomBytes(4).toString('hex')}:`;
      prefixes.push(prefix);
      const started = await GatewayProcess.start({ REDIS_URL: url, RT_REDIS_PREFIX: prefix, RT_HISTORY_TTL: ttl });
      processes.push(started);
      return { url: started.url, prefix };
    }

    /** A client subscribed to the topic; resolves with it and its `sub.ok`. */
    async function subscribe(gatewayUrl: string) {
      const client = new TestClient(wsUrl({ url: gatewayUrl }, signedQuery(SCOPES)));
      clients.push(client);
      await client.next('hello');
      client.send({ type: 'sub', topic: TOPIC });
      return { client, ok: await client.next('sub.ok') };
    }

    /** Publishes through the ingest stream, as a pipeline would (the gateway runs in another process). */
    const publish = (prefix: string, data: unknown) =>
      redis.sendCommand(['XADD', `${prefix}ingest`, '*', 'topic', TOPIC, 'data', JSON.stringify(data)]);

    const keys = (prefix: string) => [`${prefix}{${TOPIC}}:meta`, `${prefix}{${TOPIC}}:hist`];

    it('a topic idle for RT_HISTORY_TTL seconds is forgotten: a new subscriber starts afresh, one still connected is reset', async () => {
      const gw = await gateway('2');
      const first = await subscribe(gw.url);
      await publish(gw.prefix, { n: 1 });
      assert.equal((await first.client.next('msg')).seq, 1);
      for (const key of keys(gw.prefix)) {
        const ttl = await redis.pTTL(key);
        assert.ok(ttl !== -1 && ttl <= 2000, `${key} expires within 2 s (-2: already): ${ttl} ms`);
      }
      await eventually(async () => (await redis.exists(keys(gw.prefix))) === 0, {
        tries: 400,
        intervalMs: 25,
        what: "the topic's keys expired",
      });

      const fresh = await subscribe(gw.url);
      assert.equal(fresh.ok.seq, 0, 'no history, no latest message');
      assert.notEqual(fresh.ok.epoch, first.ok.epoch, 'a new epoch');
      await publish(gw.prefix, { n: 2 });
      const reset = await first.client.next('reset');
      assert.notEqual(reset.epoch, first.ok.epoch, 'reset in-band to the new epoch');
      const next = await first.client.next('msg');
      assert.deepEqual([next.seq, next.data], [1, { n: 2 }], 'the subscriber still connected goes on at seq 1');
      assert.equal((await fresh.client.next('msg')).seq, 1);
    });

    it('RT_HISTORY_TTL=0 keeps a topic for ever; unset, for 90 days', async () => {
      const [forever, byDefault] = await Promise.all([gateway('0'), gateway('')]);
      for (const gw of [forever, byDefault]) {
        const { client } = await subscribe(gw.url);
        await publish(gw.prefix, { n: 1 });
        assert.equal((await client.next('msg')).seq, 1);
      }
      for (const key of keys(forever.prefix)) assert.equal(await redis.pTTL(key), -1, `${key}: no expiry`);
      for (const key of keys(byDefault.prefix)) {
        const ttl = await redis.pTTL(key);
        assert.ok(ttl > 89 * DAY && ttl <= 90 * DAY, `${key} expires in 90 days: ${ttl} ms`);
      }
    });
  });
});
