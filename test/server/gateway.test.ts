import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { NonceStore } from '../../server/admission/nonce-store.js';
import type { Session } from '../../server/delivery/session.js';
import {
  FakeClock,
  SECRET,
  SseReader,
  TestClient,
  connect,
  get,
  signedQuery,
  sseUrl,
  startGateway,
  subscribed,
  wsUrl,
} from './helpers.js';

describe('TLS', () => {
  it('serves https and wss with the given certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const cert = readFileSync(join(dir, 'cert.pem'));
      const gw = await startGateway({ tls: { cert, key: readFileSync(join(dir, 'key.pem')) } });
      try {
        assert.match(gw.url, /^https:\/\//);
        const status = await new Promise<number>((resolve, reject) => {
          httpsRequest(`${gw.url}/health`, { ca: cert }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
            .on('error', reject)
            .end();
        });
        assert.equal(status, 200);
        const client = new TestClient(`${gw.url.replace('https', 'wss')}/rt?${signedQuery([])}`, { ca: cert });
        await client.next('hello');
        await client.close();
        const untrusted = new TestClient(`${gw.url.replace('https', 'wss')}/rt?${signedQuery([])}`);
        assert.equal(
          (await untrusted.closed).code,
          1006,
          'a client that does not trust the certificate cannot connect',
        );
      } finally {
        await gw.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('slow and stuck peers', () => {
  it('drops a connection that never finishes its request headers (slow-loris), and keeps serving others', async () => {
    const gw = await startGateway({ headersTimeoutMs: 200 });
    try {
      const { port } = new URL(gw.url);
      const loris = createConnection(Number(port), '127.0.0.1');
      loris.on('error', () => {});
      loris.resume(); // read what the gateway answers (a 408), so its closing reaches us
      loris.write('GET /rt?ts=1 HTTP/1.1\r\nHost: x\r\nX-Slow: '); // and never the rest
      await once(loris, 'close');
      const healthy = await connect(gw, []);
      await healthy.roundTrip();
      await healthy.close();
    } finally {
      await gw.close();
    }
  });

  it('closes with 4408 a peer whose queue stays backed up for the whole connection timeout', async () => {
    const clock = new FakeClock();
    const gw = await startGateway({ clock, backpressure: { bufferLimitBytes: 16 * 1024, queueLimit: 50, flushMs: 5 } });
    try {
      const session = new Promise<Session>((resolve) => gw.hub.once('connect', resolve));
      const client = await subscribed(gw, ['economy.admin'], 'economy.patch');
      const stalled = await session;
      client.ws.pause();
      for (let i = 0; i < 2000 && stalled.queued === 0; i++)
        gw.fanout('economy.patch', { blob: 'x'.repeat(32 * 1024) });
      assert.ok(stalled.queued > 0, 'backed up');
      gw.context.heartbeat.tick();
      clock.advance(15_000);
      gw.context.heartbeat.tick();
      assert.equal(stalled.isClosed, false, 'backed up for less than the timeout');
      clock.advance(15_000);
      client.send({ type: 'pong' }); // it still talks, so it is not silent: only backed up
      await new Promise((resolve) => setImmediate(resolve));
      gw.context.heartbeat.tick();
      assert.equal(stalled.isClosed, true, 'closed after 30 s backed up');
      client.ws.terminate();
    } finally {
      await gw.close();
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
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (stderr += c));
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.match(stderr, /WS_HMAC_SECRET or WS_HMAC_KEYS_FILE is required/);
  });
});
