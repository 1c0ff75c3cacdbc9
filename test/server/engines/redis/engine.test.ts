/**
 * Several gateways sharing a real Redis: REDIS_URL, else 127.0.0.1:6379, else a throwaway `redis-server` this
 * file starts itself. Each test uses its own key prefix and topic, so runs never see each other's data.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import type { MsgFrame } from '../../../../src/protocol/index.js';
import type { PublishResult } from '../../../../server/engines/engine.js';
import { createGateway, type Gateway } from '../../../../server/gateway.js';
import { silentLogger } from '../../../../server/ops/log.js';
import type { RedisEngine } from '../../../../server/engines/redis/engine.js';
import { NO_RATE_LIMITS, SECRET, TestClient, connect, get, signedQuery, wsUrl } from '../../helpers.js';
import { TcpProxy } from '../../tcp-proxy.js';
import { eventually } from '../../../helpers/until.js';
import { deleteKeys, RedisServer, freePort, reachableRedis } from '../../../helpers/redis-server.js';

let REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let ownRedis: RedisServer | undefined;

/** Uses the configured Redis if it answers, else starts one (redis-server must be installed). */
async function ensureRedis(): Promise<void> {
  ({ url: REDIS_URL, own: ownRedis } = await reachableRedis(REDIS_URL));
}
type RedisGateway = Gateway<Promise<PublishResult>>;

function unique(): string {
  return randomBytes(4).toString('hex');
}

async function startCluster(count: number, options: { url?: string; prefix?: string; topic?: string } = {}) {
  const prefix = options.prefix ?? `rt-test-${unique()}:`;
  const topic = options.topic ?? `t${unique()}.feed`;
  const gateways: RedisGateway[] = [];
  for (let i = 0; i < count; i++) {
    const gw = await createGateway({
      secret: SECRET,
      port: 0,
      logger: silentLogger,
      historySize: 50,
      rateLimits: NO_RATE_LIMITS,
      redis: { url: options.url ?? REDIS_URL, prefix, leaseMs: 600, maxReconnectDelayMs: 200, connectTimeoutMs: 2000 },
      topics: { [topic]: { scopes: [] } },
    });
    gateways.push(gw);
  }
  return { gateways, prefix, topic };
}

async function cleanup(prefix: string): Promise<void> {
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  await deleteKeys(client, prefix);
  await client.close();
}

/** Connects to `gw`, subscribes to `topic` and takes the retained message, if any. */
async function subscriber(gw: RedisGateway, topic: string): Promise<TestClient> {
  const client = await connect(gw as unknown as Gateway, []);
  client.send({ type: 'sub', topic });
  const ok = await client.next('sub.ok');
  if (ok.seq > 0) await client.next('msg');
  return client;
}

/** The in-memory gateway type the shared helpers take; the Redis gateway differs only in `fanout`'s result. */
const asGateway = (gw: RedisGateway | undefined): Gateway => gw as unknown as Gateway;

async function messages(client: TestClient, count: number): Promise<MsgFrame[]> {
  const out: MsgFrame[] = [];
  while (out.length < count) out.push(await client.next('msg'));
  return out;
}

describe('Redis engine', () => {
  before(ensureRedis);
  after(() => ownRedis?.dispose());
  describe('three gateways on one Redis', () => {
    let gateways: RedisGateway[];
    let prefix: string;
    let topic: string;
    before(async () => {
      ({ gateways, prefix, topic } = await startCluster(3));
    });
    after(async () => {
      await Promise.all(gateways.map((g) => g.close()));
      await cleanup(prefix);
    });

    it('delivers a message fanned out on one gateway to the clients of every gateway, with one seq', async () => {
      const clients = await Promise.all(gateways.map((gw) => subscriber(gw, topic)));
      const receipt = await gateways[1]!.fanout(topic, { n: 1 });
      const got = await Promise.all(clients.map((c) => c.next('msg')));
      for (const msg of got) {
        assert.deepEqual(msg.data, { n: 1 });
        assert.equal(msg.seq, receipt.seq);
      }
      await Promise.all(clients.map((c) => c.close()));
    });

    it('reports the same epoch on every gateway', async () => {
      const oks = await Promise.all(
        gateways.map(async (gw) => {
          const c = await connect(asGateway(gw), []);
          c.send({ type: 'sub', topic });
          const ok = await c.next('sub.ok');
          await c.close();
          return ok;
        }),
      );
      assert.equal(new Set(oks.map((o) => o.epoch)).size, 1);
      assert.equal(new Set(oks.map((o) => o.seq)).size, 1);
    });

    it('keeps a topic in order across publishers', async () => {
      const client = await subscriber(gateways[2]!, topic);
      const receipts = await Promise.all(Array.from({ length: 30 }, (_, i) => gateways[i % 3]!.fanout(topic, { i })));
      const got = await messages(client, 30);
      const seqs = got.map((m) => m.seq);
      assert.deepEqual(
        seqs,
        [...receipts.map((r) => r.seq)].sort((a, b) => a - b),
      );
      assert.deepEqual(
        seqs,
        Array.from({ length: 30 }, (_, i) => (seqs[0] as number) + i),
      );
      await client.close();
    });

    it('turns a raw PUBLISH on the topic channel into one sequenced message on every gateway', async () => {
      const clients = await Promise.all(gateways.map((gw) => subscriber(gw, topic)));
      const raw = createClient({ url: REDIS_URL });
      await raw.connect();
      await eventually(async () => ((await raw.pubSubNumSub(topic))[topic] ?? 0) >= 1, {
        what: 'a gateway ingests raw PUBLISH',
      });
      await raw.publish(topic, '{\n  "crash_free": 99.2\n}');
      const got = await Promise.all(clients.map((c) => c.next('msg')));
      assert.equal(new Set(got.map((m) => m.seq)).size, 1, 'one seq everywhere');
      for (const msg of got) assert.deepEqual(msg.data, { crash_free: 99.2 });
      await raw.publish(topic, 'not json');
      await gateways[0]!.fanout(topic, 'after');
      for (const c of clients) assert.equal((await c.next('msg')).data, 'after', 'the non-JSON payload was ignored');
      assert.equal((await raw.pubSubNumSub(topic))[topic] ?? 0, 1, 'exactly one gateway ingests');
      await raw.close();
      await Promise.all(clients.map((c) => c.close()));
    });

    it('refuses on one gateway a ticket already used on another', async () => {
      const query = signedQuery([]);
      const first = new TestClient(wsUrl(asGateway(gateways[0]), query));
      await first.next('hello');
      const second = new TestClient(wsUrl(asGateway(gateways[1]), query));
      assert.deepEqual(await second.closed, { code: 4401, reason: 'replay' });
      await first.close();
    });

    it('lets exactly one of two concurrent connections with one ticket in, across gateways', async () => {
      const query = signedQuery([]);
      const clients = [
        new TestClient(wsUrl(asGateway(gateways[0]), query)),
        new TestClient(wsUrl(asGateway(gateways[2]), query)),
      ];
      const outcomes = await Promise.all(
        clients.map((c) => Promise.race([c.next('hello').then(() => 'hello'), c.closed.then((x) => x.reason)])),
      );
      assert.deepEqual(outcomes.sort(), ['hello', 'replay']);
      await Promise.all(clients.map((c) => c.close()));
    });

    it('resumes a client moved from one gateway to another mid-stream: nothing missed, nothing twice', async () => {
      const onA = await subscriber(gateways[0]!, topic);
      for (let i = 0; i < 5; i++) await gateways[0]!.fanout(topic, { phase: 'a', i });
      const seen = await messages(onA, 5);
      await onA.close();
      for (let i = 0; i < 5; i++) await gateways[2]!.fanout(topic, { phase: 'gap', i });
      const last = seen.at(-1) as MsgFrame;
      const onB = await connect(asGateway(gateways[1]), []);
      onB.send({ type: 'sub', topic, since: last.seq });
      const ok = await onB.next('sub.ok');
      assert.equal(ok.seq, last.seq + 5);
      const replay = await messages(onB, 5);
      assert.deepEqual(
        replay.map((m) => m.seq),
        [1, 2, 3, 4, 5].map((d) => last.seq + d),
      );
      assert.deepEqual(
        replay.map((m) => (m.data as { phase: string }).phase),
        Array(5).fill('gap'),
      );
      await gateways[0]!.fanout(topic, 'live');
      const live = await onB.next('msg');
      assert.equal(live.seq, last.seq + 6);
      await onB.roundTrip();
      assert.deepEqual(onB.pending(), [], 'nothing twice');
      await onB.close();
    });

    it('sends each subscriber every message once and in order while another gateway publishes without pause', async () => {
      let publishing = true;
      const publisher = (async () => {
        for (let i = 0; publishing && i < 20_000; i++) await gateways[0]!.fanout(topic, { i });
      })();
      const perClient = await Promise.all(
        Array.from({ length: 60 }, async () => {
          const client = await connect(asGateway(gateways[1]), []);
          client.send({ type: 'sub', topic });
          await client.next('sub.ok');
          const seqs = (await messages(client, 25)).map((m) => m.seq);
          await client.close();
          return seqs;
        }),
      );
      publishing = false;
      await publisher;
      for (const seqs of perClient) {
        assert.deepEqual(
          seqs,
          Array.from({ length: seqs.length }, (_, i) => (seqs[0] as number) + i),
          'once, in order, no gap',
        );
      }
    });

    it('answers reset when the epoch is not the one in Redis', async () => {
      const client = await connect(asGateway(gateways[0]), []);
      client.send({ type: 'sub', topic, since: 1, epoch: 'not-the-epoch' });
      await client.next('sub.ok');
      assert.equal((await client.next()).type, 'reset');
      await client.close();
    });

    it('sums stats over the cluster', async () => {
      const clients = await Promise.all(gateways.map((gw) => subscriber(gw, topic)));
      // Each gateway reports every 5 s; report now rather than wait.
      await Promise.all(gateways.map((gw) => gw.context.cluster?.report()));
      const res = await get(`${gateways[0]!.url}/rt/stats?scope=cluster`);
      const body = JSON.parse(res.body) as Record<string, number>;
      assert.equal(body['gateways'], 3);
      assert.equal(body[topic], 3);
      assert.equal(body['total'], 3);
      assert.equal(gateways[0]!.stats()[topic], 1, 'per gateway as before');
      await Promise.all(clients.map((c) => c.close()));
    });
  });

  describe('faults', () => {
    it('refuses new connections with 1013 and reports 503 while Redis is unreachable, keeps clients, and catches them up from history', async () => {
      const url = new URL(REDIS_URL);
      const proxy = await TcpProxy.start(Number(url.port || 6379));
      const prefix = `rt-test-${unique()}:`;
      const topic = `t${unique()}.feed`;
      const {
        gateways: [a],
      } = await startCluster(1, { prefix, topic });
      const {
        gateways: [b],
      } = await startCluster(1, { prefix, topic, url: `redis://127.0.0.1:${proxy.port}` });
      assert.ok(a && b);
      try {
        const onB = await subscriber(b, topic);
        await a.fanout(topic, 'before');
        const before = await onB.next('msg');

        const engineB = b.context.engine as RedisEngine;
        proxy.cut();
        await eventually(() => !engineB.health().ok, { what: 'gateway B notices' });
        const health = await get(`${b.url}/health`);
        assert.equal(health.status, 503);
        assert.deepEqual(
          {
            status: (JSON.parse(health.body) as { status: string }).status,
            reason: (JSON.parse(health.body) as { reason: string }).reason,
          },
          { status: 'degraded', reason: 'redis_unavailable' },
        );
        const refused = new TestClient(wsUrl(asGateway(b), signedQuery([])));
        assert.deepEqual(await refused.closed, { code: 1013, reason: 'unavailable' });
        await assert.rejects(b.fanout(topic, 'cannot'));

        for (let i = 0; i < 5; i++) await a.fanout(topic, { missed: i }); // while B is cut off
        await onB.roundTrip(); // B still serves its client
        proxy.restore();
        await eventually(() => engineB.health().ok, { what: 'gateway B reconnects' });
        const caught = await messages(onB, 5);
        assert.deepEqual(
          caught.map((m) => m.seq),
          [1, 2, 3, 4, 5].map((d) => before.seq + d),
          'missed messages recovered in order',
        );
        await a.fanout(topic, 'after');
        const after = await onB.next('msg');
        assert.equal(after.seq, before.seq + 6);
        await onB.roundTrip();
        assert.deepEqual(onB.pending(), [], 'resubscribed exactly once: no duplicate delivery');
        assert.equal((await get(`${b.url}/health`)).status, 200);
        await onB.close();
      } finally {
        await Promise.all([a.close(), b.close()]);
        await proxy.close();
        await cleanup(prefix);
      }
    });

    it('survives Redis restarting without its data: the open connection gets reset in-band, with a new epoch', async () => {
      const redis = await RedisServer.start();
      const prefix = `rt-test-${unique()}:`;
      const topic = `t${unique()}.feed`;
      const {
        gateways: [gw],
      } = await startCluster(1, { prefix, topic, url: redis.url });
      assert.ok(gw);
      try {
        const client = await connect(asGateway(gw), []);
        client.send({ type: 'sub', topic });
        const before = await client.next('sub.ok');
        await gw.fanout(topic, 1);
        await client.next('msg');
        const oldTicket = signedQuery([], { nowMs: Date.now() - 5000 }); // issued before the restart
        await redis.kill();
        await eventually(() => !gw.context.health().ok, { what: 'the gateway notices' });
        await client.roundTrip(); // still served
        await redis.restart(); // no persistence: the history, the epoch and the used nonces are gone
        const reset = await client.next('reset');
        assert.notEqual(reset.epoch, before.epoch, 'a new epoch: seq 1 of it is not the seq 1 the client holds');
        await gw.fanout(topic, 2);
        const next = await client.next('msg');
        assert.deepEqual([next.seq, next.data], [1, 2], 'live messages follow on the same connection');
        assert.equal(gw.context.engine.status().recovered.reset, 1);
        assert.deepEqual(
          await new TestClient(wsUrl(asGateway(gw), oldTicket)).closed,
          { code: 4401, reason: 'replay' },
          'Redis lost writes: a ticket from before may have been used, its nonce gone',
        );
        await (await connect(asGateway(gw), [])).close(); // a fresh ticket is welcome
        await client.close();
      } finally {
        await gw.close();
        await redis.dispose();
      }
    });

    it('holds the connection cap under concurrent connects, though each ticket check waits on Redis', async () => {
      const gw = await createGateway({
        secret: SECRET,
        port: 0,
        logger: silentLogger,
        rateLimits: { ...NO_RATE_LIMITS, maxConnections: 3 },
        redis: { url: REDIS_URL, prefix: `rt-test-${unique()}:` },
      });
      try {
        const clients = Array.from({ length: 12 }, () => new TestClient(wsUrl(asGateway(gw), signedQuery([]))));
        const outcomes = await Promise.all(
          clients.map((c) => Promise.race([c.next('hello').then(() => 'hello'), c.closed.then((x) => String(x.code))])),
        );
        assert.equal(outcomes.filter((o) => o === 'hello').length, 3);
        assert.equal(outcomes.filter((o) => o === '1013').length, 9);
        await Promise.all(clients.map((c) => c.close()));
      } finally {
        await gw.close();
      }
    });

    it('after a Redis restart that kept its data (AOF), goes on with no reset, no gap, and old tickets still valid', async () => {
      const redis = await RedisServer.start({ persistence: 'aof' });
      const prefix = `rt-test-${unique()}:`;
      const topic = `t${unique()}.feed`;
      const {
        gateways: [gw],
      } = await startCluster(1, { prefix, topic, url: redis.url });
      assert.ok(gw);
      try {
        const client = await connect(asGateway(gw), []);
        client.send({ type: 'sub', topic });
        const before = await client.next('sub.ok');
        for (let i = 0; i < 3; i++) await gw.fanout(topic, i);
        const last = (await messages(client, 3)).at(-1) as MsgFrame;
        const oldTicket = signedQuery([], { nowMs: Date.now() - 5000 }); // issued before the restart, never used
        await redis.kill();
        await eventually(() => !gw.context.health().ok, { what: 'the gateway notices' });
        await redis.restart(); // the AOF brings everything back
        await eventually(() => gw.context.engine.status().recovered.continued === 1, { what: 'the topic checked' });
        await gw.fanout(topic, 'after');
        const next = await client.next();
        assert.deepEqual([next.type, (next as MsgFrame).seq], ['msg', last.seq + 1], 'no reset, no gap');
        assert.equal((await new TestClient(wsUrl(asGateway(gw), oldTicket)).next('hello')).type, 'hello');
        const back = await connect(asGateway(gw), []);
        back.send({ type: 'sub', topic, since: last.seq, epoch: before.epoch });
        const after = await back.next('sub.ok');
        assert.deepEqual([after.seq, after.epoch], [last.seq + 1, before.epoch], 'the epoch survived');
        assert.equal((await back.next('msg')).seq, last.seq + 1);
        await Promise.all([client.close(), back.close()]);
      } finally {
        await gw.close();
        await redis.dispose();
      }
    });

    it('fails to start when Redis cannot be reached', async () => {
      const port = await freePort();
      await assert.rejects(
        createGateway({
          secret: SECRET,
          port: 0,
          logger: silentLogger,
          redis: { url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300 },
        }),
        /Redis unreachable/,
      );
    });
  });
});
