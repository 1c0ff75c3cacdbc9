import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  configureRealtime,
  createPublishHandler,
  createSSEHandler,
  disconnect,
  fanout,
  getStats,
  revoke,
  startWebSocketServer,
} from '../../server/module-api.js';
import { issueTicket } from '../../server/admission/tickets.js';
import { ticketQuery } from '../../src/protocol/index.js';
import { silentLogger } from '../../server/ops/log.js';
import { SECRET, SseReader, TestClient, signedQuery } from './helpers.js';
import { KEYS, publishRequest } from './publish/publish-request.js';

describe("the module-level API on an application's own server", () => {
  let server: Server;
  let base: string;
  before(async () => {
    configureRealtime({ logger: silentLogger });
    server = createServer((req, res) => {
      if (req.url?.startsWith('/rt/sse')) return sseHandler(req, res);
      if (req.url === '/rt/publish') return publishHandler(req, res);
      res.writeHead(200).end('app');
    });
    const sseHandler = createSSEHandler(SECRET);
    const publishHandler = createPublishHandler([KEYS.all, KEYS.liveops]);
    startWebSocketServer(server, SECRET);
    server.on('upgrade', (req, socket) => {
      if (req.url?.startsWith('/other')) socket.end('HTTP/1.1 418 I am a teapot\r\n\r\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves WebSocket and SSE clients from fanout() and reports getStats()', async () => {
    const ws = new TestClient(`ws://${base}/rt?${signedQuery(['ops.admin'])}`);
    await ws.next('hello');
    ws.send({ type: 'sub', topic: 'kpis.s2' });
    await ws.next('sub.ok');
    const stream = new SseReader(`http://${base}/rt/sse?${signedQuery(['ops.admin'])}&topics=kpis.s2`);
    await stream.waitFor(2);
    assert.equal(getStats()['kpis.s2'], 2);
    const result = fanout('kpis.s2', { crash_free: 99.2, p95_gpu: 15.8 });
    assert.deepEqual(result, { sent: 2, dropped: 0, pending: 0 });
    assert.deepEqual((await ws.next('msg')).data, { crash_free: 99.2, p95_gpu: 15.8 });
    await stream.waitFor(3);
    assert.equal(stream.events.at(-1)?.data.type, 'msg');
    stream.close();
    await ws.close();
  });

  it('ends and narrows access: revoke() and disconnect() by subject', async () => {
    const query = ticketQuery(issueTicket(SECRET, ['ops.admin', 'liveops.admin'], { sub: 'u-9', ttlS: 60 }));
    const ws = new TestClient(`ws://${base}/rt?${query}`);
    assert.equal((await ws.next('hello')).expiresIn !== undefined, true);
    ws.send({ type: 'sub', topic: 'liveops.events' });
    await ws.next('sub.ok');
    assert.equal(await revoke({ subject: 'u-9' }, ['liveops.admin']), 1);
    assert.deepEqual(await ws.next('sub.err'), { type: 'sub.err', topic: 'liveops.events', code: 'forbidden' });
    assert.equal(await disconnect({ subject: 'u-9' }, 'offboarded'), 1);
    assert.deepEqual(await ws.closed, { code: 4410, reason: 'offboarded' });
  });

  it('leaves upgrades on other paths to the application', async () => {
    const ws = new TestClient(`ws://${base}/other`);
    const status = await new Promise<number>((resolve) =>
      ws.ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    assert.equal(status, 418);
  });

  it('rejects fanout to an unregistered topic and a payload JSON cannot carry', () => {
    assert.throws(() => fanout('no.such.topic', {}), /unknown topic/);
    assert.throws(() => fanout('kpis.s2', undefined), TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assert.throws(() => fanout('kpis.s2', cyclic), TypeError);
  });

  it('serves POST /rt/publish with createPublishHandler(): a signed publish reaches a subscriber', async () => {
    const client = new TestClient(`ws://${base}/rt?${signedQuery(['liveops.admin'])}`);
    await client.next('hello');
    client.send({ type: 'sub', topic: 'ab.status' });
    await client.next('sub.ok');
    const answer = await publishRequest(`http://${base}`, { topic: 'ab.status', data: { variant: 'B' }, id: 'ab-1' });
    assert.equal(answer.status, 200);
    let msg = await client.next('msg');
    while (msg.seq !== answer.body['seq']) msg = await client.next('msg'); // after the latest one, if any
    assert.deepEqual(msg.data, { variant: 'B' });
    const forbidden = await publishRequest(`http://${base}`, { topic: 'ab.status', data: 1 }, { key: KEYS.liveops });
    assert.equal(forbidden.status, 403);
    await client.close();
  });
});
