import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { connectBody, ticketQuery } from '../../../src/protocol/index.js';
import { issueTicket, sign } from '../../../server/admission/tickets.js';
import type { Gateway } from '../../../server/gateway.js';
import { SECRET, TestClient, connect, signedQuery, startGateway, subscribed, wsUrl } from '../helpers.js';

/** Connects with a raw query and returns how the gateway closed the socket. */
async function refusal(gw: Gateway, query: string, options: WebSocket.ClientOptions = {}) {
  const client = new TestClient(wsUrl(gw, query), options);
  const closed = await client.closed;
  assert.equal(client.pending().length, 0, 'a refused connection receives no frame');
  return closed;
}

/** A valid ticket's query with one parameter replaced. */
function withParam(name: string, value: string | null): string {
  const query = new URLSearchParams(signedQuery(['ops.admin']));
  if (value === null) query.delete(name);
  else query.set(name, value);
  return query.toString();
}

describe('WebSocket endpoint', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startGateway();
  });
  after(() => gw.close());

  describe('accepting a connection', () => {
    it('greets with hello carrying the id, the granted scopes and the heartbeat interval', async () => {
      const client = new TestClient(wsUrl(gw, signedQuery(['ops.admin', 'liveops.admin'])));
      const hello = await client.next();
      assert.equal(hello.type, 'hello');
      assert.ok(hello.type === 'hello');
      assert.equal(hello.v, 1);
      assert.match(hello.id, /^[A-Za-z0-9_-]+$/);
      assert.deepEqual(hello.scopes, ['ops.admin', 'liveops.admin']);
      assert.equal(hello.heartbeatMs, 15_000);
      await client.close();
    });

    it('answers sub with sub.ok, then the retained message, then live messages in seq order', async () => {
      gw.fanout('kpis.s2', { crash_free: 99.1 });
      const client = await connect(gw, ['ops.admin']);
      client.send({ type: 'sub', topic: 'kpis.s2' });
      const ok = await client.next();
      assert.equal(ok.type, 'sub.ok');
      assert.ok(ok.type === 'sub.ok');
      const retained = await client.next();
      assert.ok(retained.type === 'msg');
      assert.equal(retained.seq, ok.seq);
      assert.deepEqual(retained.data, { crash_free: 99.1 });
      const result = gw.fanout('kpis.s2', { crash_free: 99.3 });
      assert.ok(result.sent >= 1);
      const live = await client.next();
      assert.ok(live.type === 'msg');
      assert.equal(live.topic, 'kpis.s2');
      assert.equal(live.seq, ok.seq + 1);
      assert.deepEqual(live.data, { crash_free: 99.3 });
      assert.equal(typeof live.ts, 'number');
      await client.close();
    });

    it('answers ping with pong', async () => {
      const client = await connect(gw, []);
      client.send({ type: 'ping' });
      assert.equal((await client.next()).type, 'pong');
      await client.close();
    });
  });

  describe('refusing a ticket (close 4401 with the reason)', () => {
    const cases: [string, () => string, string][] = [
      ['no ticket at all', () => '', 'missing_param'],
      ['a missing sig', () => withParam('sig', null), 'missing_param'],
      ['a missing scopes parameter', () => withParam('scopes', null), 'missing_param'],
      ['a ts with a junk suffix', () => withParam('ts', '1700000000abc'), 'bad_ts'],
      ['a ts in milliseconds', () => withParam('ts', String(Date.now())), 'bad_ts'],
      ['a ts in exponent notation', () => withParam('ts', '1e9'), 'bad_ts'],
      ['an uppercase signature', () => withParam('sig', 'A'.repeat(64)), 'bad_param'],
      ['a short nonce', () => withParam('nonce', 'abc'), 'bad_param'],
      ['a repeated parameter', () => `${signedQuery(['ops.admin'])}&scopes=ops.admin`, 'bad_param'],
      ['a ts out of the window', () => signedQuery(['ops.admin'], { nowMs: Date.now() - 301_000 }), 'stale_ts'],
      ['a ticket signed with another secret', () => signedQuery(['ops.admin'], { secret: 'other' }), 'bad_sig'],
      ['an unknown kid', () => signedQuery(['ops.admin'], { kid: 'k2' }), 'unknown_kid'],
    ];
    for (const [name, query, reason] of cases) {
      it(`refuses ${name} with ${reason}`, async () => {
        assert.deepEqual(await refusal(gw, query()), { code: 4401, reason });
      });
    }

    it('refuses a ticket whose scopes were tampered with (the scopes are signed)', async () => {
      const ticket = issueTicket(SECRET, ['ops.admin']);
      const tampered = ticketQuery({ ...ticket, scopes: 'ops.admin,economy.admin' });
      assert.deepEqual(await refusal(gw, tampered), { code: 4401, reason: 'bad_sig' });
    });

    it('refuses the seed-style ticket that signed something other than the scopes', async () => {
      const { ts, nonce, sig } = sign('connect', SECRET);
      assert.deepEqual(await refusal(gw, `ts=${ts}&nonce=${nonce}&sig=${sig}&scopes=ops.admin`), {
        code: 4401,
        reason: 'bad_sig',
      });
      assert.equal(connectBody('ops.admin'), 'connect:ops.admin');
    });

    it('refuses a ticket used a second time with replay', async () => {
      const query = signedQuery(['ops.admin']);
      const first = new TestClient(wsUrl(gw, query));
      await first.next('hello');
      assert.deepEqual(await refusal(gw, query), { code: 4401, reason: 'replay' });
      await first.close();
    });

    it('lets exactly one of two concurrent connections with the same ticket in', async () => {
      const query = signedQuery(['ops.admin']);
      const clients = [new TestClient(wsUrl(gw, query)), new TestClient(wsUrl(gw, query))];
      const outcomes = await Promise.all(
        clients.map((c) => Promise.race([c.next('hello').then(() => 'hello'), c.closed.then((x) => x.reason)])),
      );
      assert.deepEqual(outcomes.sort(), ['hello', 'replay']);
      await Promise.all(clients.map((c) => c.close()));
    });

    it('does not crash on signatures of every length and alphabet', async () => {
      for (const sig of ['', '0', 'z'.repeat(64), '0'.repeat(63), '0'.repeat(65), '0'.repeat(128)]) {
        const closed = await refusal(gw, withParam('sig', sig));
        assert.equal(closed.code, 4401);
      }
      const healthy = await connect(gw, []);
      await healthy.close();
    });
  });

  describe('checking the Origin', () => {
    it('closes with 4403 when the Origin is not on the allowlist, and accepts listed or absent origins', async () => {
      const strict = await startGateway({ allowedOrigins: ['https://app.example.com'] });
      try {
        assert.deepEqual(await refusal(strict, signedQuery([]), { origin: 'https://app.example.com.evil.com' }), {
          code: 4403,
          reason: 'forbidden_origin',
        });
        const listed = new TestClient(wsUrl(strict, signedQuery([])), { origin: 'https://APP.example.com' });
        await listed.next('hello');
        await listed.close();
        const serverSide = new TestClient(wsUrl(strict, signedQuery([])));
        await serverSide.next('hello');
        await serverSide.close();
      } finally {
        await strict.close();
      }
    });
  });

  describe('subscriptions', () => {
    it('refuses a topic the scopes do not cover with sub.err forbidden, and keeps serving the others', async () => {
      const client = await connect(gw, ['ops.admin']);
      client.send({ type: 'sub', topic: 'economy.patch' });
      assert.deepEqual(await client.next(), { type: 'sub.err', topic: 'economy.patch', code: 'forbidden' });
      client.send({ type: 'sub', topic: 'kpis.s2' });
      assert.equal((await client.next('sub.ok')).topic, 'kpis.s2');
      await client.close();
    });

    for (const topic of ['nope', '__proto__', 'constructor', 'total']) {
      it(`answers unknown_topic for ${topic}`, async () => {
        const client = await connect(gw, ['ops.admin']);
        client.send({ type: 'sub', topic });
        assert.deepEqual(await client.next(), { type: 'sub.err', topic, code: 'unknown_topic' });
        await client.close();
      });
    }

    it('answers bad_request for a malformed topic name or since', async () => {
      const client = await connect(gw, ['ops.admin']);
      client.send({ type: 'sub', topic: 'KPIS' });
      assert.deepEqual(await client.next(), { type: 'sub.err', topic: 'KPIS', code: 'bad_request' });
      client.send({ type: 'sub', topic: 'kpis.s2', since: -1 });
      assert.deepEqual(await client.next(), { type: 'sub.err', topic: 'kpis.s2', code: 'bad_request' });
      await client.close();
    });

    it('requires every scope a topic lists', async () => {
      gw.registerTopic('ops.secret', { scopes: ['ops.admin', 'security.admin'] });
      const partial = await connect(gw, ['ops.admin']);
      partial.send({ type: 'sub', topic: 'ops.secret' });
      assert.equal((await partial.next()).type, 'sub.err');
      const full = await connect(gw, ['ops.admin', 'security.admin']);
      full.send({ type: 'sub', topic: 'ops.secret' });
      assert.equal((await full.next()).type, 'sub.ok');
      await Promise.all([partial.close(), full.close()]);
    });

    it('stops delivering after unsub.ok', async () => {
      const client = await subscribed(gw, ['liveops.admin'], 'ab.status');
      client.send({ type: 'unsub', topic: 'ab.status' });
      assert.deepEqual(await client.next('unsub.ok'), { type: 'unsub.ok', topic: 'ab.status' });
      assert.equal(gw.fanout('ab.status', { experiment: 'x' }).sent, 0);
      await client.roundTrip();
      assert.deepEqual(client.pending(), []);
      await client.close();
    });
  });

  describe('bad frames', () => {
    it('answers invalid JSON, non-objects and unknown types with an error frame and stays up', async () => {
      const client = await connect(gw, []);
      client.send('{nope');
      assert.deepEqual(await client.next(), { type: 'error', code: 'bad_json', message: 'frame is not valid JSON' });
      client.send('[1,2]');
      assert.equal((await client.next('error')).code, 'bad_json');
      client.send({ type: 'teleport' });
      assert.equal((await client.next('error')).code, 'bad_frame');
      client.send('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['.repeat(500));
      assert.equal((await client.next('error')).code, 'bad_json');
      await client.roundTrip();
      await client.close();
    });

    it('answers a binary frame with binary_frame', async () => {
      const client = await connect(gw, []);
      client.send(Buffer.from('{"type":"ping"}'), true);
      assert.equal((await client.next('error')).code, 'binary_frame');
      await client.close();
    });

    it('closes with 1008 after a burst of bad frames', async () => {
      const client = await connect(gw, []);
      for (let i = 0; i < 50; i++) client.send('junk');
      assert.deepEqual(await client.closed, { code: 1008, reason: 'too_many_bad_frames' });
    });

    it('closes with 1009 for a frame over 64 KiB', async () => {
      const client = await connect(gw, []);
      client.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(64 * 1024) }));
      assert.equal((await client.closed).code, 1009);
      const healthy = await connect(gw, []);
      await healthy.roundTrip();
      await healthy.close();
    });
  });

  describe('garbage from a refused peer', () => {
    it('does not take the gateway down (an unmasked frame right after the upgrade)', async () => {
      const { port } = new URL(gw.url);
      const socket = createConnection(Number(port), '127.0.0.1');
      socket.on('error', () => {});
      socket.write(
        'GET /rt?ts=1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      await once(socket, 'data'); // 101, then the 4401 close frame
      socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // a text frame without the mask a client must set
      socket.end();
      const healthy = await connect(gw, []);
      await healthy.roundTrip();
      await healthy.close();
    });
  });

  describe('malformed handshakes', () => {
    it('are answered before the ticket is looked at, so the same ticket then works', async () => {
      const query = signedQuery([]);
      const { port } = new URL(gw.url);
      const socket = createConnection(Number(port), '127.0.0.1');
      socket.on('error', () => {});
      socket.setEncoding('utf8');
      socket.write(
        `GET /rt?${query} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      const [answer] = (await once(socket, 'data')) as [string];
      assert.match(answer, /^HTTP\/1\.1 400 /);
      socket.destroy();
      const client = new TestClient(wsUrl(gw, query));
      await client.next('hello');
      await client.close();
    });
  });

  describe('upgrades on other paths', () => {
    it('are answered with 404', async () => {
      const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/elsewhere?${signedQuery([])}`);
      const status = await new Promise<number>((resolve) => {
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => resolve(-1));
      });
      assert.equal(status, 404);
    });
  });
});
