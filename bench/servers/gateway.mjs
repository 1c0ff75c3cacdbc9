// Lydian's gateway under test, in-memory engine. BENCH_GATEWAY_DIR points at another copy of `server/`
// (a prototype under /tmp) to compare a change against the tree's gateway in the same harness.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SECRET } from '../lib/common.mjs';
import { runServer } from './harness.mjs';

const dir = process.env.BENCH_GATEWAY_DIR ?? new URL('../../server', import.meta.url).pathname;
const { createGateway } = await import(pathToFileURL(resolve(dir, 'gateway.ts')).href);
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
