/**
 * A Redis restart under three gateways while messages flow, as an operator meets it: with AOF, with RDB only,
 * with no persistence, killed with SIGKILL. Real `redis-server` processes, started and stopped here by PID; real
 * clients on every gateway: the core client over WebSocket (counting its ticket fetches and reconnects) and an SSE
 * stream. Whatever Redis kept, no connection closes and no ticket is fetched; where history survived, nothing is
 * lost, nothing comes twice and nothing resets; where it was lost or went back, each client gets one in-band
 * `reset` and takes no new message for one it holds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { MsgFrame, ServerFrame } from '../../../../src/protocol/index.js';
import type { PublishResult } from '../../../../server/engines/engine.js';
import { issueTicket } from '../../../../server/admission/tickets.js';
import { createGateway, type Gateway } from '../../../../server/gateway.js';
import { silentLogger } from '../../../../server/ops/log.js';
import { createClient } from '../../../../src/core/client.js';
import type { Client } from '../../../../src/core/types.js';
import { RedisServer, type Persistence } from '../../../helpers/redis-server.js';
import { eventually } from '../../../helpers/until.js';
import { NO_RATE_LIMITS, SECRET, SseReader, signedQuery } from '../../helpers.js';

type RedisGateway = Gateway<Promise<PublishResult>>;
const TOPIC = 'ops.feed';

/** What one client saw, checked the way a client's store would. */
class Viewer {
  /** Data ids received, per epoch (a second one in the same epoch is a duplicate). */
  readonly seen = new Map<string, Set<number>>();
  duplicates = 0;
  gaps = 0;
  resets = 0;
  epoch = '';
  private seq = 0;

  constructor(readonly name: string) {}

  frame(frame: ServerFrame): void {
    if (frame.type === 'sub.ok') this.epoch = frame.epoch;
    else if (frame.type === 'reset') {
      this.resets += 1;
      this.epoch = frame.epoch;
      this.seq = 0;
    } else if (frame.type === 'msg') this.message(frame);
  }

  message(frame: MsgFrame): void {
    if (this.seq > 0 && frame.seq <= this.seq) this.duplicates += 1;
    else if (this.seq > 0 && frame.seq > this.seq + 1) this.gaps += 1;
    this.seq = Math.max(this.seq, frame.seq);
    const ids = this.seen.get(this.epoch) ?? new Set<number>();
    if (ids.has((frame.data as { id: number }).id)) this.duplicates += 1;
    ids.add((frame.data as { id: number }).id);
    this.seen.set(this.epoch, ids);
  }

  has(id: number): boolean {
    return [...this.seen.values()].some((ids) => ids.has(id));
  }
}

/** The core client over WebSocket, counting what a storm would be made of. */
function wsViewer(
  gw: RedisGateway,
  name: string,
): { viewer: Viewer; client: Client; tickets: () => number; opens: () => number } {
  const viewer = new Viewer(name);
  let tickets = 0;
  const client = createClient({
    url: `${gw.url.replace(/^http/, 'ws')}/rt`,
    auth: (scopes) => {
      tickets += 1;
      return Promise.resolve(issueTicket(SECRET, scopes));
    },
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    transports: ['websocket'],
    logger: () => {},
  });
  const store = client.topic(TOPIC);
  store.subscribe(() => {});
  client.on('reset', ({ epoch }) => viewer.frame({ type: 'reset', topic: TOPIC, epoch }));
  let opens = 0;
  let connected = false;
  client.status.subscribe((status) => {
    if (status.connected && !connected) opens += 1;
    connected = status.connected;
  });
  client.on('message', (frame) => {
    viewer.epoch = store.get().epoch ?? '';
    viewer.message(frame);
  });
  return { viewer, client, tickets: () => tickets, opens: () => opens };
}

/** An SSE stream, read frame by frame. */
function sseViewer(
  gw: RedisGateway,
  name: string,
): { viewer: Viewer; stream: SseReader; read: () => void; ended: () => boolean } {
  const viewer = new Viewer(name);
  const stream = new SseReader(`${gw.url}/rt/sse?${signedQuery([])}&topics=${TOPIC}`);
  let read = 0;
  let ended = false;
  void stream.ended.then(() => (ended = true));
  return {
    viewer,
    stream,
    ended: () => ended,
    read: () => {
      for (; read < stream.events.length; read++) viewer.frame((stream.events[read] as { data: ServerFrame }).data);
    },
  };
}

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
          const ws = gateways.map((gw, i) => wsViewer(gw, `ws@${i}`));
          const sse = gateways.map((gw, i) => sseViewer(gw, `sse@${i}`));
          const viewers = [...ws.map((w) => w.viewer), ...sse.map((s) => s.viewer)];
          const readAll = () => sse.forEach((s) => s.read());
          try {
            await eventually(() => ws.every((w) => w.client.status.get().state === 'open'), { what: 'clients open' });
            await eventually(() => (readAll(), sse.every((s) => s.viewer.epoch !== '')), { what: 'streams open' });

            // A publisher sends through each gateway in turn; an accepted message is one that got its seq.
            const accepted = new Map<number, PublishResult>();
            let next = 0;
            let running = true;
            const publishing = (async () => {
              for (let round = 0; running && round < 5000; round++) {
                const id = next++;
                const gw = gateways[id % 3] as RedisGateway;
                await gw.fanout(TOPIC, { id }).then(
                  (result) => accepted.set(id, result),
                  () => new Promise((resolve) => setTimeout(resolve, 5)), // Redis away: not accepted
                );
              }
            })();
            const acceptedAtLeast = (n: number) =>
              eventually(() => accepted.size >= n, { what: `${n} messages accepted`, tries: 2000 });

            await acceptedAtLeast(30);
            if (scenario.stop === 'kill-after-snapshot') {
              await redis.snapshot();
              await acceptedAtLeast(accepted.size + 20); // beyond the snapshot: gone after the kill
            }
            const epochBefore = [...accepted.values()].at(-1)?.epoch;
            if (scenario.stop === 'shutdown-save') await redis.shutdown({ save: true });
            else await redis.kill();
            await eventually(() => gateways.every((gw) => !gw.context.health().ok), { what: 'gateways notice' });
            await redis.restart();
            await eventually(() => gateways.every((gw) => gw.context.health().ok), { what: 'gateways reconnect' });
            const resumedAt = accepted.size;
            await acceptedAtLeast(resumedAt + 30);
            running = false;
            await publishing;

            const missing = () =>
              viewers.flatMap((v) =>
                [...accepted].filter(([id]) => !v.has(id)).map(([id, r]) => `${v.name} #${id} (seq ${r.seq})`),
              );
            await eventually(() => (readAll(), missing().length === 0), { tries: 300 }).catch(() => {
              assert.deepEqual(missing(), [], 'every accepted message reached every client');
            });
            for (const viewer of viewers) {
              assert.equal(viewer.duplicates, 0, `${viewer.name}: nothing twice`);
              assert.equal(viewer.gaps, 0, `${viewer.name}: no gap`);
              assert.equal(viewer.resets, scenario.kept ? 0 : 1, `${viewer.name}: resets`);
            }
            const epochAfter = [...accepted.values()].at(-1)?.epoch;
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
            for (const w of ws) w.client.disconnect();
            for (const s of sse) s.stream.close();
          }
        },
      );
    });
  }
});
