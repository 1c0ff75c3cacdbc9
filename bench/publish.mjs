// What the HTTP publish API costs and how fast it goes (issue 18): `POST /rt/publish` (PROTOCOL.md §10) from a
// backend on the same host, over HTTP keep-alive, every request freshly signed.
//
//   node --import tsx bench/publish.mjs [--engines=memory,redis] [--redis=redis://127.0.0.1:6379]
//                                       [--concurrency=16] [--count=20000] [--time=20]
//                                       [--subscribers=10] [--rate=200] [--duration=10]
//                                       [--rows=signed,bearer,batch,id] [--quiet=0] [--label=x] [--out=file.json]
//
// The gateway runs in a child process (this file with --gateway-child) pinned to CPU 0 and reports its own
// process.cpuUsage() over IPC; this process is the load generator (and the subscribers), pinned to CPU 1.
// Per engine:
//   1. Throughput, no subscriber, one row per kind of request: signed single messages, bearer single messages,
//      signed batches of 10, signed single messages with an idempotency `id` (`--rows` picks and orders them).
//      `--concurrency` requests in flight on a keep-alive agent (as many sockets), each signed here just before it
//      is sent (new timestamp and nonce), until `--count` requests were answered or `--time` seconds passed. 2 000
//      messages of each kind warm the gateway up first, and each row has its own warm-up (a tenth of its requests,
//      at most 500); none is counted. Gateway CPU per message = its CPU during the row, less an idle baseline
//      measured after the warm-up, divided by the messages. The generator's own CPU share tells whether it was the
//      limit.
//   2. Delivery latency: `--subscribers` WebSocket connections on one topic; `--rate` signed HTTP publishes per
//      second for `--duration` s, interleaved (half a period apart) with as many messages injected by the gateway
//      itself (an IPC `fanout` call, the comparable local hop). Each message carries `sentAt` (taken just before the
//      body is signed and sent, or the IPC message sent); latency = arrival at a subscriber − sentAt.
// With `redis`, the engine (and the nonce store) is that Redis, under a prefix unique to this run; its keys are
// deleted at the end (SCAN MATCH prefix*, UNLINK). Redis's own CPU (INFO cpu) is reported beside.
// --quiet=S: before each measurement, wait up to S seconds for both CPUs to be nearly idle (a shared host); each
// row also reports what else ran on the two CPUs during it ("other work", in cores).
// Loopback only; every phase is bounded in count and time; the child is killed by PID on exit, error or signal.
// Raw results go to bench/results/<label>-<timestamp>.json (ignored), by default publish-<timestamp>.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient } from 'redis';
import WebSocket from 'ws';
import { guardChildren, pinGenerator, startGatewayChild } from './lib/gateway-child.mjs';
import { Histogram, SCOPES, SECRET, now, serveRpc } from './lib/common.mjs';
import { issueTicket } from '../server/admission/tickets.ts';
import { createGateway } from '../server/gateway.ts';
import { signPublishRequest } from '../server/publish/signature.ts';
import { ticketQuery } from '../src/protocol/ticket.ts';

const argv = process.argv.slice(2);
/** `--name=value` or `--name value`. */
function opt(name, dflt) {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return dflt;
  return argv[i].includes('=') ? argv[i].slice(name.length + 3) : (argv[i + 1] ?? dflt);
}
/** A bounded number option. */
function num(name, dflt, min, max) {
  const v = Number(opt(name, dflt));
  return Number.isFinite(v) ? Math.max(min, Math.min(max, v)) : dflt;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (v, d = 0) => (v == null || !Number.isFinite(v) ? null : Math.round(v * 10 ** d) / 10 ** d);

/** The publisher key: every topic, bearer allowed, a rate that never limits. */
const KEY = {
  id: 'bench',
  secret: 'bench-publisher-secret-0123456789abcdef',
  topics: ['*'],
  bearer: true,
  rate: { burst: 1e9, perSecond: 1e9 },
};
/** Throughput rows publish here (no subscriber); the latency phase on its own topic. */
const THROUGHPUT_TOPIC = 'kpis.s2';
const LATENCY_TOPIC = 'liveops.events';
const BATCH = 10;
/** Messages of each kind sent once per engine before anything is measured. */
const WARMUP = 2000;

if (argv.includes('--gateway-child')) await gatewayChild();
else await main();

// ---- the gateway (child process) ----------------------------------------------------------------------------
async function gatewayChild() {
  const url = process.env.BENCH_PUBLISH_REDIS;
  const gw = await createGateway({
    secret: SECRET,
    port: 0,
    logLevel: 'silent',
    // Every bench client comes from 127.0.0.1: the per-IP attempt limit would refuse all but a trickle.
    rateLimits: { connectionsPerIp: false },
    publishKeys: [KEY],
    ...(url ? { redis: { url, prefix: process.env.BENCH_PUBLISH_PREFIX } } : {}),
  });
  serveRpc({
    info: () => ({ port: gw.port, pid: process.pid }),
    /** CPU (µs) and RSS now, on this process's clock. */
    sample: () => {
      const cpu = process.cpuUsage();
      return {
        atMs: performance.now(),
        cpuUs: cpu.user + cpu.system,
        userUs: cpu.user,
        systemUs: cpu.system,
        rss: process.memoryUsage().rss,
        sessions: gw.hub.sessions.size,
      };
    },
    /** A message injected by the gateway itself (the reference for the HTTP path's latency). */
    async fanout({ topic, data }) {
      const r = gw.fanout(topic, data);
      if (r && typeof r.then === 'function') await r;
      return {};
    },
    async gc() {
      for (let i = 0; i < 3; i++) {
        global.gc?.();
        await sleep(200);
      }
      return { rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed };
    },
    async close() {
      await gw.close();
      return {};
    },
  });
}

// ---- the load generator (this process) ----------------------------------------------------------------------
async function main() {
  const C = Math.floor(num('concurrency', 16, 1, 256));
  const COUNT = Math.floor(num('count', 20_000, 100, 1_000_000)); // requests per row
  const ROW_S = num('time', 20, 1, 120);
  const SUBS = Math.floor(num('subscribers', 10, 1, 1000));
  const RATE = num('rate', 200, 1, 2000);
  const DURATION_S = num('duration', 10, 1, 120);
  const QUIET_S = num('quiet', 0, 0, 600);
  const engines = String(opt('engines', 'memory,redis')).split(',').filter(Boolean);
  const redisUrl = String(opt('redis', 'redis://127.0.0.1:6379'));
  const label = String(opt('label', 'publish'));
  const script = fileURLToPath(import.meta.url);
  // BENCH_SERVER_ARGS: extra Node flags for the gateway, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (as bench/run.mjs).
  const serverArgs = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
  const log = (...a) => console.log(`[publish ${new Date().toISOString().slice(11, 19)}]`, ...a);
  const runTag = `b${process.pid}t${Date.now().toString(36)}`;

  const KINDS = {
    signed: { name: 'signed', auth: 'signed', batch: 1, id: false },
    bearer: { name: 'bearer', auth: 'bearer', batch: 1, id: false },
    batch: { name: 'signed batch of 10', auth: 'signed', batch: BATCH, id: false },
    id: { name: 'signed with id', auth: 'signed', batch: 1, id: true },
  };
  // --rows picks the rows and their order (a kind may repeat: `--rows=bearer,bearer` shows drift over a run).
  const ROWS = String(opt('rows', 'signed,bearer,batch,id'))
    .split(',')
    .filter(Boolean)
    .slice(0, 12)
    .map((k, index) => {
      if (!KINDS[k]) throw new Error(`unknown row ${k} (signed, bearer, batch, id)`);
      return { ...KINDS[k], index };
    });

  // Every phase has its own bound; this one catches whatever they miss.
  const perEngineMs =
    (ROWS.length + 1) * QUIET_S * 1000 + ROWS.length * (ROW_S * 1.1 * 1000 + 35_000) + 2 * DURATION_S * 1000 + 90_000;
  const HARD_MS = 30_000 + engines.length * perEngineMs;
  const { children, killAll } = guardChildren('publish', HARD_MS);
  const pinning = pinGenerator();
  /** The gateway child with `env`: `call(cmd)` over IPC, `stop()` by PID. */
  const startGateway = (env) => startGatewayChild({ script, env, pinning, serverArgs, children });

  /** Redis's own CPU (µs, user + sys of the whole server), or null without Redis. */
  async function redisCpuUs(client) {
    if (!client) return null;
    const info = String(await client.sendCommand(['INFO', 'cpu']));
    const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]);
    const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]);
    return (user + sys) * 1e6;
  }

  /** Busy and total jiffies of each CPU (/proc/stat), to tell how much other work shared the pinned cores. */
  function cpuTimes() {
    try {
      const lines = readFileSync('/proc/stat', 'utf8')
        .split('\n')
        .filter((l) => /^cpu\d+ /.test(l));
      return lines.map((l) => {
        const [user, nice, system, idle, iowait, irq, softirq, steal] = l.split(/\s+/).slice(1).map(Number);
        const busy = user + nice + system + irq + softirq + steal;
        return { busy, total: busy + idle + iowait };
      });
    } catch {
      return [];
    }
  }
  /** Each CPU's busy share between two {@link cpuTimes}. */
  const busyShares = (a, b) =>
    b.map((t, i) => round((t.busy - (a[i]?.busy ?? 0)) / Math.max(1, t.total - (a[i]?.total ?? 0)), 3));

  /**
   * On a shared host, waits (at most QUIET_S seconds) until both CPUs are nearly idle over half a second, so a
   * measurement does not start in the middle of someone else's build. Returns the seconds waited, or null when
   * the host never went quiet.
   */
  async function waitQuiet() {
    if (QUIET_S <= 0) return 0;
    const t0 = performance.now();
    while (performance.now() - t0 < QUIET_S * 1000) {
      const a = cpuTimes();
      await sleep(500);
      const busy = busyShares(a, cpuTimes()).reduce((x, y) => x + y, 0);
      if (busy < 0.15) return round((performance.now() - t0) / 1000, 1);
    }
    log(`the host stayed busy for ${QUIET_S} s: measuring anyway`);
    return null;
  }

  /**
   * One `POST /rt/publish`, signed here (or bearer). Resolves `{ status, text, ms }`; status 0 for a socket error or
   * a timeout (10 s).
   */
  function post(agent, port, body, auth) {
    const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    if (auth === 'bearer') headers['authorization'] = `Bearer ${KEY.secret}`;
    else Object.assign(headers, signPublishRequest({ keyId: KEY.id, secret: KEY.secret, body }));
    const t0 = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      const done = (status, text, error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status, text, ms: performance.now() - t0, error });
      };
      const req = request({ host: '127.0.0.1', port, path: '/rt/publish', method: 'POST', agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => done(res.statusCode, Buffer.concat(chunks).toString()));
        res.on('error', (e) => done(0, '', e.code ?? e.message));
      });
      const timer = setTimeout(() => {
        req.destroy();
        done(0, '', 'timeout');
      }, 10_000);
      req.on('error', (e) => done(0, '', e.code ?? e.message));
      req.end(body);
    });
  }

  /** The body of request `n` of a row: one message, or a batch. */
  function bodyOf(row, n) {
    const message = (i) => ({
      topic: THROUGHPUT_TOPIC,
      data: { crash_free: 99.2, sessions: 48_213, i },
      ...(row.id ? { id: `${runTag}-${row.index}-${i}` } : {}),
    });
    if (row.batch === 1) return JSON.stringify(message(n));
    return JSON.stringify({ messages: Array.from({ length: row.batch }, (_, k) => message(n * row.batch + k)) });
  }

  /** `requests` requests of `row`, C in flight, until done or `deadline` (ms, performance clock). */
  async function drive(port, row, firstN, requests, deadline, onAnswer) {
    const agent = new Agent({ keepAlive: true, maxSockets: C });
    let next = 0;
    const worker = async () => {
      while (next < requests && performance.now() < deadline) {
        const n = firstN + next++;
        onAnswer(await post(agent, port, bodyOf(row, n), row.auth));
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(C, requests) }, worker));
    } finally {
      agent.destroy();
    }
    return next;
  }

  async function throughputRow(gw, redis, row, baseRate, redisBaseRate) {
    const requests = COUNT;
    const warmup = Math.min(500, Math.ceil(requests / 10));
    let warmErrors = 0;
    await drive(gw.port, row, 1_000_000_000, warmup, performance.now() + 15_000, (a) => {
      if (a.status !== 200) warmErrors += 1;
    });
    await sleep(500);
    const quietWaitS = await waitQuiet();
    const latency = new Histogram();
    const errors = {};
    let ok = 0;
    let duplicates = 0;
    const onAnswer = (a) => {
      if (a.status === 200) {
        ok += 1;
        latency.add(a.ms);
        if (row.id && a.text.includes('"duplicate":true')) duplicates += 1;
        return;
      }
      let code = a.error ?? '';
      try {
        const body = JSON.parse(a.text);
        code = [body.error, body.reason].filter(Boolean).join('/');
      } catch {}
      const k = `${a.status}${code ? ` ${code}` : ''}`;
      errors[k] = (errors[k] ?? 0) + 1;
    };
    const s0 = await gw.call('sample');
    const rs0 = await redisCpuUs(redis);
    const lg0 = process.cpuUsage();
    const host0 = cpuTimes();
    const w0 = performance.now();
    const sent = await drive(gw.port, row, 0, requests, w0 + ROW_S * 1000, onAnswer);
    const wallMs = performance.now() - w0;
    const lgCpu = process.cpuUsage(lg0);
    const hostBusy = busyShares(host0, cpuTimes());
    const s1 = await gw.call('sample');
    const rs1 = await redisCpuUs(redis);
    const spanMs = s1.atMs - s0.atMs;
    const cpuUs = s1.cpuUs - s0.cpuUs;
    const messages = ok * row.batch;
    const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
    const r = {
      row: row.name,
      auth: row.auth,
      batch: row.batch,
      idempotencyId: row.id,
      concurrency: C,
      warmupRequests: warmup,
      warmupErrors: warmErrors,
      requestsSent: sent,
      requestsOk: ok,
      messages,
      errors: errorCount,
      errorCodes: errors,
      duplicates,
      wallMs: Math.round(wallMs),
      timeBound: sent < requests,
      requestsPerS: round((ok * 1000) / wallMs),
      messagesPerS: round((messages * 1000) / wallMs),
      latency: latency.summary(),
      gatewayCpu: {
        spanMs: Math.round(spanMs),
        totalUs: Math.round(cpuUs),
        userUs: s1.userUs - s0.userUs,
        systemUs: s1.systemUs - s0.systemUs,
        baselineUs: Math.round(baseRate * spanMs),
        coreShare: round(cpuUs / spanMs / 1000, 3),
      },
      usPerMessage: messages ? round((cpuUs - baseRate * spanMs) / messages, 1) : null,
      usPerMessageGross: messages ? round(cpuUs / messages, 1) : null,
      redisUsPerMessage: redis && messages ? round((rs1 - rs0 - redisBaseRate * spanMs) / messages, 1) : null,
      generatorCoreShare: round((lgCpu.user + lgCpu.system) / 1000 / wallMs, 3),
      rssAfterMB: round(s1.rss / 2 ** 20, 1),
      quietWaitS,
      // Each CPU's busy share over the row, whoever used it: on CPU 0 beyond the gateway's share, and on CPU 1 beyond
      // the generator's, is other work (Redis, which is not pinned, and anything else on the host).
      hostBusy,
    };
    // Redis's share of a core over the row (it is not pinned: it runs on either CPU).
    r.redisCoreShare = redis ? round((rs1 - rs0) / 1000 / spanMs, 3) : 0;
    // What else ran on the two CPUs, in cores: busy time beyond the gateway, the generator and Redis (other
    // processes on this shared host, and kernel work not charged to any of them).
    r.otherCores = round(
      hostBusy.reduce((a, b) => a + b, 0) - r.gatewayCpu.coreShare - r.generatorCoreShare - r.redisCoreShare,
      2,
    );
    r.generatorBound = r.generatorCoreShare >= 0.9;
    return r;
  }

  /** Opens one subscriber on `topic`; resolves once `sub.ok` arrived (or null after 15 s). */
  function subscribe(port, topic, onMsg) {
    return new Promise((resolve) => {
      const ticket = issueTicket(SECRET, SCOPES, { ttlS: 3600 });
      const ws = new WebSocket(`ws://127.0.0.1:${port}/rt?${ticketQuery(ticket)}`, { perMessageDeflate: false });
      let settled = false;
      const done = (ok) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!ok) ws.terminate();
        resolve(ok ? ws : null);
      };
      const timer = setTimeout(() => done(false), 15_000);
      ws.on('error', () => done(false));
      ws.on('close', () => done(false));
      ws.on('message', (buf) => {
        const at = now();
        // {"type":"msg"… / {"type":"hello"… / {"type":"sub.ok"…
        if (buf[9] === 0x6d) return onMsg(at, buf);
        if (buf[9] === 0x68) return ws.send(JSON.stringify({ type: 'sub', topic }));
        if (buf[9] === 0x73 && buf[13] === 0x6f) return done(true); // sub.ok
        if (buf[9] === 0x73) return done(false); // sub.err
      });
    });
  }

  async function latencyPhase(gw) {
    const hist = { http: new Histogram(), fanout: new Histogram() };
    const received = { http: 0, fanout: 0 };
    const answer = new Histogram();
    const errors = {};
    const onMsg = (at, buf) => {
      const frame = JSON.parse(String(buf));
      const d = frame.data;
      if (!d || d.tag !== runTag) return; // e.g. the retained message after sub.ok
      const kind = d.via === 'h' ? 'http' : 'fanout';
      received[kind] += 1;
      hist[kind].add(at - d.sentAt);
    };
    const subs = [];
    for (let i = 0; i < SUBS; i++) subs.push(await subscribe(gw.port, LATENCY_TOPIC, onMsg));
    const live = subs.filter(Boolean);
    const out = { subscribers: live.length, rate: RATE, durationS: DURATION_S };
    try {
      if (live.length === 0) throw new Error('no subscriber opened');
      const agent = new Agent({ keepAlive: true, maxSockets: C });
      const pending = new Set();
      const track = (p) => {
        pending.add(p);
        p.finally(() => pending.delete(p));
      };
      const total = Math.round(RATE * DURATION_S);
      const periodMs = 1000 / RATE;
      // Warm-up: a second at the rate, HTTP and IPC, not counted (no tag).
      for (let k = 0; k < Math.min(200, RATE); k++) {
        const body = JSON.stringify({ topic: LATENCY_TOPIC, data: { warm: k } });
        track(post(agent, gw.port, body, 'signed'));
        track(gw.call('fanout', { topic: LATENCY_TOPIC, data: { warm: k } }, 10_000).catch(() => {}));
        await sleep(periodMs);
      }
      await Promise.race([Promise.allSettled([...pending]), sleep(5000)]);
      out.quietWaitS = await waitQuiet();
      const lg0 = process.cpuUsage();
      const host0 = cpuTimes();
      const w0 = performance.now();
      let sent = 0; // events: even → HTTP, odd → IPC fanout, half a period apart
      const events = 2 * total;
      while (sent < events && performance.now() - w0 < DURATION_S * 1000 * 1.5 + 5000) {
        const due = Math.min(events, Math.floor(((performance.now() - w0) * 2) / periodMs) + 1);
        for (; sent < due; sent++) {
          const k = sent >> 1;
          if (sent % 2 === 0) {
            const sentAt = now();
            const body = JSON.stringify({ topic: LATENCY_TOPIC, data: { tag: runTag, via: 'h', k, sentAt } });
            const p = post(agent, gw.port, body, 'signed').then((a) => {
              if (a.status === 200) answer.add(a.ms);
              else {
                const key = `http ${a.status} ${a.error ?? a.text.slice(0, 80)}`.trim();
                errors[key] = (errors[key] ?? 0) + 1;
              }
            });
            track(p);
          } else {
            const sentAt = now();
            const p = gw
              .call('fanout', { topic: LATENCY_TOPIC, data: { tag: runTag, via: 'f', k, sentAt } }, 10_000)
              .catch((e) => (errors[`fanout ${e.message}`] = 1 + (errors[`fanout ${e.message}`] ?? 0)));
            track(p);
          }
        }
        const nextDue = w0 + (sent * periodMs) / 2;
        await sleep(Math.max(0, nextDue - performance.now()));
      }
      const sendMs = performance.now() - w0;
      const expected = Math.ceil(sent / 2) * live.length; // per kind (HTTP gets the extra one when odd)
      for (
        let k = 0;
        k < 200 && (received.http < expected || received.fanout < Math.floor(sent / 2) * live.length);
        k++
      )
        await sleep(50);
      await Promise.race([Promise.allSettled([...pending]), sleep(10_000)]);
      const lgCpu = process.cpuUsage(lg0);
      agent.destroy();
      const h = hist.http.summary();
      const f = hist.fanout.summary();
      const diff = (a, b) => (a == null || b == null ? null : round(a - b, 1));
      Object.assign(out, {
        published: { http: Math.ceil(sent / 2), fanout: Math.floor(sent / 2) },
        sendMs: Math.round(sendMs),
        rateAchieved: round((sent / 2 / sendMs) * 1000, 1),
        delivered: { ...received },
        expected: { http: Math.ceil(sent / 2) * live.length, fanout: Math.floor(sent / 2) * live.length },
        http: h,
        fanout: f,
        added: { p50: diff(h.p50, f.p50), p95: diff(h.p95, f.p95), p99: diff(h.p99, f.p99) },
        httpAnswer: answer.summary(),
        errors,
        generatorCoreShare: round((lgCpu.user + lgCpu.system) / 1000 / (performance.now() - w0), 3),
        hostBusy: busyShares(host0, cpuTimes()),
      });
    } finally {
      for (const ws of live) ws.terminate();
    }
    return out;
  }

  async function runEngine(engine) {
    const result = { engine };
    let redis = null;
    const prefix = `bench-publish-${process.pid}-${Date.now()}:`;
    if (engine === 'redis') {
      redis = createClient({ url: redisUrl, socket: { connectTimeout: 3000, reconnectStrategy: false } });
      redis.on('error', () => {});
      try {
        await redis.connect();
      } catch (e) {
        log(`redis: ${redisUrl} unreachable (${e.message}): engine skipped`);
        return { ...result, skipped: `Redis unreachable at ${redisUrl}` };
      }
      result.redis = { url: redisUrl, prefix };
    }
    const gw = await startGateway(redis ? { BENCH_PUBLISH_REDIS: redisUrl, BENCH_PUBLISH_PREFIX: prefix } : {});
    try {
      // Warm-up of every kind of request, so the JIT has compiled each path before anything is measured (a
      // gateway that has run five minutes has); each row then has its own short warm-up.
      let warmErrors = 0;
      for (const row of Object.values(KINDS).map((k) => ({ ...k, index: 'w' }))) {
        const requests = Math.max(1, Math.floor(WARMUP / row.batch));
        await drive(gw.port, row, 2_000_000_000, requests, performance.now() + 10_000, (a) => {
          if (a.status !== 200) warmErrors += 1;
        });
      }
      result.warmupErrors = warmErrors;
      await sleep(1000);
      // Idle baseline: the gateway alone (timers, and on Redis its stats and the ingest stream's reads).
      const b0 = await gw.call('sample');
      const rb0 = await redisCpuUs(redis);
      await sleep(3000);
      const b1 = await gw.call('sample');
      const rb1 = await redisCpuUs(redis);
      const baseRate = (b1.cpuUs - b0.cpuUs) / (b1.atMs - b0.atMs); // µs of CPU per ms of wall
      const redisBaseRate = redis ? (rb1 - rb0) / (b1.atMs - b0.atMs) : null;
      result.baselineCoreShare = round(baseRate / 1000, 4);
      result.rssStartMB = round(b1.rss / 2 ** 20, 1);
      result.loadBefore = round(loadavg()[0], 2);
      result.rows = [];
      for (const row of ROWS) {
        const r = await throughputRow(gw, redis, row, baseRate, redisBaseRate);
        result.rows.push(r);
        log(
          `${engine} ${row.name}: ${r.requestsPerS} req/s, ${r.messagesPerS} msgs/s, p50/p95/p99 ` +
            `${r.latency.p50}/${r.latency.p95}/${r.latency.p99} ms, ${r.usPerMessage} µs gateway CPU/msg ` +
            `(gateway ${Math.round(r.gatewayCpu.coreShare * 100)} %, generator ${Math.round(r.generatorCoreShare * 100)} % of a core; ` +
            `${r.redisCoreShare ? `Redis ${Math.round(r.redisCoreShare * 100)} %, ` : ''}other work ${Math.round(r.otherCores * 100)} %), ` +
            `${r.errors} errors${r.errors ? ` ${JSON.stringify(r.errorCodes)}` : ''}${r.timeBound ? ' (time-bound)' : ''}`,
        );
        if (!gw.alive()) throw new Error(`gateway died during ${row.name}`);
      }
      result.latency = await latencyPhase(gw);
      const L = result.latency;
      log(
        `${engine} delivery at ${RATE}/s to ${L.subscribers}: HTTP p50/p95/p99 ${L.http.p50}/${L.http.p95}/${L.http.p99} ms, ` +
          `fanout ${L.fanout.p50}/${L.fanout.p95}/${L.fanout.p99} ms, delivered ${L.delivered.http}/${L.expected.http} + ` +
          `${L.delivered.fanout}/${L.expected.fanout}`,
      );
      const m = await gw.call('gc');
      result.rssEndAfterGcMB = round(m.rss / 2 ** 20, 1);
      result.loadAfter = round(loadavg()[0], 2);
    } finally {
      await gw.call('close', {}, 10_000).catch(() => {});
      await gw.stop();
      if (redis) {
        // This run's keys only (history, idempotency keys, nonces, stats, the ingest stream).
        let cursor = '0';
        let deleted = 0;
        for (let k = 0; k < 1000; k++) {
          const [next, keys] = await redis.sendCommand(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000']);
          if (keys.length) deleted += Number(await redis.sendCommand(['UNLINK', ...keys]));
          cursor = String(next);
          if (cursor === '0') break;
        }
        result.redisKeysDeleted = deleted;
        await redis.close().catch(() => {});
      }
    }
    return result;
  }

  log(
    `${COUNT} requests or ${ROW_S} s per row, ${C} in flight; delivery: ${SUBS} subscribers, ${RATE}/s for ${DURATION_S} s; ` +
      `engines ${engines.join(',')}, pinning ${pinning ? 'gateway→cpu0, generator→cpu1' : 'off'}`,
  );
  const startedAt = new Date().toISOString();
  // The gateway is loaded from the tree as it is now: name its commit, and say when server/ or src/ differ from it.
  const commit = (() => {
    try {
      const head = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
      const dirty = execFileSync('git', ['status', '--porcelain', '--', 'server', 'src']).toString().trim();
      return dirty ? `${head}+changes` : head;
    } catch {
      return '?';
    }
  })();
  const results = [];
  for (const engine of engines) {
    if (engine !== 'memory' && engine !== 'redis') throw new Error(`unknown engine ${engine}`);
    results.push(await runEngine(engine));
    await sleep(1000);
  }
  const out = {
    label,
    startedAt,
    finishedAt: new Date().toISOString(),
    concurrency: C,
    count: COUNT,
    rowS: ROW_S,
    subscribers: SUBS,
    rate: RATE,
    durationS: DURATION_S,
    quietS: QUIET_S,
    pinning,
    nproc: cpus().length,
    node: process.version,
    load: loadavg().map((v) => round(v, 2)),
    commit,
    engines: results,
  };
  const outOpt = opt('out', undefined); // bench/run.mjs --only=publish names the file
  const file = outOpt
    ? pathToFileURL(resolve(outOpt))
    : new URL(`results/${label}-${startedAt.replace(/[:.]/g, '-')}.json`, import.meta.url);
  mkdirSync(new URL('.', file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2));

  console.log(`\n${C} in flight, ${COUNT} requests or ${ROW_S} s per row → ${fileURLToPath(file)}`);
  console.log(
    '| engine | request | requests/s | messages/s | answer p50/p95/p99 ms | gateway CPU µs/msg | gateway / generator / Redis core | other work | errors |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const e of results) {
    if (e.skipped) {
      console.log(`| ${e.engine} | skipped: ${e.skipped} | | | | | | | |`);
      continue;
    }
    for (const r of e.rows)
      console.log(
        `| ${e.engine} | ${r.row} | ${r.requestsPerS} | ${r.messagesPerS} | ${r.latency.p50}/${r.latency.p95}/${r.latency.p99} | ${r.usPerMessage} | ${Math.round(r.gatewayCpu.coreShare * 100)} / ${Math.round(r.generatorCoreShare * 100)} / ${Math.round(r.redisCoreShare * 100)} % | ${Math.round(r.otherCores * 100)} % | ${r.errors} |`,
      );
  }
  console.log(`\nDelivery to ${SUBS} subscribers at ${RATE}/s for ${DURATION_S} s (ms from send to arrival)`);
  console.log('| engine | via | p50 | p95 | p99 | delivered |');
  console.log('|---|---|---|---|---|---|');
  for (const e of results) {
    if (e.skipped || !e.latency) continue;
    const L = e.latency;
    console.log(
      `| ${e.engine} | HTTP publish | ${L.http.p50} | ${L.http.p95} | ${L.http.p99} | ${L.delivered.http}/${L.expected.http} |`,
    );
    console.log(
      `| ${e.engine} | gateway fanout (IPC) | ${L.fanout.p50} | ${L.fanout.p95} | ${L.fanout.p99} | ${L.delivered.fanout}/${L.expected.fanout} |`,
    );
    console.log(`| ${e.engine} | added by HTTP + signature | ${L.added.p50} | ${L.added.p95} | ${L.added.p99} | |`);
  }
  let bad = false;
  for (const e of results) {
    if (e.skipped) continue;
    if (e.redisKeysDeleted != null) console.log(`${e.engine}: ${e.redisKeysDeleted} Redis keys of this run deleted`);
    for (const r of e.rows) {
      if (r.errors > 0 || r.warmupErrors > 0) {
        bad = true;
        console.log(`${e.engine} ${r.row}: errors ${JSON.stringify(r.errorCodes)}, warm-up errors ${r.warmupErrors}`);
      }
      if (r.duplicates > 0) console.log(`${e.engine} ${r.row}: ${r.duplicates} answered as duplicates`);
      if (r.redisUsPerMessage != null)
        console.log(`${e.engine} ${r.row}: Redis's own CPU ${r.redisUsPerMessage} µs/msg`);
      if (r.generatorBound)
        console.log(
          `${e.engine} ${r.row}: the generator used ${Math.round(r.generatorCoreShare * 100)} % of its core: it may be the limit, not the gateway`,
        );
    }
    const L = e.latency;
    if (
      L &&
      (Object.keys(L.errors).length || L.delivered.http < L.expected.http || L.delivered.fanout < L.expected.fanout)
    ) {
      bad = true;
      console.log(`${e.engine} delivery: errors ${JSON.stringify(L.errors)}`);
    }
  }
  killAll();
  process.exit(bad ? 1 : 0);
}
