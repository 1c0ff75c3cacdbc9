// What refreshing authority costs the gateway (issue 16): N open WebSocket connections, each with a ticket that
// carries `exp` and `sub`, each sending one `refresh` frame with a fresh ticket, spread evenly over a window. The
// gateway checks each as fully as at connect (HMAC, time window, single-use nonce claim, revocations) and
// answers `refresh.ok`.
//
//   sh -c 'ulimit -n 65536; node --import tsx bench/refresh.mjs' [--n=10000] [--window=30] [--engines=memory,redis]
//                                                                 [--redis=redis://127.0.0.1:6379] [--label=x]
//                                                                 [--refreshes=N] [--out=file.json]
//
// The gateway runs in a child process (this file with --gateway-child) pinned to CPU 0 and reports its own
// process.cpuUsage() over IPC; this process is the load generator, pinned to CPU 1. Per engine:
//   1. N connections (plain `ws`), ticket { ttlS: 3600, sub: 'bench-user-<i>' };
//   2. a warm-up of 500 refreshes (not counted), then an idle baseline: the gateway's CPU over one window with the
//      same connections and no refresh (heartbeat, expiry sweep);
//   3. one refresh per connection (or --refreshes of them), the k-th sent at k × window / count, every answer
//      awaited (bounded);
//   4. CPU per refresh = (CPU during the refreshes − baseline CPU rate × their duration) / refreshes.
// With `redis`, the nonce claim (SET NX, and the write witness's mark after it) goes to that Redis, under a prefix
// unique to this run; its keys are deleted at the end. Redis's own CPU (INFO cpu) is reported beside,
// baseline-subtracted.
// Loopback only; every phase is bounded in count and time; the child is killed by PID on exit, error or signal.
// Raw results go to bench/results/<label>-<timestamp>.json (ignored), by default refresh-<timestamp>.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient } from 'redis';
import WebSocket from 'ws';
import { guardChildren, pinGenerator, startGatewayChild } from './lib/gateway-child.mjs';
import { Histogram, SCOPES, SECRET, serveRpc } from './lib/common.mjs';
import { issueTicket } from '../server/admission/tickets.ts';
import { createGateway } from '../server/gateway.ts';
import { ticketQuery } from '../src/protocol/ticket.ts';

const argv = process.argv.slice(2);
/** `--name=value` or `--name value`. */
function opt(name, dflt) {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return dflt;
  return argv[i].includes('=') ? argv[i].slice(name.length + 3) : (argv[i + 1] ?? dflt);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (v, d = 0) => (v == null || !Number.isFinite(v) ? null : Math.round(v * 10 ** d) / 10 ** d);
const TTL_S = 3600;
/** Refreshes sent (and not counted) before the measurement, on the first connections. */
const WARMUP = 500;

if (argv.includes('--gateway-child')) await gatewayChild();
else await main();

// ---- the gateway (child process) ----------------------------------------------------------------------------
async function gatewayChild() {
  const url = process.env.BENCH_REFRESH_REDIS;
  const gw = await createGateway({
    secret: SECRET,
    port: 0,
    logLevel: 'silent',
    // Every bench client comes from 127.0.0.1: the per-IP attempt limit would refuse all but a trickle.
    rateLimits: { connectionsPerIp: false },
    ...(url ? { redis: { url, prefix: process.env.BENCH_REFRESH_PREFIX } } : {}),
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
  const N = Math.max(1, Math.min(50_000, Math.floor(Number(opt('n', 10_000))) || 10_000));
  const WINDOW_S = Math.max(1, Math.min(600, Number(opt('window', 30)) || 30));
  // Fewer refreshes than connections (on the first ones) measure a lower rate with the same connections open:
  // --n=10000 --refreshes=1000 --window=30 is the issue's 33 refreshes/s beside 10k connections.
  const REFRESHES = Math.max(1, Math.min(N, Math.floor(Number(opt('refreshes', N))) || N));
  const engines = String(opt('engines', 'memory,redis')).split(',').filter(Boolean);
  const redisUrl = String(opt('redis', 'redis://127.0.0.1:6379'));
  const label = String(opt('label', 'refresh'));
  const script = fileURLToPath(import.meta.url);
  // BENCH_SERVER_ARGS: extra Node flags for the gateway, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (as bench/run.mjs).
  const serverArgs = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
  const log = (...a) => console.log(`[refresh ${new Date().toISOString().slice(11, 19)}]`, ...a);

  // Every phase has its own bound; this one catches whatever they miss.
  const HARD_MS = 60_000 + engines.length * (2 * WINDOW_S * 1000 + 90_000);
  const { children, killAll } = guardChildren('refresh', HARD_MS);
  const pinning = pinGenerator();
  /** The gateway child with `env`: `call(cmd)` over IPC, `stop()` by PID. */
  const startGateway = (env) => startGatewayChild({ script, env, pinning, serverArgs, children });

  /** Opens one connection; resolves once its `hello` arrived (or it failed, bounded at 30 s). */
  function open(port, i, onRefreshAnswer) {
    return new Promise((resolve) => {
      const sub = `bench-user-${i}`;
      const ticket = issueTicket(SECRET, SCOPES, { ttlS: TTL_S, sub });
      const ws = new WebSocket(`ws://127.0.0.1:${port}/rt?${ticketQuery(ticket)}`, { perMessageDeflate: false });
      const c = { i, sub, ws, ready: false, closed: false, closeCode: null, sentAt: 0, answered: false };
      let settled = false;
      const done = (ok) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        c.ready = ok;
        resolve(c);
      };
      const timer = setTimeout(() => done(false), 30_000);
      ws.on('error', () => done(false));
      ws.on('close', (code) => {
        c.closed = true;
        c.closeCode = code;
        done(false);
      });
      ws.on('message', (buf) => {
        // {"type":"hello"… / {"type":"ping"… / {"type":"refresh.ok"… / {"type":"refresh.err"…
        const b = buf[9];
        if (b === 0x68) return done(true);
        if (b === 0x72) onRefreshAnswer(c, JSON.parse(String(buf)));
      });
    });
  }

  async function pool(count, concurrency, fn, deadline) {
    let next = 0;
    const worker = async () => {
      while (next < count && Date.now() < deadline) await fn(next++);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  }

  /** Redis's own CPU (µs, user + sys of the whole server), or null without Redis. */
  async function redisCpuUs(client) {
    if (!client) return null;
    const info = String(await client.sendCommand(['INFO', 'cpu']));
    const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]);
    const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]);
    return (user + sys) * 1e6;
  }

  async function runEngine(engine) {
    const row = { engine, n: N, refreshes: REFRESHES, windowS: WINDOW_S };
    let redis = null;
    const prefix = `bench-refresh-${process.pid}-${Date.now()}:`;
    if (engine === 'redis') {
      redis = createClient({ url: redisUrl, socket: { connectTimeout: 3000, reconnectStrategy: false } });
      redis.on('error', () => {});
      try {
        await redis.connect();
      } catch (e) {
        log(`redis: ${redisUrl} unreachable (${e.message}): row skipped`);
        return { ...row, skipped: `Redis unreachable at ${redisUrl}` };
      }
      row.redis = { url: redisUrl, prefix };
    }
    const gw = await startGateway(redis ? { BENCH_REFRESH_REDIS: redisUrl, BENCH_REFRESH_PREFIX: prefix } : {});
    const conns = [];
    let answers = 0;
    let oks = 0;
    const errors = {};
    const rtt = new Histogram();
    let lastAnswerAt = 0;
    let warmAnswers = 0;
    const onRefreshAnswer = (c, frame) => {
      if (c.warming) {
        c.warming = false;
        warmAnswers += 1;
        if (frame.type !== 'refresh.ok') errors[`warmup:${frame.code}`] = (errors[`warmup:${frame.code}`] ?? 0) + 1;
        return;
      }
      if (c.answered || !c.sentAt) return;
      c.answered = true;
      answers += 1;
      lastAnswerAt = performance.now();
      if (frame.type === 'refresh.ok') {
        oks += 1;
        rtt.add(lastAnswerAt - c.sentAt);
      } else errors[frame.code ?? frame.type] = (errors[frame.code ?? frame.type] ?? 0) + 1;
    };
    try {
      // 1. Connections.
      const t0 = performance.now();
      const rss0 = (await gw.call('gc')).rss;
      await pool(
        N,
        200,
        async (i) => {
          conns[i] = await open(gw.port, i, onRefreshAnswer);
        },
        Date.now() + 90_000,
      );
      const live = conns.filter((c) => c?.ready);
      row.connected = live.length;
      row.connectMs = Math.round(performance.now() - t0);
      log(`${engine}: ${live.length}/${N} connected in ${row.connectMs} ms`);
      if (live.length === 0) throw new Error('no connection opened');
      // Warm-up: a few refreshes before anything is measured, so the JIT has compiled the refresh path (a gateway
      // that has run five minutes has). Those connections keep two of their three-refresh burst.
      const warm = live.slice(0, Math.min(WARMUP, live.length));
      for (let k = 0; k < warm.length; k += 50) {
        for (const c of warm.slice(k, k + 50)) {
          c.warming = true;
          c.ws.send(
            JSON.stringify({ type: 'refresh', ticket: issueTicket(SECRET, SCOPES, { ttlS: TTL_S, sub: c.sub }) }),
          );
        }
        await sleep(100);
      }
      for (let k = 0; k < 200 && warmAnswers < warm.length; k++) await sleep(50);
      row.warmupRefreshes = warmAnswers;
      await sleep(2000);
      const m1 = await gw.call('gc');
      row.rssEmptyMB = round(rss0 / 2 ** 20, 1);
      row.rssConnectedMB = round(m1.rss / 2 ** 20, 1);

      // 2. Idle baseline: the same connections, no refresh, one window.
      const b0 = await gw.call('sample');
      const rb0 = await redisCpuUs(redis);
      await sleep(WINDOW_S * 1000);
      const b1 = await gw.call('sample');
      const rb1 = await redisCpuUs(redis);
      const baseRate = (b1.cpuUs - b0.cpuUs) / (b1.atMs - b0.atMs); // µs of CPU per ms of wall
      const redisBaseRate = redis ? (rb1 - rb0) / (b1.atMs - b0.atMs) : null;
      row.baselineCoreShare = round(baseRate / 1000, 4);
      log(`${engine}: idle baseline ${(baseRate / 10).toFixed(2)} % of a core`);

      // 3. One refresh per connection (the first `total`), the k-th due at k × window / total.
      row.loadBefore = round(loadavg()[0], 2); // other work on the host competes with the pinned cores
      const s0 = await gw.call('sample');
      const rs0 = await redisCpuUs(redis);
      const lg0 = process.cpuUsage();
      const w0 = performance.now();
      const total = Math.min(REFRESHES, live.length);
      const windowMs = WINDOW_S * 1000;
      let sent = 0;
      let skippedClosed = 0;
      while (sent < total && performance.now() - w0 < windowMs * 1.5 + 5000) {
        const due = Math.min(total, Math.floor(((performance.now() - w0) * total) / windowMs) + 1);
        for (; sent < due; sent++) {
          const c = live[sent];
          if (c.closed) {
            skippedClosed += 1;
            continue;
          }
          const ticket = issueTicket(SECRET, SCOPES, { ttlS: TTL_S, sub: c.sub });
          c.sentAt = performance.now();
          c.ws.send(JSON.stringify({ type: 'refresh', ticket }));
        }
        const nextDue = w0 + (sent * windowMs) / total;
        await sleep(Math.max(0, nextDue - performance.now()));
      }
      const sentAt = performance.now();
      const expected = sent - skippedClosed;
      for (let k = 0; k < 600 && answers < expected; k++) await sleep(50); // at most 30 s for the stragglers
      const s1 = await gw.call('sample');
      const rs1 = await redisCpuUs(redis);
      const lgCpu = process.cpuUsage(lg0);
      const lgWall = performance.now() - w0;
      const m2 = await gw.call('gc');
      row.loadAfter = round(loadavg()[0], 2);

      const spanMs = s1.atMs - s0.atMs;
      const cpuUs = s1.cpuUs - s0.cpuUs;
      const netUs = cpuUs - baseRate * spanMs;
      const usPerRefresh = oks ? netUs / oks : null;
      const perSecondAtIssueShape = 10_000 / 300; // 10k refreshes over 5 minutes
      Object.assign(row, {
        refreshesSent: expected,
        refreshOk: oks,
        refreshErr: Object.values(errors).reduce((a, b) => a + b, 0),
        refreshErrCodes: errors,
        unanswered: expected - answers,
        skippedClosed,
        closedDuringRun: conns.filter((c) => c?.ready && c.closed).length,
        sendWindowMs: Math.round(sentAt - w0),
        lastAnswerMs: lastAnswerAt ? Math.round(lastAnswerAt - w0) : null,
        rateAchieved: round((expected * 1000) / Math.max(1, sentAt - w0), 1),
        rtt: rtt.summary(),
        gatewayCpu: {
          spanMs: Math.round(spanMs),
          totalUs: Math.round(cpuUs),
          userUs: s1.userUs - s0.userUs,
          systemUs: s1.systemUs - s0.systemUs,
          baselineUs: Math.round(baseRate * spanMs),
          coreShareDuring: round(cpuUs / spanMs / 1000, 4),
        },
        usPerRefresh: round(usPerRefresh, 1),
        usPerRefreshGross: round(oks ? cpuUs / oks : null, 1),
        issueShape: {
          refreshesPerSecond: round(perSecondAtIssueShape, 1),
          coreShare: round((perSecondAtIssueShape * usPerRefresh) / 1e6, 5),
        },
        redisUsPerRefresh: redis && oks ? round((rs1 - rs0 - redisBaseRate * spanMs) / oks, 1) : null,
        rssBeforeMB: round(s0.rss / 2 ** 20, 1),
        rssAfterMB: round(s1.rss / 2 ** 20, 1),
        rssAfterGcMB: round(m2.rss / 2 ** 20, 1),
        generatorCoreShare: round((lgCpu.user + lgCpu.system) / 1000 / lgWall, 3),
      });
      row.generatorBound = row.generatorCoreShare > 0.8;
      log(
        `${engine}: ${oks}/${expected} refresh.ok, ${row.refreshErr} refresh.err ${JSON.stringify(errors)}, ` +
          `${row.usPerRefresh} µs gateway CPU/refresh (gross ${row.usPerRefreshGross}), ` +
          `RTT p50/p95/p99 ${row.rtt.p50}/${row.rtt.p95}/${row.rtt.p99} ms, generator ${(row.generatorCoreShare * 100).toFixed(0)} % of a core`,
      );
    } finally {
      for (const c of conns) c?.ws.terminate();
      await gw.call('close', {}, 10_000).catch(() => {});
      await gw.stop();
      if (redis) {
        // This run's keys only (nonces expire on their own; the engine's marks and stats would linger).
        let cursor = '0';
        let deleted = 0;
        for (let k = 0; k < 1000; k++) {
          const [next, keys] = await redis.sendCommand(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000']);
          if (keys.length) deleted += Number(await redis.sendCommand(['UNLINK', ...keys]));
          cursor = String(next);
          if (cursor === '0') break;
        }
        row.redisKeysDeleted = deleted;
        await redis.close().catch(() => {});
      }
    }
    return row;
  }

  log(
    `N=${N}, ${REFRESHES} refreshes over ${WINDOW_S} s (${round(REFRESHES / WINDOW_S, 1)}/s), engines ${engines.join(',')}, pinning ${pinning ? 'gateway→cpu0, generator→cpu1' : 'off'}`,
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
  const rows = [];
  for (const engine of engines) {
    if (engine !== 'memory' && engine !== 'redis') throw new Error(`unknown engine ${engine}`);
    rows.push(await runEngine(engine));
    await sleep(1000);
  }
  const results = {
    label,
    startedAt,
    finishedAt: new Date().toISOString(),
    n: N,
    refreshes: REFRESHES,
    windowS: WINDOW_S,
    ttlS: TTL_S,
    pinning,
    nproc: cpus().length,
    node: process.version,
    load: loadavg().map((v) => round(v, 2)),
    commit,
    rows,
  };
  const out = opt('out', undefined); // bench/run.mjs --only=refresh names the file
  const file = out
    ? pathToFileURL(resolve(out))
    : new URL(`results/${label}-${startedAt.replace(/[:.]/g, '-')}.json`, import.meta.url);
  mkdirSync(new URL('.', file), { recursive: true });
  writeFileSync(file, JSON.stringify(results, null, 2));

  const pct = (v) => (v == null ? '–' : `${(v * 100).toFixed(2)} %`);
  console.log(
    `\n${N} connections, ${REFRESHES} refreshes over ${WINDOW_S} s (${round(REFRESHES / WINDOW_S, 1)}/s) → ${fileURLToPath(file)}`,
  );
  console.log(
    '| engine | refreshes | gateway CPU per refresh µs | p50/p95/p99 ms | errors | CPU share at 10k per 5 min | idle baseline | RSS before → after MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    if (r.skipped) {
      console.log(`| ${r.engine} | skipped: ${r.skipped} | | | | | | |`);
      continue;
    }
    console.log(
      `| ${r.engine} | ${r.refreshOk}/${r.refreshesSent} | ${r.usPerRefresh} | ${r.rtt.p50}/${r.rtt.p95}/${r.rtt.p99} | ${r.refreshErr} | ${pct(r.issueShape.coreShare)} | ${pct(r.baselineCoreShare)} | ${r.rssBeforeMB} → ${r.rssAfterMB} |`,
    );
  }
  for (const r of rows) {
    if (r.skipped) continue;
    if (r.redisUsPerRefresh != null) console.log(`${r.engine}: Redis's own CPU ${r.redisUsPerRefresh} µs per refresh`);
    if (r.connected < N) console.log(`${r.engine}: only ${r.connected}/${N} connections opened`);
    if (r.refreshErr > 0) console.log(`${r.engine}: refresh.err ${JSON.stringify(r.refreshErrCodes)}`);
    if (r.unanswered > 0) console.log(`${r.engine}: ${r.unanswered} refreshes unanswered`);
    if (r.closedDuringRun > 0) console.log(`${r.engine}: ${r.closedDuringRun} connections closed during the run`);
    if (r.generatorBound)
      console.log(
        `${r.engine}: the generator used ${(r.generatorCoreShare * 100).toFixed(0)} % of a core: it may be the limit, not the gateway`,
      );
  }
  killAll();
  process.exit(rows.some((r) => !r.skipped && (r.refreshErr > 0 || r.unanswered > 0)) ? 1 : 0);
}
