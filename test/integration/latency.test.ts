/**
 * Receive latency against the real gateway (v1.3): the page's clock is set an hour behind the gateway's, as on a
 * machine whose clock drifted, and the client still reports delivery time, corrected by the offset the gateway's
 * `hello` gave (`now`), over WebSocket and SSE. Waits are on store changes, never on sleeps.
 */
import { expect } from '@open-wc/testing';
import { createClient } from '../../src/core/client.js';
import type { Client } from '../../src/core/types.js';
import type { HelloFrame } from '../../src/protocol/frames.js';
import { fanout, startGateway, stopGateway, type TestGateway } from '../helpers/commands.js';
import { untilStore } from '../helpers/until.js';

const HOUR = 3_600_000;

describe('receive latency against the real gateway, with a page clock an hour behind', () => {
  let gw: TestGateway;
  let client: Client | undefined;
  const realNow = Date.now;

  beforeEach(async () => {
    gw = await startGateway();
    Date.now = () => realNow() - HOUR; // the page's clock only: the gateway runs in Node
  });
  afterEach(async () => {
    Date.now = realNow;
    client?.disconnect();
    client = undefined;
    await stopGateway(gw);
  });

  for (const transport of ['websocket', 'sse'] as const) {
    it(`reports delivery time, not the skew, over ${transport}`, async () => {
      const hellos: HelloFrame[] = [];
      const c = (client = createClient({
        url: gw.wsUrl,
        scopes: ['ops.admin'],
        auth: `${gw.url}/rt/ticket`,
        transports: [transport],
        logger: (_level, event, data) =>
          event === 'frame.in' && (data as HelloFrame).type === 'hello' && hellos.push(data as HelloFrame),
      }));
      const kpis = c.topic<number>('kpis.s2');
      await untilStore(kpis, (s) => s.status === 'live');
      // The gateway said what its clock read: an hour ahead of this page's.
      const [hello] = hellos;
      expect(hello?.now).to.be.a('number');
      expect(hello!.now! - Date.now()).to.be.within(HOUR - 60_000, HOUR + 60_000);
      await fanout(gw, 'kpis.s2', 1);
      await untilStore(kpis, (s) => s.seq === 1);
      const { latencyMs } = c.status.get().stats;
      // Uncorrected it would read about an hour; corrected, the delivery on this machine (bounded loosely).
      expect(latencyMs).to.be.a('number').within(0, 60_000);
    });
  }
});
