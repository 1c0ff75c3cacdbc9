/**
 * A Redis restart under three gateways while messages flow, as an operator meets it: with AOF, with RDB only,
 * with no persistence, killed with SIGKILL. Real `redis-server` processes, started and stopped here by PID; real
 * clients on every gateway: the core client over WebSocket (counting its ticket fetches and reconnects) and an SSE
 * stream. Whatever Redis kept, no connection closes and no ticket is fetched; where history survived, nothing is
 * lost, nothing comes twice and nothing resets; where it was lost or went back, each client gets one in-band
 * `reset`, takes no new message for one it holds, and misses at most what Redis accepted in its last instant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGateway } from '../../../../server/gateway.js';
import { silentLogger } from '../../../../server/ops/log.js';
import { RedisServer, type Persistence } from '../../../helpers/redis-server.js';
import { eventually } from '../../../helpers/until.js';
import { NO_RATE_LIMITS, SECRET } from '../../helpers.js';
import { Publisher, sseViewer, wsViewer, type RedisGateway, type Viewer } from './viewers.js';

const TOPIC = 'ops.feed';

interface Scenario {
  name: string;
  persistence: Persistence;
  /** How Redis goes away: `SHUTDOWN SAVE`, or SIGKILL (after a snapshot taken mid-stream, for RDB). */
  stop: 'shutdown-save' | 'kill' | 'kill-after-snapshot';
  /** Whether its history survives. */
  kept: boolean;
}

const scenarios: Scenario[] = [
  { name: 'AOF, SHUTDOWN SAVE', persistence: 'aof', stop: 'shutdown-save', kept: true },
  { name: 'AOF, SIGKILL', persistence: 'aof', stop: 'kill', kept: true },
  { name: 'RDB only, SHUTDOWN SAVE', persistence: 'rdb', stop: 'shutdown-save', kept: true },
  { name: 'RDB only, SIGKILL after an older snapshot', persistence: 'rdb', stop: 'kill-after-snapshot', kept: false },
  { name: 'no persistence, SIGKILL', persistence: 'none', stop: 'kill', kept: false },
];

/**
 * The messages accepted that a viewer never got, less those a crash may take: when Redis loses what it held, a
 * message it accepted in its last instant may have reached some gateways' Pub/Sub connections and not others, and
 * no history is left to fill in from. Such a loss is announced by the viewer's `reset` (asserted below) and can only
 * be a tail: messages accepted before the outage, after the last one the viewer got. A hole, or any message
 * accepted after the restart, counts as missing.
 */
function missingBeyondCrash(publisher: Publisher, viewers: readonly Viewer[], beforeOutage: ReadonlySet<number>) {
  const ids = [...(publisher.accepted.get(TOPIC)?.keys() ?? [])];
  return viewers.flatMap((viewer) => {
    const lastSeen = Math.max(-1, ...ids.filter((id) => beforeOutage.has(id) && viewer.has(TOPIC, id)));
    return ids
      .filter((id) => !viewer.has(TOPIC, id) && (!beforeOutage.has(id) || id < lastSeen))
      .map((id) => `${viewer.name} ${TOPIC} #${id}`);
  });
}

describe('Redis restarts under three gateways, messages flowing', () => {
  for (const scenario of scenarios) {
    describe(scenario.name, () => {
      let redis: RedisServer;
      const gateways: RedisGateway[] = [];
      before(async () => {
        redis = await RedisServer.start({ persistence: scenario.persistence });
        for (let i = 0; i < 3; i++) {
          gateways.push(
            await createGateway({
              secret: SECRET,
              port: 0,
              logger: silentLogger,
              historySize: 500,
              rateLimits: NO_RATE_LIMITS,
              redis: { url: redis.url, maxReconnectDelayMs: 100, connectTimeoutMs: 2000 },
              topics: { [TOPIC]: { scopes: [] } },
            }),
          );
        }
      });
      after(async () => {
        await Promise.all(gateways.map((gw) => gw.close()));
        await redis.dispose();
      });

      it(
        scenario.kept
          ? 'closes nothing, fetches no ticket, loses nothing, sends nothing twice, resets nothing'
          : 'closes nothing, fetches no ticket, resets each client once in-band, and no new message passes for an old one',
        async () => {
          const ws = gateways.map((gw, i) => wsViewer(gw, `ws@${i}`, [TOPIC]));
          const sse = gateways.map((gw, i) => sseViewer(gw, `sse@${i}`, [TOPIC]));
          const viewers = [...ws.map((w) => w.viewer), ...sse.map((s) => s.viewer)];
          const readAll = () => sse.forEach((s) => s.read());
          let publisher: Publisher | undefined;
          try {
            await eventually(() => ws.every((w) => w.opens() === 1), { what: 'clients open' });
            await eventually(() => sse.every((s) => s.stream.events.some((e) => e.data.type === 'sub.ok')), {
              what: 'streams open',
            });

            publisher = new Publisher(gateways, [TOPIC]);
            await publisher.more(30);
            if (scenario.stop === 'kill-after-snapshot') {
              await redis.snapshot();
              await publisher.more(20); // beyond the snapshot: gone after the kill
            }
            const epochBefore = [...(publisher.accepted.get(TOPIC)?.values() ?? [])].at(-1)?.epoch;
            if (scenario.stop === 'shutdown-save') await redis.shutdown({ save: true });
            else await redis.kill();
            await eventually(() => gateways.every((gw) => !gw.context.health().ok), { what: 'gateways notice' });
            const beforeOutage = new Set(publisher.accepted.get(TOPIC)?.keys());
            await redis.restart();
            await eventually(() => gateways.every((gw) => gw.context.health().ok), { what: 'gateways reconnect' });
            await publisher.more(30);
            await publisher.stop();

            const p = publisher;
            const missing = () => (scenario.kept ? p.missing(viewers) : missingBeyondCrash(p, viewers, beforeOutage));
            await eventually(() => (readAll(), missing().length === 0), { tries: 300 }).catch(() => {
              assert.deepEqual(missing(), [], 'every accepted message reached every client');
            });
            for (const viewer of viewers) {
              assert.equal(viewer.duplicates, 0, `${viewer.name}: nothing twice`);
              assert.equal(viewer.gaps, 0, `${viewer.name}: no gap`);
              assert.equal(viewer.resets, scenario.kept ? 0 : 1, `${viewer.name}: resets`);
            }
            const epochAfter = [...(publisher.accepted.get(TOPIC)?.values() ?? [])].at(-1)?.epoch;
            if (scenario.kept) assert.equal(epochAfter, epochBefore, 'the epoch goes on');
            else assert.notEqual(epochAfter, epochBefore, 'a new epoch');
            assert.deepEqual(
              ws.map((w) => [w.tickets(), w.opens(), w.client.status.get().state]),
              ws.map(() => [1, 1, 'open']),
              'one ticket each and one connection: no reconnect',
            );
            assert.deepEqual(
              sse.map((s) => s.ended()),
              sse.map(() => false),
              'every SSE stream still the one it opened',
            );
            for (const gw of gateways) {
              const { recovered, restarts } = gw.context.engine.status();
              assert.equal(restarts, 1);
              // A connection that drops again while Redis loads makes another pass: it finds nothing more to do.
              assert.equal(recovered.reset, scenario.kept ? 0 : 1, 'topics reset');
              if (scenario.kept) assert.ok(recovered.continued >= 1, 'topics continued');
            }
          } finally {
            await publisher?.stop();
            for (const w of ws) w.client.disconnect();
            for (const s of sse) s.stream.close();
          }
        },
      );
    });
  }
});
