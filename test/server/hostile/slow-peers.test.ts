/**
 * Slow and stuck peers (part of the hostile-input suite, see `helpers.ts`): slow-loris requests hit the header
 * deadline, and clients that never read keep the memory they cost bounded.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { SseReader, TestClient, signedQuery, sseUrl, wsUrl } from '../helpers.js';
import { SCOPE, TOPIC, inArena, nextSession } from './helpers.js';

describe('slow and stuck peers', () => {
  it('drops 20 slow-loris connections (WebSocket upgrades and SSE requests) and serves the healthy client meanwhile', async () => {
    await inArena({ headersTimeoutMs: 300 }, async ({ gw, healthy }) => {
      const lorises = Array.from({ length: 20 }, (_, i) => {
        const socket = createConnection(gw.port, '127.0.0.1');
        socket.on('error', () => {});
        socket.resume(); // read the 408, so the closing reaches us
        socket.write(
          i % 2 === 0
            ? `GET /rt?${signedQuery([SCOPE])} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n`
            : `GET /rt/sse?topics=${TOPIC} HTTP/1.1\r\nHost: x\r\nX-Slow: `,
        );
        return once(socket, 'close');
      });
      await healthy.roundTrip();
      await Promise.all(lorises);
    });
  });

  it('does not extend the header deadline for a peer that drips one byte at a time', async () => {
    await inArena({ headersTimeoutMs: 300 }, async ({ gw }) => {
      const socket = createConnection(gw.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.resume();
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\nX-Drip: ');
      let drips = 0;
      const timer = setInterval(() => {
        if (drips++ < 400 && !socket.destroyed) socket.write('a');
      }, 20);
      try {
        await once(socket, 'close');
      } finally {
        clearInterval(timer);
      }
      assert.ok(drips < 400, 'closed while still dripping');
    });
  });

  it('keeps the memory for a WebSocket client that never reads bounded (queued <= queueLimit) while a reader gets everything', async () => {
    const queueLimit = 20;
    await inArena(
      { backpressure: { bufferLimitBytes: 32 * 1024, queueLimit, flushMs: 5 } },
      async ({ gw, healthy }) => {
        const accepted = nextSession(gw);
        const stalled = new TestClient(wsUrl(gw, signedQuery([SCOPE])));
        const session = await accepted;
        await stalled.next('hello');
        stalled.send({ type: 'sub', topic: TOPIC });
        await stalled.next('sub.ok');
        stalled.ws.pause();
        const blob = 'x'.repeat(32 * 1024);
        // Until the kernel buffers are full and the queue has stayed full for 50 more messages (bounded).
        let fullFor = 0;
        for (let i = 0; i < 3000 && fullFor < 50; i++) {
          gw.fanout(TOPIC, { i, blob });
          assert.ok(session.queued <= queueLimit, `queued ${session.queued}`);
          if (session.queued === queueLimit) fullFor += 1;
          const msg = await healthy.next('msg');
          assert.equal((msg.data as { i: number }).i, i, 'the reader gets every message, in order');
        }
        assert.equal(fullFor, 50, 'it did back up');
        assert.ok(session.dropped > 0);
        stalled.ws.terminate();
      },
    );
  });

  it('keeps the memory for an SSE client that never reads bounded too', async () => {
    const queueLimit = 20;
    await inArena(
      { backpressure: { bufferLimitBytes: 32 * 1024, queueLimit, flushMs: 5 } },
      async ({ gw, healthy }) => {
        const accepted = nextSession(gw);
        const stream = new SseReader(sseUrl(gw, `${signedQuery([SCOPE])}&topics=${TOPIC}`));
        const session = await accepted;
        await stream.waitFor(2);
        (stream as unknown as { res: { pause(): void; socket: Socket } }).res.socket.pause();
        const blob = 'y'.repeat(32 * 1024);
        let fullFor = 0;
        for (let i = 0; i < 3000 && fullFor < 50; i++) {
          gw.fanout(TOPIC, { i, blob });
          assert.ok(session.queued <= queueLimit, `queued ${session.queued}`);
          if (session.queued === queueLimit) fullFor += 1;
          await healthy.next('msg');
        }
        assert.equal(fullFor, 50, 'it did back up');
        assert.ok(session.dropped > 0);
        stream.close();
      },
    );
  });
});
