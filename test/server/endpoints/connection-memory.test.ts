/**
 * What an open connection keeps alive. At 10 000 idle connections every byte per connection counts (issue 20,
 * BENCHMARKS.md): an accepted connection must not keep its upgrade request (headers, URL: a few KB) reachable.
 * Checked with a weak reference and full garbage collections.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Gateway } from '../../../server/gateway.js';
import { startGateway, subscribed } from '../helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A macrotask later: a new job, so what a `deref()` kept alive for its job can go. */
const nextJob = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Collects until `ref` is cleared, a bounded number of times. `deref()` keeps its target alive until the job ends,
 * so each look is followed by a new job before the next collection.
 */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 10; i++) {
    await nextJob();
    gc();
    await nextJob();
    if (ref.deref() === undefined) return true;
  }
  return false;
}

describe('an open WebSocket connection', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startGateway();
  });
  after(() => gw.close());

  it('does not keep its upgrade request reachable', async () => {
    const requests: WeakRef<IncomingMessage>[] = [];
    gw.server.prependListener('upgrade', (req: IncomingMessage) => {
      requests.push(new WeakRef(req));
    });
    const client = await subscribed(gw, ['ops.admin'], 'kpis.s2');
    const [request] = requests;
    assert.ok(request, 'the upgrade was seen');
    assert.equal(await collected(request), true, 'the upgrade request is unreachable while the connection is open');
    await client.roundTrip(); // and the connection still works
    await client.close();
  });

  it('shares one frozen scope list among the connections granted the same scopes', async () => {
    const clients = await Promise.all([1, 2, 3].map(() => subscribed(gw, ['ops.admin', 'liveops.admin'], 'kpis.s2')));
    const granted = [...gw.hub.sessions].filter((session) => session.scopes.includes('liveops.admin'));
    assert.equal(granted.length, 3);
    const lists = new Set(granted.map((session) => session.scopes));
    assert.equal(lists.size, 1);
    const [list] = lists;
    assert.deepEqual(list, ['ops.admin', 'liveops.admin']);
    assert.ok(Object.isFrozen(list));
    await Promise.all(clients.map((client) => client.close()));
  });
});
