// The server side of every scenario, whatever the server: a steady publisher that calls `broadcast()` in the
// server's own process (so publishing costs what a real fanout() call costs), RSS after GC, CPU and
// event-loop delay. Each server file supplies `broadcast(topic, data)` and its own extra commands.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TOPICS, now, serveRpc } from '../lib/common.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function runServer({ name, getPort, broadcast, extra = {} }) {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const padCache = new Map();

  /**
   * Publishes one message on each of `topics` (default the four) `rate` times per second for `durationMs` (so every
   * client, subscribed to one of them, receives `rate` msgs/s). The payload carries the publisher's clock `t` when it
   * published and `q` when it was due: a server that blocks its own publisher delays its messages before `t`, and
   * latency from `q` counts that wait too (no coordinated omission).
   * Bounded: stops at `durationMs * 1.5 + 5 s` whatever happened.
   */
  async function publish({ rate, durationMs, tStart, payloadBytes = 200, topics = TOPICS }) {
    if (!padCache.has(payloadBytes)) padCache.set(payloadBytes, 'x'.repeat(Math.max(0, payloadBytes - 62)));
    const pad = padCache.get(payloadBytes);
    const total = Math.max(1, Math.round((rate * durationMs) / 1000));
    const maxPerFire = Math.max(3, Math.ceil(rate / 50)); // lets a late timer catch up, within bounds
    const t0 = performance.now();
    const due0 = now(); // tick k is due at due0 + k / rate
    const cpu0 = process.cpuUsage();
    loop.reset();
    let ticks = 0;
    let measured = 0;
    let publishMs = 0;
    let maxPublishMs = 0;
    await new Promise((resolve) => {
      const fire = () => {
        const elapsed = performance.now() - t0;
        let due = Math.min(total, Math.floor((elapsed * rate) / 1000) + 1) - ticks;
        if (due > maxPerFire) due = maxPerFire;
        for (let k = 0; k < due; k++) {
          const t = now();
          const q = due0 + (ticks * 1000) / rate;
          const s = performance.now();
          for (const topic of topics) broadcast(topic, { t, q, i: ticks, pad });
          const d = performance.now() - s;
          publishMs += d;
          if (d > maxPublishMs) maxPublishMs = d;
          ticks += 1;
          if (t >= tStart) measured += 1;
        }
        if (ticks >= total || elapsed > durationMs * 1.5 + 5000) return resolve();
        const next = (ticks * 1000) / rate - (performance.now() - t0);
        setTimeout(fire, Math.max(0, next));
      };
      fire();
    });
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return {
      ticks,
      measured,
      target: total,
      // Ticks 0 … n−1 are due at 0 … (n−1)/rate: n ticks span n−1 intervals.
      achievedRate: ticks > 1 ? ((ticks - 1) * 1000) / elapsedMs : rate,
      elapsedMs,
      serverCpu: (cpu.user + cpu.system) / 1000 / elapsedMs,
      // Time inside the broadcast() calls of one tick (one per topic): how long the loop is blocked by one fanout round.
      publishMsMean: publishMs / Math.max(1, ticks),
      publishMsMax: maxPublishMs,
      loopDelayP99: loop.percentile(99) / 1e6,
      loopDelayMax: loop.max / 1e6,
    };
  }

  async function mem({ settleMs = 1000 } = {}) {
    for (let i = 0; i < 3; i++) {
      global.gc?.();
      await sleep(settleMs / 3);
    }
    const m = process.memoryUsage();
    return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
  }

  serveRpc({
    info: () => ({ name, port: getPort(), pid: process.pid }),
    publish,
    mem,
    rss: () => process.memoryUsage().rss,
    /** CPU time this process has used so far (user + system, µs): the orchestrator takes differences. */
    cpu: () => {
      const c = process.cpuUsage();
      return c.user + c.system;
    },
    ...extra,
  });
}
