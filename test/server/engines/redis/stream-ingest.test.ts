/**
 * Ingestion from the Redis stream `<prefix>ingest` (PROTOCOL.md §10.5): entries a producer `XADD`s reach WebSocket
 * and SSE subscribers on every gateway once; an entry's `id` dedupes; entries that can never be published go to
 * `<prefix>ingest:dead`; an entry published but not acknowledged is deduped when claimed. Then the faults the
 * issue asks about: a gateway process killed with SIGKILL mid-flow, and a Redis with AOF restarted mid-flow; every
 * entry still arrives exactly once. Real Redis: REDIS_URL, else 127.0.0.1:6379, else a throwaway `redis-server`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { createClient } from 'redis';
import { redisFromEnv } from '../../../../server/cli/redis-env.js';
import type { RedisClient } from '../../../../server/engines/redis/clients.js';
import type { Topic } from '../../../../server/delivery/topic.js';
import type { RedisEngine, RedisEngineOptions } from '../../../../server/engines/redis/engine.js';
import { INGEST_GROUP } from '../../../../server/engines/redis/stream-ingest.js';
import { createGateway } from '../../../../server/gateway.js';
import { createLogger, silentLogger, type Logger } from '../../../../server/ops/log.js';
import { RedisServer, reachableRedis } from '../../../helpers/redis-server.js';
import { eventually } from '../../../helpers/until.js';
import { NO_RATE_LIMITS, SECRET } from '../../helpers.js';
import {
  GatewayProcess,
  numbered,
  produce,
  sseWatcher,
  wsWatcher,
  type Fields,
  type Watcher,
} from './stream-fixtures.js';
import type { RedisGateway } from './viewers.js';

let REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let ownRedis: RedisServer | undefined;
let producer: RedisClient;

const TOPICS = ['s.alpha', 's.beta'] as const;
/** The topics `rt-gateway` registers without configuration, and the scopes that read them. */
const SEED = { topics: ['kpis.s2', 'liveops.events'], scopes: ['ops.admin', 'liveops.admin'] } as const;

type Outcome = [outcome: string, topic: string | undefined, reason?: string];

const unique = () => randomBytes(4).toString('hex');
const range = (count: number) => Array.from({ length: count }, (_, n) => n);

/** Connects a client to `url` that reconnects quickly (it outlives a Redis restart). */
async function client(url: string): Promise<RedisClient> {
  const redis: RedisClient = createClient({ url, socket: { reconnectStrategy: () => 50 } });
  redis.on('error', () => {});
  await redis.connect();
  return redis;
}

/** In-process gateways on `prefix`, recording every ingest outcome. */
async function startGateways(
  count: number,
  prefix: string,
  options: Partial<RedisEngineOptions> & { logger?: Logger; url?: string } = {},
): Promise<{ gateways: RedisGateway[]; outcomes: Outcome[] }> {
  const outcomes: Outcome[] = [];
  const { logger = silentLogger, url = REDIS_URL, ...redis } = options;
  const gateways: RedisGateway[] = [];
  for (let i = 0; i < count; i++) {
    gateways.push(
      await createGateway({
        secret: SECRET,
        port: 0,
        logger,
        historySize: 50,
        rateLimits: NO_RATE_LIMITS,
        topics: Object.fromEntries(TOPICS.map((topic) => [topic, { scopes: [] }])),
        redis: {
          url,
          prefix,
          maxReconnectDelayMs: 100,
          connectTimeoutMs: 2000,
          onIngest: (...outcome) => outcomes.push(outcome),
          ...redis,
        },
      }),
    );
  }
  return { gateways, outcomes };
}

/** Entries left in the stream, and entries pending in the group (0 when it does not exist). */
async function leftovers(redis: RedisClient, key: string): Promise<{ length: number; pending: number }> {
  const length = Number(await redis.sendCommand(['XLEN', key]));
  const summary = (await redis.sendCommand(['XPENDING', key, INGEST_GROUP]).catch(() => [0])) as unknown[];
  return { length, pending: Number(summary[0] ?? 0) };
}

/** How many entries `consumer` holds unacknowledged. */
async function pendingOf(redis: RedisClient, key: string, consumer: string): Promise<number> {
  const list = await redis.sendCommand(['XPENDING', key, INGEST_GROUP, '-', '+', '10000', consumer]);
  return Array.isArray(list) ? list.length : 0;
}

/** The consumer names in the group. */
async function consumers(redis: RedisClient, key: string): Promise<string[]> {
  const reply = (await redis.sendCommand(['XINFO', 'CONSUMERS', key, INGEST_GROUP]).catch(() => [])) as unknown[];
  return reply.map((consumer) => {
    if (Array.isArray(consumer)) return String(consumer[consumer.indexOf('name') + 1]);
    const named = consumer instanceof Map ? (consumer.get('name') as unknown) : (consumer as { name: unknown }).name;
    return String(named);
  });
}

/** Deletes every key of `prefix`. */
async function cleanup(redis: RedisClient, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = (await redis.sendCommand(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '500'])) as [
      string,
      string[],
    ];
    if (keys.length > 0) await redis.sendCommand(['DEL', ...keys]);
    cursor = next;
  } while (cursor !== '0');
}

/** Resolves once every watcher has every entry of `expected` (topic → numbers), or fails naming what is missing. */
async function allArrived(
  watchers: readonly Watcher[],
  expected: ReadonlyMap<string, readonly number[]>,
  tries = 1000,
): Promise<void> {
  await eventually(() => watchers.every((w) => w.tally().hasAll(expected)), { tries, intervalMs: 20 }).catch(() => {
    const counts = watchers.map((w) => `${w.tally().name}: ${w.tally().count}`);
    assert.fail(`not every entry arrived: ${counts.join(', ')}`);
  });
}

/** topic → numbers of entries that alternate over `topics`. */
function expectation(topics: readonly string[], count: number): Map<string, number[]> {
  const expected = new Map<string, number[]>(topics.map((topic) => [topic, []]));
  for (const n of range(count)) expected.get(topics[n % topics.length] as string)?.push(n);
  return expected;
}

function alternating(topics: readonly string[], count: number, keyed = false): Fields[] {
  return range(count).map((n) => numbered(topics[n % topics.length] as string, n, keyed));
}

before(async () => {
  ({ url: REDIS_URL, own: ownRedis } = await reachableRedis(REDIS_URL));
  producer = await client(REDIS_URL);
});

after(async () => {
  producer.destroy();
  await ownRedis?.dispose();
});

describe('the ingest stream', () => {
  /** Each test's own key prefix, and its stream. */
  let prefix = '';
  let key = '';
  let gateways: RedisGateway[] = [];
  let watchers: Watcher[] = [];
  const started = (list: RedisGateway[]): RedisGateway[] => {
    gateways.push(...list);
    return list;
  };
  const fresh = () => {
    prefix = `rt-stream-${unique()}:`;
    key = `${prefix}ingest`;
  };
  const teardown = async () => {
    for (const w of watchers) w.close();
    await Promise.all(gateways.map((gw) => gw.close()));
    gateways = [];
    watchers = [];
    if (producer.isReady) await cleanup(producer, prefix);
  };

  describe('with gateways in this process', () => {
    beforeEach(fresh);
    afterEach(teardown);

    it('delivers each entry to WebSocket and SSE subscribers on every gateway once, then deletes it', async () => {
      const { gateways: gws, outcomes } = await startGateways(3, prefix);
      started(gws);
      watchers = [
        await wsWatcher(gws[0]?.url as string, [], TOPICS),
        await sseWatcher(gws[1]?.url as string, [], TOPICS),
        await wsWatcher(gws[2]?.url as string, [], TOPICS),
      ];
      await produce(producer, key, alternating(TOPICS, 600));

      await allArrived(watchers, expectation(TOPICS, 600));
      for (const w of watchers) assert.equal(w.tally().duplicates, 0, `${w.tally().name}: nothing twice`);
      await eventually(async () => (await leftovers(producer, key)).length === 0, { what: 'the stream emptied' });
      assert.deepEqual(await leftovers(producer, key), { length: 0, pending: 0 });
      assert.equal(outcomes.filter(([o]) => o === 'accepted').length, 600);
      assert.equal(outcomes.length, 600);
      const metrics = await Promise.all(gws.map(async (gw) => (await fetch(`${gw.url}/metrics`)).text()));
      const counted = metrics
        .join('\n')
        .match(/rt_publish_messages_total\{source="stream",key="stream",topic="s\.\w+",outcome="accepted"\} \d+/g);
      assert.equal(
        counted?.reduce((sum, line) => sum + Number(line.split(' ')[1]), 0),
        600,
        'counted in /metrics as source="stream"',
      );
      await Promise.all(gws.map((gw) => gw.close()));
      assert.deepEqual(await consumers(producer, key), [], 'a gateway closing with nothing pending leaves the group');
    });

    it('keeps stream order per topic with several gateways: one reads at a time', async () => {
      const { gateways: gws } = await startGateways(3, prefix);
      started(gws);
      const ws = await wsWatcher(gws[0]?.url as string, [], TOPICS);
      const sse = await sseWatcher(gws[1]?.url as string, [], TOPICS);
      watchers.push(ws, sse);
      await produce(producer, key, alternating(TOPICS, 400), { chunk: 7 });

      const expected = expectation(TOPICS, 400);
      await allArrived([ws, sse], expected);
      for (const w of [ws, sse])
        for (const topic of TOPICS) assert.deepEqual(w.tally().of(topic), expected.get(topic), w.tally().name);
      assert.equal((await consumers(producer, key)).length, 1, 'only the lease holder read the stream');
    });

    it('publishes an entry whose id was published before only once', async () => {
      const { gateways: gws, outcomes } = await startGateways(2, prefix);
      started(gws);
      const ws = await wsWatcher(gws[0]?.url as string, [], TOPICS);
      watchers.push(ws);
      const topic = TOPICS[0];
      await produce(producer, key, [
        ['topic', topic, 'data', '{"n":1}', 'id', 'order-81'],
        ['topic', topic, 'data', '{"n":1,"again":true}', 'id', 'order-81'],
        ['topic', topic, 'data', '{"n":2}'],
      ]);

      await eventually(() => outcomes.length === 3, { what: 'three entries handled' });
      await allArrived([ws], new Map([[topic, [1, 2]]]));
      assert.deepEqual(
        outcomes.map(([o]) => o).sort(),
        ['accepted', 'accepted', 'deduped'],
        'the second entry with id order-81 was found published',
      );
      assert.deepEqual(ws.tally().of(topic), [1, 2]);
    });

    it('moves entries that can never be published to <prefix>ingest:dead with a reason, and never retries them', async () => {
      const lines: string[] = [];
      const sink = { error: (l: string) => lines.push(l), warn: (l: string) => lines.push(l), info() {}, debug() {} };
      const { gateways: gws, outcomes } = await startGateways(2, prefix, { logger: createLogger('warn', sink) });
      started(gws);
      const ws = await wsWatcher(gws[0]?.url as string, [], TOPICS);
      watchers.push(ws);
      const topic = TOPICS[0];
      const bad: Record<string, Fields> = {
        missing_topic: ['data', '{"secret":"no-topic-payload"}'],
        unknown_topic: ['topic', 'hidden.secret-topic', 'data', '{"secret":"unknown-topic-payload"}'],
        missing_data: ['topic', topic],
        not_json: ['topic', topic, 'data', '{"secret": not-json-payload'],
        too_large: ['topic', topic, 'data', JSON.stringify({ secret: 'x'.repeat(70 * 1024) })],
        bad_id: ['topic', topic, 'data', '{"secret":"bad-id-payload"}', 'id', 'has space'],
      };
      await produce(producer, key, [...Object.values(bad), numbered(topic, 7)]);

      await allArrived([ws], new Map([[topic, [7]]]));
      await eventually(() => outcomes.length === 7, { what: 'seven entries handled' });
      const dead = (await producer.sendCommand(['XRANGE', `${key}:dead`, '-', '+'])) as [string, string[]][];
      const reasons = dead.map(([, fields]) => fields[fields.lastIndexOf('reason') + 1]);
      assert.deepEqual(reasons.sort(), Object.keys(bad).sort());
      const unknown = dead.find(([, fields]) => fields.includes('unknown_topic'));
      assert.deepEqual(unknown?.[1], [...(bad['unknown_topic'] as Fields), 'reason', 'unknown_topic'], 'fields kept');
      const told = (reason: string | undefined) => outcomes.find(([o, , r]) => o === 'refused' && r === reason);
      assert.deepEqual(
        Object.keys(bad).map(told),
        Object.keys(bad).map((reason) => ['refused', reason.endsWith('_topic') ? undefined : topic, reason]),
        'a refused entry is told with its topic only when registered',
      );
      // Acknowledged and deleted: nothing left that a claim could take up again.
      assert.deepEqual(await leftovers(producer, key), { length: 0, pending: 0 });
      assert.equal(ws.tally().count, 1, 'only the valid entry was delivered');

      const log = lines.join('\n');
      assert.equal(lines.filter((l) => l.includes('refused')).length, 6, 'one line per refused entry');
      assert.doesNotMatch(log, /payload|hidden\.secret-topic|xxxx/, 'no payload and no unregistered topic in the log');
    });

    it('dedupes an entry published but not acknowledged when another gateway claims it', async () => {
      const topic = TOPICS[1];
      // A gateway that only serves subscribers: it publishes the entry below as the dying consumer would have.
      const [first] = started((await startGateways(1, prefix, { stream: false })).gateways);
      const ws = await wsWatcher(first?.url as string, [], TOPICS);
      watchers.push(ws);
      await producer.sendCommand(['XGROUP', 'CREATE', key, INGEST_GROUP, '0', 'MKSTREAM']);
      const id = String(await producer.sendCommand(['XADD', key, '*', ...numbered(topic, 1)]));
      await producer.sendCommand(['XREADGROUP', 'GROUP', INGEST_GROUP, 'ghost', 'COUNT', '1', 'STREAMS', key, '>']);
      const engine = first?.context.engine as RedisEngine;
      const receipt = await engine.append(first?.hub.topic(topic) as Topic, '{"n":1}', `stream:${id}`);
      assert.equal(receipt.duplicate, false);
      assert.equal(await pendingOf(producer, key, 'ghost'), 1, 'published, never acknowledged');

      const { gateways: second, outcomes } = await startGateways(1, prefix, { stream: { claimIdleMs: 100 } });
      started(second);
      await eventually(() => outcomes.length === 1, { tries: 600, what: 'the entry claimed' });
      assert.deepEqual(outcomes, [['deduped', topic, undefined]]);
      assert.deepEqual(await leftovers(producer, key), { length: 0, pending: 0 });
      await produce(producer, key, [numbered(topic, 2)]);
      await allArrived([ws], new Map([[topic, [1, 2]]]));
      assert.deepEqual(ws.tally().of(topic), [1, 2], 'the claimed entry was not delivered again');
    });
  });

  describe('when a gateway process is killed with SIGKILL mid-flow', () => {
    const processes: GatewayProcess[] = [];
    before(fresh);
    after(async () => {
      for (const w of watchers) w.close();
      watchers = [];
      await Promise.all(processes.map((p) => p.stop('SIGTERM')));
      await cleanup(producer, prefix);
    });

    it('delivers every one of 2 000 entries exactly once and in order to the subscribers of the survivors', async (t) => {
      const env = { REDIS_URL, RT_REDIS_PREFIX: prefix, RT_INGEST_CLAIM_IDLE_MS: '1000' };
      // The victim starts first, so it holds the stream lease: it is the one reading when it dies.
      const victim = await GatewayProcess.start(env);
      processes.push(victim);
      let name = '';
      await eventually(async () => (name = String((await producer.get(`${prefix}stream-lease`)) ?? '')) !== '', {
        what: 'the victim holding the stream lease',
      });
      processes.push(...(await Promise.all([GatewayProcess.start(env), GatewayProcess.start(env)])));
      const [, a, c] = processes as [GatewayProcess, GatewayProcess, GatewayProcess];
      watchers = [
        await wsWatcher(a.url, [...SEED.scopes], SEED.topics),
        await sseWatcher(c.url, [...SEED.scopes], SEED.topics),
      ];

      const entries = alternating(SEED.topics, 2000);
      // The first half flows while the victim is alive; it dies holding entries it has not acknowledged.
      let produced = false;
      const firstHalf = produce(producer, key, entries.slice(0, 1000), { chunk: 10 }).then(() => (produced = true));
      await eventually(async () => produced || (await pendingOf(producer, key, name)) > 0, {
        tries: 3000,
        intervalMs: 2,
        what: 'the victim holding entries',
      });
      await victim.stop('SIGKILL');
      const heldByVictim = await pendingOf(producer, key, name);
      await firstHalf;
      await produce(producer, key, entries.slice(1000), { chunk: 10 });

      // A survivor takes the lease when the victim's expires (6 s), then its pending entries, oldest first.
      const expected = expectation(SEED.topics, 2000);
      await allArrived(watchers, expected, 1500);
      for (const w of watchers) {
        assert.equal(w.tally().duplicates, 0, `${w.tally().name}: nothing twice`);
        assert.equal(w.tally().count, 2000, `${w.tally().name}: exactly 2 000`);
        for (const topic of SEED.topics)
          assert.deepEqual(w.tally().of(topic), expected.get(topic), `${w.tally().name}: ${topic} in stream order`);
      }
      await eventually(async () => (await leftovers(producer, key)).pending === 0, { what: 'nothing pending' });
      assert.equal(await pendingOf(producer, key, name), 0, "the victim's entries were claimed");
      assert.equal((await leftovers(producer, key)).length, 0);
      t.diagnostic(`entries held by the killed gateway when it died: ${heldByVictim}`);
    });
  });

  describe('when Redis (AOF) is killed and restarted mid-flow', () => {
    let redis: RedisServer;
    let feeder: RedisClient;
    before(async () => {
      fresh();
      redis = await RedisServer.start({ persistence: 'aof' });
      feeder = await client(redis.url);
    });
    after(async () => {
      for (const w of watchers) w.close();
      watchers = [];
      await Promise.all(gateways.map((gw) => gw.close()));
      gateways = [];
      feeder.destroy();
      await redis.dispose();
    });

    it('loses no entry and delivers none twice', async (t) => {
      const { gateways: gws, outcomes } = await startGateways(2, prefix, {
        url: redis.url,
        stream: { claimIdleMs: 1000 },
      });
      started(gws);
      watchers = [
        await wsWatcher(gws[0]?.url as string, [], TOPICS),
        await sseWatcher(gws[1]?.url as string, [], TOPICS),
      ];
      // Keyed: an XADD whose reply the restart swallowed is sent again, and the key makes the copy a no-op.
      const producing = produce(feeder, key, alternating(TOPICS, 1000, true), { chunk: 10 });
      await eventually(() => (watchers[0]?.tally().count ?? 0) >= 200, { tries: 1000, what: '200 delivered' });
      await redis.kill();
      await redis.restart();
      await producing;

      await allArrived(watchers, expectation(TOPICS, 1000), 1500);
      for (const w of watchers) {
        assert.equal(w.tally().duplicates, 0, `${w.tally().name}: nothing twice`);
        assert.equal(w.tally().count, 1000, `${w.tally().name}: exactly 1 000`);
      }
      assert.ok(
        gws.every((gw) => gw.context.engine.status().restarts === 1),
        'the gateways saw the restart',
      );
      await eventually(async () => (await leftovers(feeder, key)).pending === 0, { what: 'nothing pending' });
      const deduped = outcomes.filter(([o]) => o === 'deduped').length;
      t.diagnostic(`entries found already published after the restart: ${deduped}`);
    });
  });
});

describe('RT_INGEST_STREAM and RT_INGEST_CLAIM_IDLE_MS', () => {
  it('turn the stream off, or set how long an entry stays pending before it is claimed', () => {
    const url = 'redis://r:6379';
    assert.deepEqual(redisFromEnv({ REDIS_URL: url, RT_INGEST_STREAM: 'off' }), { url, prefix: 'rt:', stream: false });
    assert.deepEqual(redisFromEnv({ REDIS_URL: url, RT_INGEST_CLAIM_IDLE_MS: '5000' }), {
      url,
      prefix: 'rt:',
      stream: { claimIdleMs: 5000 },
    });
    assert.deepEqual(redisFromEnv({ REDIS_URL: url }), { url, prefix: 'rt:' });
  });

  it('refuses a claim time that is not a whole number of ms ≥ 1 when the gateway starts', async () => {
    await assert.rejects(
      createGateway({
        secret: SECRET,
        port: 0,
        logger: silentLogger,
        redis: { url: REDIS_URL, stream: { claimIdleMs: 0 } },
      }),
      /claimIdleMs/,
    );
  });
});
