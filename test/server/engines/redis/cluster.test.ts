/**
 * Three gateways on a real local Redis Cluster (3 masters, a replica each, started and stopped here by PID):
 * topics spread over the shards, each message travels only within its shard (sharded Pub/Sub), reaches the
 * subscribers of every gateway once, and a failover, a master's crash or a slot migration mid-stream closes no
 * connection and loses nothing that history covers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGateway } from '../../../../server/gateway.js';
import { silentLogger } from '../../../../server/ops/log.js';
import { RedisCluster, nodeCommand } from '../../../helpers/redis-cluster.js';
import { eventually } from '../../../helpers/until.js';
import { NO_RATE_LIMITS, SECRET, get } from '../../helpers.js';
import { Publisher, sseViewer, wsViewer, type RedisGateway, type SseViewer, type WsViewer } from './viewers.js';

/** Six topics: enough that every master owns some (checked below). */
const TOPICS = ['ops.a', 'ops.b', 'ops.c', 'ops.d', 'ops.e', 'ops.f'];
const PREFIX = 'rt:';

describe('Redis Cluster under three gateways', () => {
  let cluster: RedisCluster;
  const gateways: RedisGateway[] = [];
  let ws: WsViewer[] = [];
  let sse: SseViewer[] = [];
  const viewers = () => [...ws.map((w) => w.viewer), ...sse.map((s) => s.viewer)];
  const readAll = () => sse.forEach((s) => s.read());

  before(async () => {
    cluster = await RedisCluster.start({ masters: 3, replicas: 1 });
    for (let i = 0; i < 3; i++) {
      gateways.push(
        await createGateway({
          secret: SECRET,
          port: 0,
          logger: silentLogger,
          historySize: 500,
          rateLimits: NO_RATE_LIMITS,
          redis: { clusterNodes: cluster.urls, maxReconnectDelayMs: 100, connectTimeoutMs: 3000 },
          topics: Object.fromEntries(TOPICS.map((t) => [t, { scopes: [] }])),
        }),
      );
    }
    ws = gateways.map((gw, i) => wsViewer(gw, `ws@${i}`, TOPICS));
    sse = gateways.map((gw, i) => sseViewer(gw, `sse@${i}`, TOPICS));
    await eventually(() => ws.every((w) => w.opens() === 1), { what: 'clients open' });
    await eventually(
      () => sse.every((s) => s.stream.events.filter((e) => e.data.type === 'sub.ok').length === TOPICS.length),
      { what: 'streams open' },
    );
  });
  after(async () => {
    for (const w of ws) w.client.disconnect();
    for (const s of sse) s.stream.close();
    await Promise.all(gateways.map((gw) => gw.close()));
    await cluster?.dispose();
  });

  /** Publishes through every gateway while `fault` runs, then checks what every client got. */
  async function throughFault(fault: () => Promise<void>): Promise<void> {
    const publisher = new Publisher(gateways, TOPICS);
    try {
      await publisher.more(40);
      await fault();
      await publisher.more(40);
    } finally {
      await publisher.stop();
    }
    await eventually(() => (readAll(), publisher.missing(viewers()).length === 0), { tries: 300 }).catch(() => {
      assert.deepEqual(publisher.missing(viewers()), [], 'every accepted message reached every client');
    });
    for (const viewer of viewers()) {
      assert.equal(viewer.duplicates, 0, `${viewer.name}: nothing twice: ${viewer.oddities.join('; ')}`);
      assert.equal(viewer.gaps, 0, `${viewer.name}: no gap: ${viewer.oddities.join('; ')}`);
    }
    assert.deepEqual(
      ws.map((w) => [w.tickets(), w.opens()]),
      ws.map(() => [1, 1]),
      'one ticket and one connection each: no reconnect',
    );
    assert.ok(
      sse.every((s) => !s.ended()),
      'every SSE stream still the one it opened',
    );
  }

  it('spreads topics over the shards and carries each message only within its shard', async () => {
    const owners = new Map<string, number>();
    for (const topic of TOPICS) owners.set(topic, await cluster.masterOf(await cluster.slotOf(`{${topic}}`)));
    assert.ok(new Set(owners.values()).size >= 2, `topics on several masters: ${JSON.stringify([...owners])}`);
    for (const master of await cluster.masters()) {
      const channels = ((await nodeCommand(master, ['PUBSUB', 'SHARDCHANNELS'])) as string[]).sort();
      const expected = TOPICS.filter((t) => owners.get(t) === master)
        .map((t) => `${PREFIX}{${t}}:ch`)
        .sort();
      assert.deepEqual(channels, expected, `master ${master} carries only its own topics' channels`);
      // Only the control channel, for the rare operator commands that must reach every gateway.
      const classic = (await nodeCommand(master, ['PUBSUB', 'CHANNELS', `${PREFIX}*`])) as string[];
      assert.deepEqual(
        classic.filter((channel) => channel !== `${PREFIX}control`),
        [],
        'no topic channel on classic Pub/Sub, which a cluster broadcasts to every node',
      );
    }
    const health = JSON.parse((await get(`${gateways[0]?.url ?? ''}/health`)).body) as { engine: { mode: string } };
    assert.equal(health.engine.mode, 'redis-cluster');
  });

  it('delivers a message published through any gateway to the clients of every gateway, once, in order', async () => {
    await throughFault(async () => {});
    for (const viewer of viewers()) assert.equal(viewer.resets, 0, `${viewer.name}: no reset`);
  });

  it("survives a manual failover of a topic's master mid-stream: nothing lost, nothing twice, no reconnect", async () => {
    const before = viewers().map((v) => v.resets);
    await throughFault(async () => {
      await cluster.failover(await cluster.slotOf(`{${TOPICS[0] ?? ''}}`));
    });
    assert.deepEqual(
      viewers().map((v) => v.resets),
      before,
      'a failover that lost nothing resets nothing',
    );
  });

  it('survives a slot migration mid-stream: the topic keeps its history, its subscriptions follow', async () => {
    const slot = await cluster.slotOf(`{${TOPICS[1] ?? ''}}`);
    const from = await cluster.masterOf(slot);
    const to = (await cluster.masters()).find((port) => port !== from) as number;
    const before = viewers().map((v) => v.resets);
    await throughFault(() => cluster.migrateSlot(slot, to));
    assert.equal(await cluster.masterOf(slot), to);
    assert.deepEqual(
      viewers().map((v) => v.resets),
      before,
      'a migration loses nothing: no reset',
    );
  });

  it("survives a master's crash (SIGKILL, its replica promoted) mid-stream with no reconnect", async () => {
    await throughFault(async () => {
      await cluster.killMaster(await cluster.slotOf(`{${TOPICS[2] ?? ''}}`));
    });
    for (const gw of gateways) assert.ok(gw.context.engine.status().restarts >= 1, 'the failover was seen');
  });
});
