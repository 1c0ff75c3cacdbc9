// Delivery through each engine, side by side in one run: the in-memory engine (one gateway), three gateways on one
// Redis, three gateways on a local 3-master Redis Cluster (a replica each, sharded Pub/Sub). The same clients
// (plain `ws`, spread over the gateways and 6 topics) and the same publisher (round-robin over gateways and topics,
// at a fixed rate) for each; latency is the client's clock at receipt minus the message's publish time.
//
//   node --import tsx bench/engines.mjs [--clients=600] [--rate=300] [--seconds=10] [--label=x]
//
// Everything runs in this process on a 2-core host: compare the engines as ratios, not absolute numbers. Redis
// servers are started and stopped here by PID (redis-server and redis-cli must be installed). Raw results go to
// bench/results/ (ignored).
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createClient } from 'redis';
import WebSocket from 'ws';
import { issueTicket } from '../server/admission/tickets.ts';
import { ticketQuery } from '../src/protocol/ticket.ts';
import { createGateway } from '../server/gateway.ts';
import { RedisCluster, nodeCommand } from '../test/helpers/redis-cluster.ts';
import { RedisServer } from '../test/helpers/redis-server.ts';

const argv = process.argv.slice(2);
const opt = (name, dflt) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt);
const label = argv.find((a) => a.startsWith('--label='))?.slice(8) ?? 'engines';
const CLIENTS = opt('clients', 600);
const RATE = opt('rate', 300);
const SECONDS = opt('seconds', 10);
const SECRET = 'bench-secret-0123456789abcdef';
const TOPICS = ['b.t0', 'b.t1', 'b.t2', 'b.t3', 'b.t4', 'b.t5'];

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function gateways(count, redis) {
  const list = [];
  for (let i = 0; i < count; i++)
    list.push(
      await createGateway({
        secret: SECRET,
        port: 0,
        logLevel: 'silent',
        processMetrics: false,
        rateLimits: { connectionsPerIp: false, framesPerConnection: false },
        topics: Object.fromEntries(TOPICS.map((t) => [t, { scopes: [] }])),
        ...(redis ? { redis } : {}),
      }),
    );
  return list;
}

/** Connects the clients, spread over gateways and topics; resolves once all are subscribed. */
async function connectClients(gws, latencies) {
  const sockets = [];
  await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) => {
      const gw = gws[i % gws.length];
      const topic = TOPICS[Math.floor(i / gws.length) % TOPICS.length];
      const ws = new WebSocket(`${gw.url.replace(/^http/, 'ws')}/rt?${ticketQuery(issueTicket(SECRET, []))}`);
      sockets.push(ws);
      return new Promise((resolve, reject) => {
        ws.on('error', reject);
        ws.on('message', (raw) => {
          const frame = JSON.parse(String(raw));
          if (frame.type === 'hello') ws.send(JSON.stringify({ type: 'sub', topic }));
          else if (frame.type === 'sub.ok') resolve();
          else if (frame.type === 'msg' && frame.data.bench) latencies.push(Date.now() - frame.data.t);
        });
      });
    }),
  );
  return sockets;
}

async function measure(name, gws, extra = async () => ({})) {
  const latencies = [];
  const sockets = await connectClients(gws, latencies);
  const publishMs = [];
  let sent = 0;
  let failed = 0;
  const start = performance.now();
  const total = RATE * SECONDS;
  // Paced on the schedule: message k is due at k / RATE seconds.
  while (sent + failed < total) {
    const due = start + ((sent + failed) * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const k = sent + failed;
    const gw = gws[k % gws.length];
    const topic = TOPICS[Math.floor(k / gws.length) % TOPICS.length];
    const t0 = performance.now();
    try {
      await gw.publish(topic, { bench: true, t: Date.now(), k });
      publishMs.push(performance.now() - t0);
      sent += 1;
    } catch {
      failed += 1;
    }
  }
  const expected = sent * (CLIENTS / TOPICS.length);
  for (let i = 0; i < 300 && latencies.length < expected; i++) await new Promise((r) => setTimeout(r, 10));
  for (const ws of sockets) ws.terminate();
  latencies.sort((a, b) => a - b);
  publishMs.sort((a, b) => a - b);
  return {
    engine: name,
    gateways: gws.length,
    published: sent,
    failed,
    delivered: latencies.length,
    expected,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    publishP95Ms: Number(percentile(publishMs, 95).toFixed(2)),
    ...(await extra()),
  };
}

const rows = [];
{
  const gws = await gateways(1);
  rows.push(await measure('memory (1 gateway)', gws));
  await Promise.all(gws.map((g) => g.close()));
}
{
  const redis = await RedisServer.start();
  const gws = await gateways(3, { url: redis.url });
  rows.push(await measure('one Redis (3 gateways)', gws));
  await Promise.all(gws.map((g) => g.close()));
  await redis.dispose();
}
{
  const cluster = await RedisCluster.start({ masters: 3, replicas: 1 });
  const gws = await gateways(3, { clusterNodes: cluster.urls });
  const masters = await cluster.masters();
  const shardMessages = async () => {
    let sum = 0;
    for (const port of masters) {
      const info = String(await nodeCommand(port, ['CLUSTER', 'INFO']));
      sum += Number(/cluster_stats_messages_publishshard_sent:(\d+)/.exec(info)?.[1] ?? 0);
      sum += Number(/cluster_stats_messages_publish_sent:(\d+)/.exec(info)?.[1] ?? 0);
    }
    return sum;
  };
  const busBefore = await shardMessages();
  const row = await measure('Redis Cluster, 3 masters (3 gateways)', gws, async () => ({
    busMessagesPerPublish: Number(((await shardMessages()) - busBefore).toFixed(0)),
  }));
  row.busMessagesPerPublish = Number((row.busMessagesPerPublish / row.published).toFixed(2));
  rows.push(row);
  // What classic Pub/Sub would cost on the same cluster: every PUBLISH goes to every node over the cluster bus.
  const classicBefore = await shardMessages();
  const client = createClient({ url: `redis://127.0.0.1:${masters[0]}` });
  await client.connect();
  for (let i = 0; i < 1000; i++) await client.sendCommand(['PUBLISH', 'bench.classic', 'x']);
  await client.close();
  rows.push({
    engine: 'classic PUBLISH on that cluster (for comparison)',
    busMessagesPerPublish: Number((((await shardMessages()) - classicBefore) / 1000).toFixed(2)),
  });
  await Promise.all(gws.map((g) => g.close()));
  await cluster.dispose();
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
const file = new URL(`results/${stamp}-${label}.json`, import.meta.url);
writeFileSync(file, JSON.stringify({ clients: CLIENTS, rate: RATE, seconds: SECONDS, rows }, null, 2));
console.log(`${CLIENTS} clients over ${TOPICS.length} topics, ${RATE} msgs/s for ${SECONDS} s → ${file.pathname}`);
console.log('| engine | delivered | p50 ms | p95 ms | p99 ms | publish p95 ms | cluster bus msgs / publish |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows)
  if (r.expected === undefined) console.log(`| ${r.engine} | | | | | | ${r.busMessagesPerPublish} |`);
  else
    console.log(
      `| ${r.engine} | ${((100 * r.delivered) / r.expected).toFixed(1)} % | ${r.p50} | ${r.p95} | ${r.p99} | ${r.publishP95Ms} | ${r.busMessagesPerPublish ?? '–'} |`,
    );
process.exit(0);
