import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ticketQuery } from '../../src/protocol/index.js';
import { issueTicket } from '../../server/admission/tickets.js';
import type { Session } from '../../server/delivery/session.js';
import { KeyRing, watchKeyFile } from '../../server/admission/keyring.js';
import { createLogger } from '../../server/ops/log.js';
import { FakeClock, SECRET, TestClient, connect, get, signedQuery, sseUrl, startGateway, subscribed, wsUrl } from './helpers.js';

describe('rate limits', () => {
  it('refuses connection attempts beyond the per-IP burst with 4429 on WebSocket and 429 + Retry-After on SSE', async () => {
    const gw = await startGateway({ rateLimits: { connectionsPerIp: { burst: 3, perSecond: 0.01 }, framesPerConnection: false } });
    try {
      const first = await connect(gw, []);
      await (await connect(gw, [])).close();
      await (await connect(gw, [])).close();
      const refused = new TestClient(wsUrl(gw, signedQuery([])));
      assert.deepEqual(await refused.closed, { code: 4429, reason: 'rate_limited' });
      const sse = await get(sseUrl(gw, `${signedQuery([])}&topics=kpis.s2`));
      assert.equal(sse.status, 429);
      assert.deepEqual(JSON.parse(sse.body), { error: 'rate_limited' });
      assert.match(String(sse.headers['retry-after']), /^[1-9][0-9]*$/);
      await first.roundTrip(); // a connected client is still served
      await first.close();
    } finally {
      await gw.close();
    }
  });

  it('ignores frames beyond the per-connection rate with one error frame, then closes sustained abuse with 4429', async () => {
    const gw = await startGateway({ rateLimits: { connectionsPerIp: false, framesPerConnection: { burst: 5, perSecond: 0.01 } } });
    try {
      const client = await connect(gw, []);
      for (let i = 0; i < 6; i++) client.send({ type: 'ping' });
      for (let i = 0; i < 5; i++) assert.equal((await client.next()).type, 'pong');
      assert.deepEqual(await client.next(), { type: 'error', code: 'rate_limited', message: 'too many frames; slow down' });
      for (let i = 0; i < 10; i++) client.send({ type: 'ping' });
      assert.deepEqual(await client.closed, { code: 4429, reason: 'rate_limited' });
      assert.deepEqual(client.pending(), [], 'ignored frames got no answer');
    } finally {
      await gw.close();
    }
  });

  it('closes with 4429 a client that keeps sending at twice the rate, warning at most once a second', async () => {
    const clock = new FakeClock();
    const gw = await startGateway({ clock, rateLimits: { connectionsPerIp: false, framesPerConnection: { burst: 10, perSecond: 10 } } });
    try {
      const client = await connect(gw, []);
      let closed = false;
      void client.closed.then(() => (closed = true));
      let second = 0;
      // Bounded: at 2× the rate the violation budget (10, refilling 2.5/s) is gone within a few seconds.
      for (; !closed && second < 30; second++) {
        for (let i = 0; i < 20; i++) client.send({ type: 'ping' });
        await client.next('pong').catch(() => undefined); // the in-rate half is answered
        clock.advance(1000);
      }
      assert.deepEqual(await client.closed, { code: 4429, reason: 'rate_limited' });
      const warnings = client.pending().filter((f) => f.type === 'error');
      assert.ok(warnings.length <= second, `${warnings.length} warnings in ${second} s`);
      assert.ok(warnings.every((f) => f.type === 'error' && f.code === 'rate_limited'));
    } finally {
      await gw.close();
    }
  });

  it('caps the topics one connection may hold with sub.err too_many', async () => {
    const gw = await startGateway({ rateLimits: { connectionsPerIp: false, framesPerConnection: false, maxSubscriptions: 2 } });
    try {
      const client = await connect(gw, ['ops.admin', 'liveops.admin']);
      for (const topic of ['kpis.s2', 'liveops.events']) {
        client.send({ type: 'sub', topic });
        await client.next('sub.ok');
      }
      client.send({ type: 'sub', topic: 'ab.status' });
      assert.deepEqual(await client.next('sub.err'), { type: 'sub.err', topic: 'ab.status', code: 'too_many' });
      client.send({ type: 'sub', topic: 'kpis.s2' }); // a topic it already holds is fine
      assert.equal((await client.next('sub.ok')).topic, 'kpis.s2');
      await client.close();
    } finally {
      await gw.close();
    }
  });

  it('refuses connections beyond the global cap with 1013', async () => {
    const gw = await startGateway({ rateLimits: { connectionsPerIp: false, framesPerConnection: false, maxConnections: 2 } });
    try {
      const a = await connect(gw, []);
      const b = await connect(gw, []);
      const third = new TestClient(wsUrl(gw, signedQuery([])));
      assert.deepEqual(await third.closed, { code: 1013, reason: 'unavailable' });
      await Promise.all([a.close(), b.close()]);
    } finally {
      await gw.close();
    }
  });

  it('counts every hit in /metrics', async () => {
    const gw = await startGateway({ rateLimits: { connectionsPerIp: { burst: 1, perSecond: 0.01 }, framesPerConnection: false } });
    try {
      await (await connect(gw, [])).close();
      await new TestClient(wsUrl(gw, signedQuery([]))).closed;
      const metrics = (await get(`${gw.url}/metrics`)).body;
      assert.match(metrics, /rt_rate_limit_hits_total\{kind="connections_per_ip",transport="websocket"\} 1/);
      assert.match(metrics, /rt_refusals_total\{reason="rate_limited",transport="websocket"\} 1/);
    } finally {
      await gw.close();
    }
  });
});

describe('key rotation', () => {
  const previous = { kid: 'k1', secret: 'previous-secret-0123456789' };
  const current = { kid: 'k2', secret: 'current-secret-0123456789' };
  const query = (key: { kid?: string; secret: string }, kid = key.kid) =>
    ticketQuery(issueTicket(key.secret, [], kid === undefined ? {} : { kid }));

  it('accepts tickets of the current and the previous key, refuses an unknown kid, and follows a replaced ring', async () => {
    const keys = new KeyRing([current, previous]);
    const gw = await startGateway({ keys });
    try {
      for (const q of [query(current), query(previous), query(current, undefined)]) {
        const c = new TestClient(wsUrl(gw, q));
        await c.next('hello');
        await c.close();
      }
      assert.deepEqual(await new TestClient(wsUrl(gw, query({ kid: 'k0', secret: 'x' }))).closed, { code: 4401, reason: 'unknown_kid' });
      assert.deepEqual(await new TestClient(wsUrl(gw, query({ kid: 'k1', secret: 'forged' }))).closed, { code: 4401, reason: 'bad_sig' });

      const connected = new TestClient(wsUrl(gw, query(previous)));
      await connected.next('hello');
      keys.replace([{ kid: 'k3', secret: 'next-secret-0123456789' }, current]); // k1 retired
      assert.deepEqual(await new TestClient(wsUrl(gw, query(previous))).closed, { code: 4401, reason: 'unknown_kid' });
      await connected.roundTrip(); // rotation drops no connected client
      await connected.close();
      const demoTicket = issueTicket(keys.current.secret, [], { kid: keys.current.kid as string });
      assert.equal(demoTicket.kid, 'k3');
    } finally {
      await gw.close();
    }
  });

  it('reloads the key file on SIGHUP, and keeps the old keys when the file is malformed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-keys-'));
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ keys: [previous] }));
    const ring = new KeyRing([previous]);
    const lines: string[] = [];
    let notify: (() => void) | undefined;
    const sink = { error: (l: string) => (lines.push(l), notify?.()), warn: () => {}, info: (l: string) => (lines.push(l), notify?.()), debug: () => {} };
    const next = () => new Promise<void>((resolve) => (notify = resolve));
    const stop = watchKeyFile(file, ring, createLogger('info', sink), 60_000);
    const keepAlive = setInterval(() => {}, 1000); // the watcher itself never keeps a process alive
    try {
      let changed = next();
      writeFileSync(file, JSON.stringify({ keys: [current, previous] }));
      process.emit('SIGHUP', 'SIGHUP');
      await changed;
      assert.deepEqual(ring.kids, ['k2', 'k1']);
      assert.match(lines.at(-1) ?? '', /Keys reloaded/);
      changed = next();
      writeFileSync(file, '{"keys": "oops", "x": 1}');
      process.emit('SIGHUP', 'SIGHUP');
      await changed;
      assert.match(lines.at(-1) ?? '', /Key file rejected/);
      assert.deepEqual(ring.kids, ['k2', 'k1']);
      assert.doesNotMatch(lines.join('\n'), /current-secret|previous-secret/, 'secrets never reach the log');
    } finally {
      clearInterval(keepAlive);
      stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a ring of several keys where one has no kid, or a repeated kid', () => {
    assert.throws(() => new KeyRing([current, { secret: 'x' }]), TypeError);
    assert.throws(() => new KeyRing([current, { kid: 'k2', secret: 'y' }]), TypeError);
    assert.throws(() => new KeyRing([]), TypeError);
  });
});

describe('TLS', () => {
  it('serves https and wss with the given certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-tls-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
      const cert = readFileSync(join(dir, 'cert.pem'));
      const gw = await startGateway({ tls: { cert, key: readFileSync(join(dir, 'key.pem')) } });
      try {
        assert.match(gw.url, /^https:\/\//);
        const status = await new Promise<number>((resolve, reject) => {
          httpsRequest(`${gw.url}/health`, { ca: cert }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          }).on('error', reject).end();
        });
        assert.equal(status, 200);
        const client = new TestClient(`${gw.url.replace('https', 'wss')}/rt?${signedQuery([])}`, { ca: cert });
        await client.next('hello');
        await client.close();
        const untrusted = new TestClient(`${gw.url.replace('https', 'wss')}/rt?${signedQuery([])}`);
        assert.equal((await untrusted.closed).code, 1006, 'a client that does not trust the certificate cannot connect');
      } finally {
        await gw.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('observability', () => {
  it('exposes connections, subscribers, messages, fanout latency and refusals in Prometheus format', async () => {
    const gw = await startGateway();
    try {
      const client = await subscribed(gw, ['ops.admin'], 'kpis.s2');
      gw.fanout('kpis.s2', { crash_free: 99 });
      await client.next('msg');
      await new TestClient(wsUrl(gw, signedQuery([], { secret: 'wrong' }))).closed;
      client.send({ type: 'sub', topic: 'economy.patch' });
      await client.next('sub.err');
      const res = await get(`${gw.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /text\/plain/);
      for (const line of [
        /rt_connections\{transport="websocket"\} 1/,
        /rt_subscribers\{topic="kpis.s2"\} 1/,
        /rt_messages_sent_total 1/,
        /rt_messages_dropped_total 0/,
        /rt_fanout_duration_seconds_count 1/,
        /rt_refusals_total\{reason="bad_sig",transport="websocket"\} 1/,
        /rt_subscribe_refusals_total\{code="forbidden"\} 1/,
        /rt_process_resident_memory_bytes/,
      ]) {
        assert.match(res.body, line);
      }
      await client.close();
    } finally {
      await gw.close();
    }
  });

  it('puts /rt/stats and /metrics behind a bearer token when one is set', async () => {
    const gw = await startGateway({ statsToken: 's3cret-token' });
    try {
      for (const path of ['/rt/stats', '/metrics']) {
        const anonymous = await get(`${gw.url}${path}`);
        assert.equal(anonymous.status, 401);
        assert.deepEqual(JSON.parse(anonymous.body), { error: 'unauthorized' });
        assert.equal((await get(`${gw.url}${path}`, { authorization: 'Bearer wrong' })).status, 401);
        assert.equal((await get(`${gw.url}${path}`, { authorization: 'Bearer s3cret-token' })).status, 200);
        assert.equal((await get(`${gw.url}${path}`, { authorization: 'bearer s3cret-token' })).status, 200, 'the scheme is case-insensitive');
      }
      assert.equal((await get(`${gw.url}/health`)).status, 200, 'health checks need no token');
      await assert.rejects(startGateway({ statsToken: '' }), TypeError, 'an empty token would let an empty bearer in');
    } finally {
      await gw.close();
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
      for (let i = 0; i < 2000 && stalled.queued === 0; i++) gw.fanout('economy.patch', { blob: 'x'.repeat(32 * 1024) });
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

void SECRET;
