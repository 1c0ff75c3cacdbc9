/**
 * The core in Node: importing it without a DOM does not throw (SSR), and with an injected WebSocket (`ws`) it
 * talks to the real gateway, end to end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { createGateway, type Gateway } from '../../server/index.js';

describe('in Node', () => {
  let gw: Gateway;
  before(async () => {
    gw = await createGateway({ secret: 'test-secret', port: 0, host: '127.0.0.1', demo: true, logLevel: 'silent' });
  });
  after(() => gw.close());

  it('imports without window, document or navigator', async () => {
    assert.equal(typeof (globalThis as { window?: unknown }).window, 'undefined');
    const core = await import('../../src/index.js');
    assert.equal(typeof core.createClient, 'function');
  });

  it('connects with an injected WebSocket, signs with the secret, subscribes and receives', async (t) => {
    const { createClient } = await import('../../src/index.js');
    // Signing in the page is for development only, and the client says so once (restored after the test).
    const warn = t.mock.method(console, 'warn', () => {});
    const client = createClient({
      url: `ws://127.0.0.1:${gw.port}/rt`,
      secret: 'test-secret',
      scopes: ['ops.admin'],
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      transports: ['websocket'],
    });
    const kpis = client.topic<{ crash_free: number }>('kpis.s2');
    const live = new Promise<void>((resolve) => {
      kpis.subscribe((s) => {
        if (s.status === 'live') resolve();
      });
    });
    await live;
    const received = new Promise<number>((resolve) => {
      kpis.listen((s) => {
        if (s.data) resolve(s.data.crash_free);
      });
    });
    gw.fanout('kpis.s2', { crash_free: 99.2 });
    assert.equal(await received, 99.2);
    assert.equal(client.status.get().transport, 'websocket');
    // No tabs to share with here (no document, BroadcastChannel or Web Locks): a connection of its own, as before.
    assert.equal(client.status.get().shared, null);
    client.disconnect();
    assert.equal(client.status.get().state, 'closed');
    // Once, and nothing else: the connection itself had nothing to warn about.
    assert.deepEqual(
      warn.mock.calls.map((c) => c.arguments),
      [['[lydian] `secret` signs tickets in the page: for development only']],
    );
  });
});
