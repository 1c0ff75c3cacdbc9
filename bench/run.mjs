#!/usr/bin/env node
// Benchmark harness of issue 7. Runs the gateway under test (and the raw `ws` floor and Socket.IO 4) in one
// process pinned to CPU 0, the load generator in another pinned to CPU 1, all on 127.0.0.1 with ephemeral
// ports. Every loop is bounded in count and time; every child is killed by PID on exit, error or signal.
//   node bench/run.mjs [--quick | --smoke] [--only=fanout,max,mem,slow,storm,hot,refresh,publish,pii]
//                      [--kinds=gateway,raw,sio] [--ns=10000] [--rounds=3] [--gateway-dir=/tmp/perf/server]
//                      [--proto-dir=…] [--label=x] [--charts=dir] [--no-md] [--probe-cpu=1|any]
// --ns picks the connection counts of the fanout/max/hot scenarios; --rounds repeats each fanout and hot measurement
// (kinds in alternating order, fresh processes each time) and compares medians, for targets closer than the host's
// noise. `hot` (issue 20): every client on one topic (`kpis.s2`), 10 and 1 broadcasts/s, a fresh server per row, and
// a tail probe: a few clients in a second generator process, connected and subscribed after the N (--probe-cpu: the
// core it runs on, default 1 beside the generator, `any` unpinned).
// `refresh` (bench/refresh.mjs: gateway CPU per authority refresh, in memory and on Redis) runs only when named in
// --only; it pins its own processes and writes its rows into this run's JSON under `refresh`. `publish`
// (bench/publish.mjs: the HTTP publish API's throughput and added delivery latency, in memory and on Redis) likewise,
// under `publish`. `pii` (bench/pii.mjs: the PII guard's and payload contracts' cost per message, in process) likewise,
// under `pii`.
// --smoke shrinks every scenario (200 connections, seconds per step) to check the pipeline, not to measure.
// Writes bench/results/<start>-<label>.json, the same tables as .md beside it, and the charts in
// bench/results/<start>-<label>-charts/ (or --charts=dir); --no-md stops printing the tables at the end.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { now } from './lib/common.mjs';
import { renderMarkdown } from './lib/markdown.mjs';
import { LG_BOUND, runFileName } from './lib/run-data.mjs';
import { renderReport } from './report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name, dflt) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const quick = flag('quick');
const only = new Set(opt('only', 'fanout,max,mem,slow,storm,hot').split(','));
const kinds = opt('kinds', 'gateway,raw,sio').split(',');
const label = opt('label', flag('smoke') ? 'smoke' : quick ? 'quick' : 'full');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

/**
 * The gateway as it ships: tsc's output in server/dist (what `rt-gateway` runs), not the TypeScript sources
 * through tsx, whose transform (a name kept on every function) costs memory and time the package does not.
 */
function buildGateway() {
  log('building the gateway (tsc -p server/tsconfig.build.json)');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'server/tsconfig.build.json')],
    {
      stdio: 'inherit',
    },
  );
  return join(root, 'server/dist/server');
}
// Built only when a run.mjs scenario runs the gateway; `--gateway-dir` (a copy of `server/`, its sources run through
// tsx unless it holds a build) replaces it.
const usesGateway =
  kinds.includes('gateway') && ['fanout', 'max', 'mem', 'slow', 'storm', 'hot'].some((s) => only.has(s));
const gatewayArg = opt('gateway-dir', undefined);
const gatewayDir = gatewayArg ? resolve(gatewayArg) : usesGateway ? buildGateway() : join(root, 'server');

const P = quick
  ? {
      fanoutNs: [1000],
      rate: 10,
      warmupMs: 3000,
      durationMs: 15_000,
      maxN: [1000],
      maxRates: [10, 25, 50, 100, 200, 400, 800],
      maxStepMs: 4000,
      memN: 5000,
      slowN: 1000,
      slowRate: 20,
      slowPayload: 16_384,
      slowBaseMs: 10_000,
      slowStallMs: 30_000,
      stormN: 1000,
      refreshN: 1000,
      refreshWindowS: 10,
      publishCount: 10_000,
      publishTimeS: 10,
      publishDurationS: 5,
      hotNs: [1000],
      hotRates: [10, 1],
      hotWarmupMs: 2000,
      hotDurationMs: 10_000,
      hotMinTicks: 15,
      hotIdleMs: 2000,
      probeN: 10,
    }
  : {
      fanoutNs: [1000, 5000, 10_000],
      rate: 10,
      warmupMs: 3000,
      durationMs: 30_000,
      maxN: [1000, 5000],
      maxRates: [10, 20, 40, 80, 160, 320, 640, 1280],
      maxStepMs: 8000,
      memN: 10_000,
      slowN: 5000,
      slowRate: 10,
      slowPayload: 16_384,
      slowBaseMs: 20_000,
      slowStallMs: 60_000,
      stormN: 5000,
      refreshN: 10_000,
      refreshWindowS: 30,
      publishCount: 20_000,
      publishTimeS: 20,
      publishDurationS: 10,
      hotNs: [1000, 5000, 10_000],
      hotRates: [10, 1],
      hotWarmupMs: 3000,
      // Each row measures max(hotDurationMs, hotMinTicks broadcasts): 20 s at 10/s, 40 s at 1/s.
      hotDurationMs: 20_000,
      hotMinTicks: 40,
      hotIdleMs: 3000,
      probeN: 10,
    };

if (opt('ns')) {
  const picked = opt('ns').split(',').map(Number);
  P.fanoutNs = picked;
  P.hotNs = picked;
  P.maxN = P.maxN.filter((n) => picked.includes(n));
}
const rounds = Math.max(1, Math.min(9, Number(opt('rounds', 1)) || 1));

if (flag('smoke'))
  Object.assign(P, {
    fanoutNs: [200],
    maxN: [200],
    maxRates: [10, 50],
    maxStepMs: 2000,
    durationMs: 3000,
    warmupMs: 1000,
    memN: 500,
    slowN: 200,
    slowBaseMs: 3000,
    slowStallMs: 5000,
    stormN: 100,
    refreshN: 200,
    refreshWindowS: 3,
    publishCount: 1000,
    publishTimeS: 3,
    publishDurationS: 2,
    hotNs: [200],
    hotWarmupMs: 1000,
    hotDurationMs: 3000,
    hotMinTicks: 3,
    hotIdleMs: 1000,
  });

// ---- processes ------------------------------------------------------------------------------------------
const children = new Set();
const pinning =
  cpus().length >= 2 &&
  (() => {
    try {
      execFileSync('taskset', ['-V'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
const CPU_SERVER = '0';
const CPU_LOADGEN = '1';
// The tail probe's core: CPU 1 by default, so it never takes time from the server under test on CPU 0 (unpinned, a
// process woken by the server's loopback writes tends to be pulled onto the server's core); in its own process, so
// its few clients are not queued behind the N clients' callbacks in one event loop. `any`: unpinned.
const CPU_PROBE = opt('probe-cpu', CPU_LOADGEN) === 'any' ? null : opt('probe-cpu', CPU_LOADGEN);

function killAll() {
  for (const c of children) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {}
  }
  children.clear();
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
process.on('uncaughtException', (e) => {
  console.error(e);
  killAll();
  process.exit(1);
});
process.on('unhandledRejection', (e) => {
  console.error(e);
  killAll();
  process.exit(1);
});

class Proc {
  constructor(name, script, { cpu, env = {}, execArgv = [] }) {
    this.name = name;
    const nodeArgs = [...execArgv, script];
    const [cmd, args] =
      pinning && cpu !== null ? ['taskset', ['-c', cpu, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
    this.child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.add(this.child);
    this.pid = this.child.pid;
    this.seq = 0;
    this.pending = new Map();
    this.ready = new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${name}: not ready in 30 s`)), 30_000);
      this.child.on('message', (m) => {
        if (m?.ready) {
          clearTimeout(t);
          resolve();
          return;
        }
        const p = this.pending.get(m?.id);
        if (!p) return;
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        m.ok ? p.resolve(m.result) : p.reject(new Error(`${name}.${p.cmd}: ${m.error}`));
      });
      this.child.on('exit', (code, signal) => {
        children.delete(this.child);
        clearTimeout(t);
        reject(new Error(`${name} exited (${code ?? signal})`));
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(new Error(`${name} exited during ${p.cmd}`));
        }
        this.pending.clear();
      });
    });
    this.exited = new Promise((r) => this.child.once('exit', r));
  }
  call(cmd, args = {}, timeoutMs = 180_000) {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}.${cmd}: timeout`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, cmd });
      this.child.send({ id, cmd, args });
    });
  }
  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {}
    await Promise.race([this.exited, sleep(3000)]);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {}
      await this.exited;
    }
    children.delete(this.child);
  }
}

const TSX = ['--import', 'tsx'];
const SERVER_SCRIPTS = {
  gateway: 'bench/servers/gateway.mjs',
  proto: 'bench/servers/gateway.mjs',
  raw: 'bench/servers/raw-ws.mjs',
  sio: 'bench/servers/socketio.mjs',
};

// BENCH_SERVER_ARGS: extra Node flags for the server under test, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
const serverArgs = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
// BENCH_LG_ARGS: the same for the load generator.
const loadgenArgs = (process.env.BENCH_LG_ARGS ?? '').split(' ').filter(Boolean);

async function startServer(kind) {
  // `proto`: the same gateway script on another copy of server/ (--proto-dir), for an A/B in one run.
  const env =
    kind === 'gateway' && gatewayDir
      ? { BENCH_GATEWAY_DIR: gatewayDir }
      : kind === 'proto'
        ? { BENCH_GATEWAY_DIR: resolve(opt('proto-dir', '/tmp/perf/server')) }
        : {};
  const p = new Proc(`server:${kind}`, SERVER_SCRIPTS[kind], {
    cpu: CPU_SERVER,
    env,
    execArgv: [...TSX, '--expose-gc', '--max-old-space-size=8192', ...serverArgs],
  });
  p.ready.catch(() => {});
  await p.ready;
  p.port = (await p.call('info')).port;
  return p;
}
async function startLoadgen(script = 'bench/loadgen.mjs', { cpu = CPU_LOADGEN, name = 'loadgen' } = {}) {
  const p = new Proc(name, script, {
    cpu,
    execArgv: [...TSX, '--max-old-space-size=8192', ...loadgenArgs],
  });
  p.ready.catch(() => {});
  await p.ready;
  return p;
}
async function withProcs(fn, ...procs) {
  try {
    return await fn();
  } finally {
    for (const p of procs) await p.stop();
  }
}

// ---- one measurement window ------------------------------------------------------------------------------
/**
 * Publishes `rate` ticks/s (one broadcast per topic of `topics`, default the four) for warmup + duration, waits
 * (bounded) for in-flight messages, returns the numbers; with `probe` (a second generator), its clients' too.
 */
async function measure(
  srv,
  lg,
  { rate, warmupMs, durationMs, payloadBytes = 200, stallFraction = 0, onDuring, topics, probe },
) {
  const tStart = now() + warmupMs;
  const h0 = srv.call === undefined ? null : await srv.call('health').catch(() => null);
  const r = await lg.call('reset', { tStart, stallFraction });
  const pr = probe ? await probe.call('reset', { tStart }) : null;
  const during = onDuring ? onDuring() : null;
  const pub = await srv.call('publish', { rate, durationMs: warmupMs + durationMs, tStart, payloadBytes, topics });
  const first = await lg.call('stats');
  const loadgenCpu = first.loadgenCpu;
  const expected = r.healthy * pub.measured;
  let st = first;
  let last = -1;
  for (let k = 0; k < 60 && st.received.healthy < expected; k++) {
    await sleep(250);
    st = await lg.call('stats');
    if (st.received.healthy === last && k >= 8) break; // 2 s without progress: what is missing is lost
    last = st.received.healthy;
  }
  let probeStats = null;
  if (probe) {
    const probeExpected = pr.healthy * pub.measured;
    probeStats = await probe.call('stats');
    for (let k = 0; k < 20 && probeStats.received.healthy < probeExpected; k++) {
      await sleep(100);
      probeStats = await probe.call('stats');
    }
    probeStats = {
      clients: pr.healthy,
      expected: probeExpected,
      received: probeStats.received.healthy,
      latency: probeStats.latency,
      latencyScheduled: probeStats.latencyScheduled,
      loadgenCpu: round(probeStats.loadgenCpu, 3),
    };
  }
  const duringResult = during ? await during : null;
  const h1 = await srv.call('health').catch(() => null);
  const measuredS = pub.measured / pub.achievedRate;
  const received = st.received.healthy;
  const dropRate = expected > 0 ? Math.max(0, 1 - received / expected) : null;
  return {
    rate,
    achievedRate: round(pub.achievedRate, 1),
    payloadBytes,
    healthyClients: r.healthy,
    stalledClients: r.stalled,
    latency: st.latency,
    latencyScheduled: st.latencyScheduled,
    keptRate: round(pub.achievedRate / rate, 3),
    ticks: pub.ticks,
    publishElapsedMs: Math.round(pub.elapsedMs),
    expected,
    received,
    dropRate,
    deliveredPerSec: Math.round(received / measuredS),
    serverCpu: round(pub.serverCpu, 2),
    loadgenCpu: round(loadgenCpu, 2),
    loadgenBound: loadgenCpu >= LG_BOUND,
    publishMsMean: round(pub.publishMsMean, 2),
    publishMsMax: round(pub.publishMsMax, 1),
    loopDelayP99: round(pub.loopDelayP99, 1),
    loopDelayMax: round(pub.loopDelayMax, 1),
    gatewayDropped: h0 && h1 ? h1.messagesDropped - h0.messagesDropped : null,
    stalledReceived: st.received.stalled,
    closedSinceStart: st.closedSinceStart,
    during: duringResult,
    probe: probeStats,
    hostLoad1m: round(loadavg()[0], 2), // other processes on the machine compete with the pinned cores
  };
}
const round = (v, d = 0) => (v == null ? v : Math.round(v * 10 ** d) / 10 ** d);

// ---- scenarios -------------------------------------------------------------------------------------------
const results = {
  label,
  quick,
  rounds,
  startedAt: new Date().toISOString(),
  loadAtStart: loadavg().map((v) => round(v, 2)),
  params: P,
  pinning,
  gatewayDir: gatewayDir.startsWith(root) ? relative(root, gatewayDir) : gatewayDir,
  fanout: [],
  max: [],
  mem: [],
  slow: null,
  storm: null,
  hot: [],
};

const wire = (kind) => (kind === 'proto' ? 'gateway' : kind); // the client protocol a server kind speaks

async function connectAll(srv, lg, kind, n) {
  const c = await lg.call('connect', { kind: wire(kind), port: srv.port, n });
  const s = await lg.call('subscribe', { kind: wire(kind) });
  log(
    `  ${kind}: ${c.ok}/${n} connected in ${Math.round(c.ms)} ms, subscribed in ${Math.round(s.ms)} ms (${s.pendingAcks} acks missing)`,
  );
  return { connected: c.ok, connectMs: Math.round(c.ms), subscribeMs: Math.round(s.ms), missingAcks: s.pendingAcks };
}

async function fanoutAndMax(kind, n, round = 1) {
  const srv = await startServer(kind);
  const lg = await startLoadgen();
  await withProcs(
    async () => {
      const conn = await connectAll(srv, lg, kind, n);
      if (only.has('fanout') && P.fanoutNs.includes(n)) {
        const m = await measure(srv, lg, { rate: P.rate, warmupMs: P.warmupMs, durationMs: P.durationMs });
        results.fanout.push({ kind, n, round, ...conn, ...m });
        log(
          `  fanout ${kind} n=${n}: p50 ${m.latency.p50} p95 ${m.latency.p95} p99 ${m.latency.p99} ms (p95 from schedule ${m.latencyScheduled.p95}), rate kept ${(m.keptRate * 100).toFixed(1)} %, ${m.deliveredPerSec} msg/s, drop ${(m.dropRate * 100).toFixed(3)} %, cpu srv ${m.serverCpu} lg ${m.loadgenCpu}`,
        );
      }
      if (only.has('max') && P.maxN.includes(n) && round === 1) {
        const steps = [];
        for (const rate of P.maxRates) {
          // The host is shared and noisy: a failing step is run once more, and fails only if it fails twice.
          let m, pass;
          for (let attempt = 0; attempt < 2; attempt++) {
            m = await measure(srv, lg, { rate, warmupMs: 1000, durationMs: P.maxStepMs });
            pass =
              m.latency.p95 !== null &&
              m.latency.p95 < 100 &&
              m.received >= m.expected &&
              m.achievedRate >= 0.95 * rate;
            m.attempt = attempt + 1;
            if (pass) break;
          }
          steps.push({ ...m, pass });
          log(
            `  max ${kind} n=${n} rate ${rate}/s: p95 ${m.latency.p95} ms, ${m.deliveredPerSec} msg/s, drop ${(m.dropRate * 100).toFixed(3)} %, achieved ${m.achievedRate}/s, cpu srv ${m.serverCpu} lg ${m.loadgenCpu} → ${pass ? 'pass' : 'FAIL'}`,
          );
          if (!pass) break;
          await sleep(500);
        }
        const best = [...steps].reverse().find((s) => s.pass) ?? null;
        const peak = steps.reduce((a, s) => (s.deliveredPerSec > (a?.deliveredPerSec ?? -1) ? s : a), null);
        results.max.push({
          kind,
          n,
          steps,
          maxRate: best?.rate ?? null,
          maxDeliveredPerSec: best?.deliveredPerSec ?? null,
          peakDeliveredPerSec: peak?.deliveredPerSec ?? null,
          loadgenBound: steps.some((s) => s.loadgenBound),
        });
      }
    },
    lg,
    srv,
  );
}

async function memory(kind, n) {
  const srv = await startServer(kind);
  const lg = await startLoadgen();
  await withProcs(
    async () => {
      const m0 = await srv.call('mem');
      const c = await lg.call('connect', { kind: wire(kind), port: srv.port, n });
      const m1 = await srv.call('mem', { settleMs: 2000 });
      const s = await lg.call('subscribe', { kind: wire(kind), all: true });
      const m2 = await srv.call('mem', { settleMs: 2000 });
      const r = {
        kind,
        n,
        connected: c.ok,
        missingAcks: s.pendingAcks,
        rssBase: m0.rss,
        rssConnected: m1.rss,
        rssSubscribed: m2.rss,
        rssPerConnKB: round((m1.rss - m0.rss) / c.ok / 1024, 2),
        rssPerSubKB: round((m2.rss - m1.rss) / (c.ok * 4) / 1024, 3),
        rssPerConnWith1SubKB: round((m1.rss - m0.rss + (m2.rss - m1.rss) / 4) / c.ok / 1024, 2),
        heapPerConnKB: round((m1.heapUsed - m0.heapUsed) / c.ok / 1024, 2),
        heapPerSubB: round((m2.heapUsed - m1.heapUsed) / (c.ok * 4), 0),
      };
      results.mem.push(r);
      log(
        `  mem ${kind} n=${n}: ${r.rssPerConnKB} KB RSS/conn, ${r.rssPerSubKB} KB RSS/sub, heap ${r.heapPerConnKB} KB/conn, ${r.heapPerSubB} B/sub`,
      );
    },
    lg,
    srv,
  );
}

/** The one hot topic of issue 20: the live-ops shape, every viewer on the same topic. */
const HOT_TOPIC = 'kpis.s2';

/**
 * One row of the hot scenario, in fresh processes: RSS with 0 connections, N connected and subscribed to the hot
 * topic (connect time and server CPU per connection), RSS again (both after GC), then the tail probe's clients
 * connected and subscribed last, the server's idle CPU, then `rate` broadcasts/s of the hot topic alone. Server CPU
 * per send: the server's CPU from the first broadcast until every message arrived, less its idle CPU over that
 * time, over broadcasts × subscribers.
 */
async function hotRow(kind, n, rate, roundNo = 1) {
  const srv = await startServer(kind);
  const lg = await startLoadgen();
  const probe = await startLoadgen('bench/loadgen.mjs', { cpu: CPU_PROBE, name: 'probe' });
  await withProcs(
    async () => {
      const topics = [HOT_TOPIC];
      const w = wire(kind);
      // Before anything connects, so its garbage is collected before the base RSS is read.
      const ticket = w === 'gateway' ? await srv.call('ticketCost', { count: 2000 }) : null;
      const m0 = await srv.call('mem', { settleMs: 2000 });
      const cpuC0 = await srv.call('cpu');
      const c = await lg.call('connect', { kind: w, port: srv.port, n, topics });
      const cpuC1 = await srv.call('cpu');
      const s = await lg.call('subscribe', { kind: w });
      const m1 = await srv.call('mem', { settleMs: 2000 });
      const pc = await probe.call('connect', { kind: w, port: srv.port, n: P.probeN, topics });
      const ps = await probe.call('subscribe', { kind: w });
      // The server's idle CPU with everyone connected (heartbeats, timers), taken off the window below: at 1/s it is
      // as large as the sends themselves.
      const idle0 = await srv.call('cpu');
      const idleT0 = performance.now();
      await sleep(P.hotIdleMs);
      const idleCpu = (await srv.call('cpu')) - idle0;
      const idleShare = idleCpu / 1000 / (performance.now() - idleT0);
      const durationMs = Math.max(P.hotDurationMs, (P.hotMinTicks * 1000) / rate);
      const cpu0 = await srv.call('cpu');
      const t0 = performance.now();
      const m = await measure(srv, lg, { rate, warmupMs: P.hotWarmupMs, durationMs, topics, probe });
      const cpu1 = await srv.call('cpu');
      const windowMs = performance.now() - t0;
      const subscribers = c.ok - s.pendingAcks + pc.ok - ps.pendingAcks;
      const sends = Math.max(1, m.ticks * subscribers);
      const r = {
        kind,
        n,
        round: roundNo,
        topic: HOT_TOPIC,
        connected: c.ok,
        connectMs: Math.round(c.ms),
        connectMsPer1k: round((c.ms * 1000) / Math.max(1, c.ok), 1),
        connectCpuUsPerConn: round((cpuC1 - cpuC0) / Math.max(1, c.ok), 1),
        connectLoadgenCpu: round(c.lgCpu, 2),
        ticketUs: ticket ? round(ticket.usPerTicket, 1) : null,
        subscribeMs: Math.round(s.ms),
        missingAcks: s.pendingAcks + ps.pendingAcks,
        probeConnected: pc.ok,
        subscribers,
        rssBase: m0.rss,
        rssSubscribed: m1.rss,
        rssPerConnKB: round((m1.rss - m0.rss) / Math.max(1, c.ok) / 1024, 2),
        heapPerConnKB: round((m1.heapUsed - m0.heapUsed) / Math.max(1, c.ok) / 1024, 2),
        durationMs,
        idleCpu: round(idleShare, 4),
        cpuPerSendGrossUs: round((cpu1 - cpu0) / sends, 3),
        cpuPerSendUs: round(Math.max(0, cpu1 - cpu0 - idleShare * windowMs * 1000) / sends, 3),
        ...m,
      };
      results.hot.push(r);
      const p = m.probe;
      log(
        `  hot ${kind} n=${n} ${rate}/s: cpu/send ${r.cpuPerSendUs} µs, srv cpu ${m.serverCpu}, loop p99 ${m.loopDelayP99} ms, tail p95 ${p?.latency.p95} (schedule ${p?.latencyScheduled.p95}) ms, all p95 ${m.latency.p95} ms, ${r.rssPerConnKB} KB/conn, connect ${r.connectMs} ms (${r.connectCpuUsPerConn} µs cpu/conn${r.ticketUs != null ? `, ticket ${r.ticketUs} µs` : ''}), drop ${(m.dropRate * 100).toFixed(3)} %, lg ${m.loadgenCpu} probe ${p?.loadgenCpu}, load ${m.hostLoad1m}`,
      );
    },
    probe,
    lg,
    srv,
  );
}

async function slowConsumers() {
  const srv = await startServer('gateway');
  const lg = await startLoadgen();
  await withProcs(
    async () => {
      const conn = await connectAll(srv, lg, 'gateway', P.slowN);
      const common = { rate: P.slowRate, warmupMs: 1000, payloadBytes: P.slowPayload };
      const memBefore = await srv.call('mem');
      const base = await measure(srv, lg, { ...common, durationMs: P.slowBaseMs });
      log(
        `  slow baseline: healthy p95 ${base.latency.p95} ms, drop ${(base.dropRate * 100).toFixed(3)} %, gateway dropped ${base.gatewayDropped}, lg cpu ${base.loadgenCpu}`,
      );
      const samples = [];
      let sampling = true;
      const sampler = async () => {
        const t0 = Date.now();
        while (sampling && Date.now() - t0 < P.slowStallMs + 4000) {
          const m = await srv.call('health').catch(() => null);
          const rss = await srv.call('rss').catch(() => null); // no GC here: it would stall the fanout being measured
          samples.push({
            s: round((Date.now() - t0) / 1000, 1),
            rssMB: round(rss / 2 ** 20, 1),
            dropped: m?.messagesDropped,
          });
          await sleep(2000);
        }
        return samples;
      };
      const stalled = await measure(srv, lg, {
        ...common,
        durationMs: P.slowStallMs,
        stallFraction: 0.01,
        onDuring: () => sampler().finally(() => {}),
      });
      sampling = false;
      const stalledExpected =
        stalled.stalledClients * Math.round(stalled.expected / Math.max(1, stalled.healthyClients));
      results.slow = {
        n: P.slowN,
        ...conn,
        rate: P.slowRate,
        payloadBytes: P.slowPayload,
        memBefore: memBefore.rss,
        baseline: base,
        stalled,
        stalledMessagesExpected: stalledExpected,
        stalledDropShare: stalledExpected ? round(stalled.gatewayDropped / stalledExpected, 4) : null,
        dropShareOfAllDeliveries: round(stalled.gatewayDropped / (stalled.expected + stalledExpected), 5),
        rssMaxMB: Math.max(...samples.map((s) => s.rssMB ?? 0)),
        rssBeforeMB: round(memBefore.rss / 2 ** 20, 1),
        samples,
        // What the backpressure limits allow per stalled connection: 1 MiB in ws's buffer + 200 queued frames.
        boundPerStalledMB: round((2 ** 20 + 200 * (P.slowPayload + 100)) / 2 ** 20, 1),
      };
      log(
        `  slow stalled: healthy p95 ${stalled.latency.p95} ms (baseline ${base.latency.p95}), healthy drop ${(stalled.dropRate * 100).toFixed(3)} %, gateway dropped ${stalled.gatewayDropped} of ${stalledExpected} stalled msgs, RSS max ${results.slow.rssMaxMB} MB`,
      );
    },
    lg,
    srv,
  );
}

async function storm() {
  const srv = await startServer('gateway');
  const lg = await startLoadgen('bench/storm.mjs');
  await withProcs(
    async () => {
      const c = await lg.call('connect', { port: srv.port, n: P.stormN }, 300_000);
      log(`  storm: ${c.live}/${P.stormN} core clients live in ${c.ms} ms`);
      await lg.call('arm');
      const restart = await srv.call('restart', {});
      const w = await lg.call('wait', { timeoutMs: 90_000 }, 120_000);
      results.storm = {
        client: 'createClient (src/index.ts) with injected ws, websocket only, default backoff',
        ...c,
        restart,
        ...w,
      };
      log(
        `  storm: ${w.backAndResubscribed}/${w.n} back and resubscribed, last after ${w.lastBackMs} ms, max ${round(w.maxShareInOneSecond * 100, 1)} % in one second, peak ${w.peakTicketsPerSecond} tickets/s`,
      );
      await lg.call('close');
    },
    lg,
    srv,
  );
}

async function refresh() {
  const out = join(here, 'results', `${results.startedAt.replace(/[:.]/g, '-')}-${label}-refresh.json`);
  const args = [...TSX, join(here, 'refresh.mjs'), `--n=${P.refreshN}`, `--window=${P.refreshWindowS}`, `--out=${out}`];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  children.add(child);
  // bench/refresh.mjs bounds itself; this is the backstop.
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000 + 4 * P.refreshWindowS * 1000);
  const code = await new Promise((r) => child.once('exit', (c, signal) => r(c ?? signal)));
  clearTimeout(timer);
  children.delete(child);
  results.refresh = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { failed: code };
}

async function publish() {
  const out = join(here, 'results', `${results.startedAt.replace(/[:.]/g, '-')}-${label}-publish.json`);
  const args = [
    ...TSX,
    join(here, 'publish.mjs'),
    `--count=${P.publishCount}`,
    `--time=${P.publishTimeS}`,
    `--duration=${P.publishDurationS}`,
    `--out=${out}`,
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  children.add(child);
  // bench/publish.mjs bounds itself (the same bound, per engine); this is the backstop.
  const perEngineMs = 4 * (P.publishTimeS * 1100 + 35_000) + 2 * P.publishDurationS * 1000 + 90_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000 + 2 * perEngineMs);
  const code = await new Promise((r) => child.once('exit', (c, signal) => r(c ?? signal)));
  clearTimeout(timer);
  children.delete(child);
  results.publish = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { failed: code };
}

async function pii() {
  const out = join(here, 'results', `${results.startedAt.replace(/[:.]/g, '-')}-${label}-pii.json`);
  const args = [...TSX, join(here, 'pii.mjs'), `--time=${flag('smoke') ? 0.2 : 1}`, `--out=${out}`];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  children.add(child);
  // bench/pii.mjs bounds itself (11 rows of at most 1.2 s); this is the backstop.
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise((r) => child.once('exit', (c, signal) => r(c ?? signal)));
  clearTimeout(timer);
  children.delete(child);
  results.pii = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { failed: code };
}

// ---- run ---------------------------------------------------------------------------------------------------
const t0 = Date.now();
log(
  `${label}: kinds ${kinds.join(',')}, scenarios ${[...only].join(',')}, pinning ${pinning ? 'server→cpu0, loadgen→cpu1' : 'off'}`,
);
const ns = [...new Set([...(only.has('fanout') ? P.fanoutNs : []), ...(only.has('max') ? P.maxN : [])])].sort(
  (a, b) => a - b,
);
for (const n of ns) {
  for (let round = 1; round <= (P.fanoutNs.includes(n) ? rounds : 1); round++) {
    const order = round % 2 === 1 ? kinds : [...kinds].reverse(); // neither kind always runs first
    for (const kind of order) {
      log(`fanout/max n=${n} ${kind}${rounds > 1 ? ` round ${round}` : ''}`);
      await fanoutAndMax(kind, n, round);
    }
  }
}
if (only.has('hot'))
  for (const n of P.hotNs)
    for (let round = 1; round <= rounds; round++)
      for (const [i, rate] of P.hotRates.entries()) {
        // Alternates over rounds and rates, so no kind always runs first, even with one round.
        const order = (round + i) % 2 === 1 ? kinds : [...kinds].reverse();
        for (const kind of order) {
          log(`hot n=${n} ${rate}/s ${kind}${rounds > 1 ? ` round ${round}` : ''}`);
          await hotRow(kind, n, rate, round);
        }
      }
if (only.has('mem'))
  for (const kind of kinds) {
    log(`memory n=${P.memN} ${kind}`);
    await memory(kind, P.memN);
  }
if (only.has('slow') && kinds.includes('gateway')) {
  log(`slow consumers n=${P.slowN}`);
  await slowConsumers();
}
if (only.has('storm') && kinds.includes('gateway')) {
  log(`reconnect storm n=${P.stormN}`);
  await storm();
}
if (only.has('refresh')) {
  log(`refresh n=${P.refreshN} over ${P.refreshWindowS} s`);
  await refresh();
}
if (only.has('publish')) {
  log(`publish: ${P.publishCount} messages or ${P.publishTimeS} s per row, delivery for ${P.publishDurationS} s`);
  await publish();
}
if (only.has('pii')) {
  log('pii: the guard and contracts per message');
  await pii();
}
results.finishedAt = new Date().toISOString();
results.loadAtEnd = loadavg().map((v) => round(v, 2));
results.totalS = Math.round((Date.now() - t0) / 1000);

// ---- output ------------------------------------------------------------------------------------------------
const machine = {
  nproc: cpus().length,
  cpu: (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? 'unknown',
  memGiB: round(totalmem() / 2 ** 30, 1),
  node: process.version,
  ws: JSON.parse(readFileSync(join(root, 'node_modules/ws/package.json'), 'utf8')).version,
  socketio: existsSync(join(root, 'node_modules/socket.io/package.json'))
    ? JSON.parse(readFileSync(join(root, 'node_modules/socket.io/package.json'), 'utf8')).version
    : null,
  commit: (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
    } catch {
      return '?';
    }
  })(),
};
results.machine = machine;
const ev = process.env.npm_lifecycle_event;
const extra = ev === 'bench:quick' ? argv.filter((a) => a !== '--quick') : argv; // the script's own flag
results.command = (ev ? `npm run ${ev}${extra.length ? ' --' : ''} ` : 'node bench/run.mjs ') + extra.join(' ');
// Raw runs go to bench/results/ (gitignored): the JSON with every number, the same tables as markdown, and the
// charts. BENCHMARKS.md is written by hand from a run promoted to bench/baseline/ (see its "Reproduce").
const resultsDir = join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
const jsonPath = join(resultsDir, runFileName(results));
writeFileSync(jsonPath, JSON.stringify(results, null, 2));
const md = renderMarkdown(results);
writeFileSync(jsonPath.replace(/\.json$/, '.md'), md);
const chartsDir = opt('charts', jsonPath.replace(/\.json$/, '-charts'));
const charts = renderReport([results], resolve(root, chartsDir));
log(
  `JSON: ${relative(root, jsonPath)} (${results.totalS} s); tables beside it (.md); charts: ${charts.map((c) => relative(root, c)).join(', ')}`,
);
if (!flag('no-md')) console.log(md);
killAll();
