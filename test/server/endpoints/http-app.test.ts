import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Ticket } from '../../src/protocol/index.js';
import { ticketQuery } from '../../src/protocol/index.js';
import type { Gateway } from '../../server/gateway.js';
import { configureRealtime, createSSEHandler, fanout, getStats, startWebSocketServer } from '../../server/module-api.js';
import { silentLogger } from '../../server/ops/log.js';
import type { NonceStore } from '../../server/admission/nonce-store.js';
import { SECRET, SseReader, TestClient, connect, get, signedQuery, sseUrl, startGateway, subscribed, wsUrl } from './helpers.js';

describe('HTTP routes', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startGateway();
  });
  after(() => gw.close());

  it('GET /health answers 200 with status ok and counters', async () => {
    const res = await get(`${gw.url}/health`);
    assert.equal(res.status, 200);
    const body = JSON.parse(res.body) as Record<string, unknown>;
    assert.equal(body['status'], 'ok');
    assert.deepEqual(body['connections'], { websocket: 0, sse: 0 });
  });

  it('GET /rt/stats follows connections and subscriptions as clients come and go, in the seed shape', async () => {
    const empty = { total: 0, 'kpis.s2': 0, 'liveops.events': 0, 'economy.patch': 0, 'ab.status': 0 };
    assert.deepEqual(JSON.parse((await get(`${gw.url}/rt/stats`)).body), empty);
    const a = await subscribed(gw, ['ops.admin'], 'kpis.s2');
    const b = await subscribed(gw, ['ops.admin', 'liveops.admin'], 'kpis.s2');
    b.send({ type: 'sub', topic: 'liveops.events' });
    await b.next('sub.ok');
    assert.deepEqual(JSON.parse((await get(`${gw.url}/rt/stats`)).body), { ...empty, total: 2, 'kpis.s2': 2, 'liveops.events': 1 });
    const gone = once(gw.hub, 'disconnect');
    await b.close();
    await gone;
    assert.deepEqual(JSON.parse((await get(`${gw.url}/rt/stats`)).body), { ...empty, total: 1, 'kpis.s2': 1 });
    const gone2 = once(gw.hub, 'disconnect');
    await a.close();
    await gone2;
    assert.deepEqual(JSON.parse((await get(`${gw.url}/rt/stats`)).body), empty);
  });

  it('answers unknown paths with a JSON 404 and other methods with 405', async () => {
    const head = await new Promise<number>((resolve) => require_request(sseUrl(gw, `${signedQuery([])}&topics=kpis.s2`), 'HEAD', resolve).end());
    assert.equal(head, 405, 'HEAD on /rt/sse would spend a ticket on a stream nobody reads');
    const missing = await get(`${gw.url}/nope`);
    assert.equal(missing.status, 404);
    assert.deepEqual(JSON.parse(missing.body), { error: 'not_found' });
    const post = await new Promise<number>((resolve) => {
      const req = require_request(`${gw.url}/health`, 'POST', resolve);
      req.end('{}');
    });
    assert.equal(post, 405);
  });

  it('has no ticket endpoint and no dashboard outside demo mode', async () => {
    assert.equal((await get(`${gw.url}/rt/ticket?scopes=ops.admin`)).status, 404);
    assert.equal((await get(`${gw.url}/`)).status, 404);
  });
});

describe('demo mode', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startGateway({ demo: true });
  });
  after(() => gw.close());

  it('signs tickets at /rt/ticket that the gateway accepts for exactly those scopes', async () => {
    const res = await get(`${gw.url}/rt/ticket?scopes=ops.admin,liveops.admin`);
    assert.equal(res.status, 200);
    const ticket = JSON.parse(res.body) as Ticket;
    assert.equal(ticket.scopes, 'ops.admin,liveops.admin');
    assert.match(ticket.sig, /^[0-9a-f]{64}$/);
    const client = new TestClient(wsUrl(gw, ticketQuery(ticket)));
    const hello = await client.next('hello');
    assert.deepEqual(hello.scopes, ['ops.admin', 'liveops.admin']);
    await client.close();
  });

  it('refuses malformed scopes with 400', async () => {
    for (const scopes of ['OPS', 'a,,b', 'a,a']) {
      const res = await get(`${gw.url}/rt/ticket?scopes=${scopes}`);
      assert.equal(res.status, 400);
      assert.deepEqual(JSON.parse(res.body), { error: 'bad_scopes' });
    }
  });

  it('serves the dashboard and refuses paths that leave its folder', async () => {
    const page = await get(`${gw.url}/`);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    for (const path of ['/..%2Fpackage.json', '/%2e%2e/package.json', '/.hidden', '/../server/main.ts']) {
      assert.equal((await get(`${gw.url}${path}`)).status, 404, path);
    }
  });
});

describe('graceful shutdown', () => {
  it('answers 503 on /health and refuses new connections with 1013 while draining', async () => {
    const gw = await startGateway();
    gw.context.draining = true;
    try {
      const health = await get(`${gw.url}/health`);
      assert.equal(health.status, 503);
      assert.equal((JSON.parse(health.body) as { status: string }).status, 'draining');
      const client = new TestClient(wsUrl(gw, signedQuery([])));
      assert.deepEqual(await client.closed, { code: 1013, reason: 'unavailable' });
      const sse = await get(sseUrl(gw, `${signedQuery([])}&topics=kpis.s2`));
      assert.equal(sse.status, 503);
    } finally {
      await gw.close();
    }
  });

  it('closes WebSocket clients with 1012, ends SSE streams and stops listening', async () => {
    const gw = await startGateway();
    const ws = await connect(gw, ['ops.admin']);
    const stream = new SseReader(sseUrl(gw, `${signedQuery(['ops.admin'])}&topics=kpis.s2`));
    await stream.waitFor(2);
    await gw.close();
    assert.deepEqual(await ws.closed, { code: 1012, reason: 'service_restart' });
    await stream.ended;
    await assert.rejects(get(`${gw.url}/health`));
    await gw.close(); // idempotent
  });

  it('never writes to an SSE stream after ending it, even if a fanout follows in the same tick', async () => {
    const gw = await startGateway();
    const stream = new SseReader(sseUrl(gw, `${signedQuery(['ops.admin'])}&topics=kpis.s2`));
    await stream.waitFor(2);
    const closed = gw.close();
    gw.fanout('kpis.s2', { late: true });
    gw.context.heartbeat.tick();
    await closed;
    await stream.ended;
    assert.ok(stream.events.every((e) => e.data.type !== 'msg'));
  });

  it('refuses with 1012 a connection whose ticket was still being checked when shutdown began, and finishes closing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const checking = new Promise<void>((resolve) => (entered = resolve));
    const slowStore: NonceStore = {
      claim: async () => {
        entered();
        await gate;
        return true;
      },
      close: () => Promise.resolve(),
    };
    const gw = await startGateway({ nonceStore: slowStore });
    const client = new TestClient(wsUrl(gw, signedQuery([])));
    await checking;
    const closed = gw.close();
    release();
    assert.deepEqual(await client.closed, { code: 1012, reason: 'service_restart' });
    await closed;
  });

  it('drains on SIGTERM when run as `npm start` does, and exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { ...process.env, PORT: '0', WS_HMAC_SECRET: SECRET, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        const match = /started on \/rt \(http:\/\/127\.0\.0\.1:(\d+)\)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', () => reject(new Error(`gateway exited early: ${output}`)));
    });
    const client = new TestClient(`ws://127.0.0.1:${port}/rt?${signedQuery([])}`);
    await client.next('hello');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    assert.equal((await client.closed).code, 1012);
    const [code] = await exited;
    assert.equal(code, 0);
    assert.doesNotMatch(output, /sig=[0-9a-f]/);
  });

  it('refuses to start outside demo mode without a secret', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
    delete env['WS_HMAC_SECRET'];
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (stderr += c));
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.match(stderr, /WS_HMAC_SECRET or WS_HMAC_KEYS_FILE is required/);
  });
});

describe("the seed's module-level API on an application's own server", () => {
  let server: Server;
  let base: string;
  before(async () => {
    configureRealtime({ logger: silentLogger });
    server = createServer((req, res) => {
      if (req.url?.startsWith('/rt/sse')) return sseHandler(req, res);
      res.writeHead(200).end('app');
    });
    const sseHandler = createSSEHandler(SECRET);
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
    assert.deepEqual(result, { sent: 2, dropped: 0 });
    assert.deepEqual((await ws.next('msg')).data, { crash_free: 99.2, p95_gpu: 15.8 });
    await stream.waitFor(3);
    assert.equal(stream.events.at(-1)?.data.type, 'msg');
    stream.close();
    await ws.close();
  });

  it('leaves upgrades on other paths to the application', async () => {
    const ws = new TestClient(`ws://${base}/other`);
    const status = await new Promise<number>((resolve) => ws.ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    assert.equal(status, 418);
  });

  it('rejects fanout to an unregistered topic and a payload JSON cannot carry', () => {
    assert.throws(() => fanout('no.such.topic', {}), /unknown topic/);
    assert.throws(() => fanout('kpis.s2', undefined), TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assert.throws(() => fanout('kpis.s2', cyclic), TypeError);
  });
});

import { request as httpRequest } from 'node:http';
function require_request(url: string, method: string, done: (status: number) => void) {
  return httpRequest(url, { method }, (res) => {
    res.resume();
    done(res.statusCode ?? 0);
  });
}
