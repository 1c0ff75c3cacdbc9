// Reconnect-storm load generator: N real core clients (`createClient` from src/index.ts, `ws` injected,
// websocket transport only, default backoff policy) in one process (run with `node --import tsx`). Every ticket
// request goes through the `auth` function, so ticket requests per second are counted exactly.
import { WebSocket } from 'ws';
import { SCOPES, SECRET, TOPICS, serveRpc } from './lib/common.mjs';

const { createClient } = await import('../src/index.ts');
const { issueTicket } = await import('../server/admission/tickets.ts');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let entries = [];
let ticketTimes = [];
let armedAt = 0;

serveRpc({
  async connect({ port, n, timeoutMs = 120_000, rampPerSec = 2000 }) {
    const t0 = Date.now();
    for (let i = 0; i < n; i++) {
      const e = { i, client: null, live: false, connected: false, downAt: 0, backAt: 0, liveAt: 0, down: false };
      e.client = createClient({
        url: `ws://127.0.0.1:${port}/rt`,
        scopes: SCOPES,
        transports: ['websocket'],
        WebSocket,
        auth: (scopes) => {
          ticketTimes.push(Date.now());
          return issueTicket(SECRET, scopes);
        },
      });
      e.client.status.subscribe((s) => {
        e.connected = s.connected;
        if (!s.connected && armedAt && !e.down) {
          e.down = true;
          e.downAt = Date.now();
        }
        if (s.connected && e.down && !e.backAt) e.backAt = Date.now();
      });
      e.client.topic(TOPICS[i % TOPICS.length]).subscribe((t) => {
        e.live = t.status === 'live';
        if (e.live && e.down && e.backAt && !e.liveAt) e.liveAt = Date.now();
      });
      entries.push(e);
      if (i % Math.max(1, Math.round(rampPerSec / 20)) === 0) await sleep(50);
    }
    while (Date.now() - t0 < timeoutMs && entries.some((e) => !e.live)) await sleep(100);
    return { live: entries.filter((e) => e.live).length, ms: Date.now() - t0 };
  },
  arm() {
    armedAt = Date.now();
    ticketTimes = [];
    for (const e of entries) Object.assign(e, { down: false, downAt: 0, backAt: 0, liveAt: 0 });
    return { armedAt };
  },
  /** Waits (bounded) until every client has been down and is back and live again, then reports. */
  async wait({ timeoutMs = 90_000 }) {
    const t0 = Date.now();
    const done = () => entries.every((e) => e.down && e.liveAt);
    while (Date.now() - t0 < timeoutMs && !done()) await sleep(100);
    const back = entries.filter((e) => e.liveAt);
    const perSecond = {};
    for (const e of back) {
      const s = Math.floor((e.backAt - armedAt) / 1000);
      perSecond[s] = (perSecond[s] ?? 0) + 1;
    }
    const ticketsPerSecond = {};
    for (const t of ticketTimes) {
      const s = Math.floor((t - armedAt) / 1000);
      ticketsPerSecond[s] = (ticketsPerSecond[s] ?? 0) + 1;
    }
    const maxOf = (o) => Math.max(0, ...Object.values(o));
    const allBackMs = back.length ? Math.max(...back.map((e) => e.liveAt - armedAt)) : null;
    return {
      n: entries.length,
      backAndResubscribed: back.length,
      wentDown: entries.filter((e) => e.down).length,
      allBackMs: back.length === entries.length ? allBackMs : null,
      lastBackMs: allBackMs,
      reconnectsPerSecond: perSecond,
      maxShareInOneSecond: back.length ? maxOf(perSecond) / back.length : null,
      ticketRequests: ticketTimes.length,
      ticketsPerSecond,
      peakTicketsPerSecond: maxOf(ticketsPerSecond),
      timedOut: !done(),
    };
  },
  close() {
    for (const e of entries) e.client.disconnect();
    entries = [];
    return {};
  },
});
