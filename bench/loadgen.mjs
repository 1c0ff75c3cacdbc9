// The load generator: N plain `ws` clients in one process (run with `node --import tsx`, for the gateway's
// ticket helpers), speaking each server's protocol: Lydian (`/rt` + ticket, hello, sub/sub.ok, msg), the raw
// floor (`{"sub":t}`/`{"ok":t}`), Socket.IO 4 (engine.io v4 over websocket: `0`/`40`, `42["sub",t]`, ping `2`
// → `3`). The client side costs the same for all three, so differences are the servers'.
// Latency = receipt time − the publisher's `t` in the payload (same machine, same clock); also from `q`, the time
// the message was due, which counts a publisher held up by its own server (coordinated omission).
import { WebSocket } from 'ws';
import { Histogram, SCOPES, SECRET, TOPICS, now, serveRpc } from './lib/common.mjs';

const { issueTicket } = await import('../server/admission/tickets.ts');
const { ticketQuery } = await import('../src/protocol/ticket.ts');

const T_KEY = Buffer.from('"t":');
const Q_KEY = Buffer.from('"q":');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let clients = [];
let hist = new Histogram();
let histScheduled = new Histogram();
let tStart = Infinity;
let cpu0 = process.cpuUsage();
let wall0 = performance.now();
let counters = { healthy: 0, stalled: 0, late: 0 };

function urlFor(kind, port) {
  if (kind === 'gateway') return () => `ws://127.0.0.1:${port}/rt?${ticketQuery(issueTicket(SECRET, SCOPES))}`;
  if (kind === 'sio') return () => `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`;
  return () => `ws://127.0.0.1:${port}/`;
}

/** Handles one message frame: counts it and records its latency when it was published inside the window. */
function onMsg(c, buf) {
  const i = buf.indexOf(T_KEY);
  if (i < 0) return;
  const t = parseFloat(buf.toString('latin1', i + 4, i + 28));
  if (!(t >= tStart)) return;
  if (c.stalled) {
    counters.stalled += 1;
    return;
  }
  counters.healthy += 1;
  const at = now();
  hist.add(at - t);
  const j = buf.indexOf(Q_KEY, i + 4);
  if (j >= 0) histScheduled.add(at - parseFloat(buf.toString('latin1', j + 4, j + 28)));
}

/** Opens one client; resolves when it is ready to subscribe (hello / open / namespace connected). */
function open(kind, url, topic) {
  return new Promise((resolve) => {
    const c = { ws: null, socket: null, topic, ready: false, acks: 0, stalled: false, closed: false, onAck: null };
    const ws = new WebSocket(url, { perMessageDeflate: false });
    c.ws = ws;
    ws.once('upgrade', (res) => (c.socket = res.socket)); // the TCP socket, without reaching into ws internals
    const timer = setTimeout(() => done(false), 30_000);
    let settled = false;
    const done = (ok) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      c.ready = ok;
      resolve(c);
    };
    ws.on('error', () => done(false));
    ws.on('close', () => {
      c.closed = true;
      done(false);
    });
    if (kind === 'raw') ws.on('open', () => done(true));
    ws.on('message', (buf) => {
      if (kind === 'gateway') {
        // {"type":"msg"… / {"type":"hello"… / {"type":"sub.ok"…
        const b = buf[9];
        if (b === 0x6d) return onMsg(c, buf);
        if (b === 0x68) return done(true);
        if (b === 0x73 && buf[10] === 0x75) return ack(c);
      } else if (kind === 'raw') {
        if (buf[9] === 0x6d) return onMsg(c, buf); // {"type":"msg"
        if (buf[2] === 0x6f) return ack(c); // {"ok"
      } else {
        const b0 = buf[0];
        if (b0 === 0x34) {
          if (buf[1] === 0x32) {
            if (buf[4] === 0x6d) return onMsg(c, buf); // 42["msg"
            return ack(c); // 42["ok"
          }
          if (buf[1] === 0x30) return done(true); // 40{"sid"
        } else if (b0 === 0x32)
          ws.send('3'); // ping
        else if (b0 === 0x30) ws.send('40'); // open
      }
    });
  });
}

function ack(c) {
  c.acks += 1;
  c.onAck?.();
}

function subFrame(kind, topic) {
  if (kind === 'gateway') return JSON.stringify({ type: 'sub', topic });
  if (kind === 'sio') return `42${JSON.stringify(['sub', topic])}`;
  return JSON.stringify({ sub: topic });
}

async function pool(items, concurrency, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

serveRpc({
  /**
   * Opens `n` clients, client i assigned to `topics[i mod topics.length]` (default: the four, so i mod 4; the hot
   * scenario passes one). Gateway tickets are issued before the clock starts: `ms` times the connections, not the
   * generator's HMACs. `lgCpu` is this process's share of its core meanwhile (≥ 0.9: the generator set the pace).
   */
  async connect({ kind, port, n, concurrency = 100, topics = TOPICS }) {
    const url = urlFor(kind, port);
    const urls = Array.from({ length: n }, () => url());
    const cpuStart = process.cpuUsage();
    const t0 = performance.now();
    const opened = new Array(n);
    await pool([...Array(n).keys()], concurrency, async (i) => {
      opened[i] = await open(kind, urls[i], topics[i % topics.length]);
    });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpuStart);
    clients.push(...opened);
    const ok = opened.filter((c) => c.ready).length;
    return { ok, failed: n - ok, ms, lgCpu: (cpu.user + cpu.system) / 1000 / ms };
  },
  /** Subscribes every client to its topic (or to all four with `all`), waits for every ack (bounded). */
  async subscribe({ kind, all = false, timeoutMs = 60_000 }) {
    const t0 = performance.now();
    let pending = 0;
    let wake;
    const waitAll = new Promise((r) => (wake = r));
    for (const c of clients) {
      if (!c.ready) continue;
      const topics = all ? TOPICS : [c.topic];
      c.acks = 0;
      pending += topics.length;
      c.onAck = () => {
        pending -= 1;
        if (pending === 0) wake();
      };
      for (const t of topics) c.ws.send(subFrame(kind, t));
    }
    if (pending > 0) await Promise.race([waitAll, sleep(timeoutMs)]);
    return { pendingAcks: pending, ms: performance.now() - t0 };
  },
  /** Starts a measurement window: messages published at or after `tStart` count. Stalls a fraction of clients. */
  reset({ tStart: start, stallFraction = 0 }) {
    hist = new Histogram();
    histScheduled = new Histogram();
    counters = { healthy: 0, stalled: 0, late: 0 };
    tStart = start;
    const live = clients.filter((c) => c.ready);
    const stallEvery = stallFraction > 0 ? Math.round(1 / stallFraction) : 0;
    let stalled = 0;
    live.forEach((c, i) => {
      c.stalled = stallEvery > 0 && i % stallEvery === 0;
      if (c.stalled) {
        c.socket.pause(); // stop reading: the kernel buffers fill, then the server's
        stalled += 1;
      }
    });
    cpu0 = process.cpuUsage();
    wall0 = performance.now();
    return { healthy: live.length - stalled, stalled };
  },
  stats() {
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - wall0;
    const live = clients.filter((c) => c.ready && !c.closed);
    const byTopicHealthy = {};
    for (const c of live) if (!c.stalled) byTopicHealthy[c.topic] = (byTopicHealthy[c.topic] ?? 0) + 1;
    return {
      latency: hist.summary(),
      latencyScheduled: histScheduled.summary(),
      received: counters,
      clientsOpen: live.length,
      healthyOpen: live.filter((c) => !c.stalled).length,
      stalledOpen: live.filter((c) => c.stalled).length,
      closedSinceStart: clients.filter((c) => c.ready && c.closed).length,
      byTopicHealthy,
      loadgenCpu: (cpu.user + cpu.system) / 1000 / wall,
      wallMs: wall,
      rss: process.memoryUsage().rss,
    };
  },
  async closeAll() {
    for (const c of clients) c.ws.terminate();
    clients = [];
    await sleep(200);
    return {};
  },
});
