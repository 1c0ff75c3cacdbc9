/**
 * The WebSocket transport in Node with `ws` injected: `ws` emits `'error'` (an unreachable gateway, a socket
 * closed while still connecting) and an `'error'` without a listener would crash the process. The client must
 * stay alive, report the close and retry.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { createGateway, type Gateway } from '../../server/index.js';
import { createClient } from '../../src/core/client.js';
import type { Client, ClientOptions } from '../../src/core/types.js';
import type { Ticket } from '../../src/protocol/ticket.js';
import { untilStore } from '../helpers/until.js';

const WS = WebSocket as unknown as typeof globalThis.WebSocket;

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let nonces = 0;
const fakeTicket = async (scopes: readonly string[]): Promise<Ticket> => ({
  ts: Math.floor(Date.now() / 1000),
  nonce: (++nonces).toString(16).padStart(16, '0'),
  scopes: scopes.join(','),
  sig: 'a'.repeat(64),
});

describe('WebSocket transport with ws in Node', () => {
  let gw: Gateway;
  let client: Client | undefined;
  const make = (options: Partial<ClientOptions> & { url: string }): Client =>
    (client = createClient({
      auth: fakeTicket,
      WebSocket: WS,
      transports: ['websocket'],
      minDelay: 5,
      maxDelay: 20,
      ...options,
    }));

  before(async () => {
    gw = await createGateway({ secret: 'test-secret', port: 0, host: '127.0.0.1', demo: true, logLevel: 'silent' });
  });
  after(async () => {
    client?.disconnect();
    await gw.close();
  });

  it('stays alive and keeps retrying when the gateway is unreachable (ECONNREFUSED)', async () => {
    const closes: number[] = [];
    const c = make({
      url: `ws://127.0.0.1:${await closedPort()}/rt`,
      logger: (_level, event, data) => {
        if (event === 'close') closes.push((data as { code: number }).code);
      },
    });
    const s = await untilStore(c.status, (v) => v.stats.reconnectCount >= 3);
    assert.equal(s.error, null);
    assert.notEqual(s.state, 'closed');
    assert.ok(closes.length >= 3);
    assert.ok(closes.every((code) => code === 1006));
    c.disconnect();
    assert.equal(c.status.get().state, 'closed');
  });

  it('does not crash when disconnect() is called while the socket is still connecting', async () => {
    const c = make({ url: `ws://127.0.0.1:${gw.port}/rt`, auth: `${gw.url}/rt/ticket` });
    await untilStore(c.status, (v) => v.transport === 'websocket'); // the socket exists and is CONNECTING
    c.disconnect();
    assert.equal(c.status.get().state, 'closed');
    // ws aborts the handshake and emits 'error' on a later tick: a fresh client still connects afterwards.
    const d = make({ url: `ws://127.0.0.1:${gw.port}/rt`, auth: `${gw.url}/rt/ticket` });
    await untilStore(d.status, (v) => v.state === 'open');
    d.disconnect();
  });

  it('does not crash when the hello deadline closes a socket that never said hello', async () => {
    // A TCP server that accepts and never answers the upgrade: the socket stays CONNECTING until the timeout.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const closes: string[] = [];
    try {
      const c = make({
        url: `ws://127.0.0.1:${(silent.address() as { port: number }).port}/rt`,
        helloTimeout: 60,
        logger: (_level, event, data) => {
          if (event === 'close') closes.push((data as { reason: string }).reason);
        },
      });
      const { error } = await untilStore(c.status, (v) => v.stats.reconnectCount >= 2);
      assert.ok(closes.includes('timeout'));
      assert.match(error?.reason ?? '', /did not answer as a Lydian gateway: no hello in 60 ms$/);
      c.disconnect();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
