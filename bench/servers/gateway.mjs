// Lydian's gateway under test, in-memory engine: the package as it ships (tsc's output, which run.mjs builds
// into server/dist first), or with BENCH_GATEWAY_DIR another copy of `server/` (TypeScript sources, or a build)
// to compare a change against the tree's gateway in the same harness.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SCOPES, SECRET } from '../lib/common.mjs';
import { runServer } from './harness.mjs';

const dir = process.env.BENCH_GATEWAY_DIR ?? new URL('../../server', import.meta.url).pathname;
// Built JavaScript when the directory holds it: tsx's transform (names kept on every function) is not what runs.
const ext = existsSync(resolve(dir, 'gateway.js')) ? '.js' : '.ts';
const module = (path) => pathToFileURL(resolve(dir, path + ext)).href;
const { createGateway } = await import(module('gateway'));
// Every bench client comes from 127.0.0.1: the per-IP attempt limit (meant for one browser, 30 at once then
// 10/s) would refuse all but a trickle. Real clients arrive from many addresses; the limit is off here only.
const options = { secret: SECRET, logLevel: 'silent', rateLimits: { connectionsPerIp: false } };
let gw = await createGateway({ ...options, port: 0 });
const port = gw.port;

runServer({
  name: 'gateway',
  getPort: () => port,
  broadcast(topic, data) {
    gw.fanout(topic, data);
  },
  extra: {
    dir: () => dir,
    health: () => gw.hub.counters(),
    stats: () => gw.hub.stats(),
    ticketCost,
    /** Graceful shutdown (1012 to every client), then a new gateway on the same port: a deploy. */
    async restart({ downMs = 0 }) {
      const t0 = Date.now();
      await gw.close();
      const closedMs = Date.now() - t0;
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      gw = await createGateway({ ...options, port });
      return { closedMs, upAfterMs: Date.now() - t0 };
    },
  },
});

/**
 * What verifying one connection ticket costs on this core: `count` tickets issued first (not timed), then each
 * parsed from its query, its HMAC checked and its nonce claimed, as `/rt` does before the upgrade. µs per ticket.
 */
async function ticketCost({ count = 2000 }) {
  const { issueTicket, verifyTicket } = await import(module('admission/tickets'));
  const { MemoryNonceStore } = await import(module('admission/nonce-store'));
  const { ticketQuery } = await import('../../src/protocol/ticket.ts');
  const n = Math.max(1, Math.min(20_000, count));
  const queries = Array.from({ length: n }, () => new URLSearchParams(ticketQuery(issueTicket(SECRET, SCOPES))));
  const nonces = new MemoryNonceStore();
  const check = { secret: SECRET, nonces, now: Date.now };
  const warm = Math.ceil(n / 10); // the first tenth untimed: compiled code, not the first calls, is what a busy gateway runs
  let ok = 0;
  for (const q of queries.slice(0, warm)) if ((await verifyTicket(q, check)).ok) ok += 1;
  const t0 = performance.now();
  for (const q of queries.slice(warm)) if ((await verifyTicket(q, check)).ok) ok += 1;
  const ms = performance.now() - t0;
  await nonces.close();
  return { count: n, ok, usPerTicket: (ms * 1000) / Math.max(1, n - warm) };
}
