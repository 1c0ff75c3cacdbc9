/**
 * HTTP-level abuse (part of the hostile-input suite, see `helpers.ts`): oversized headers and queries, broken
 * upgrades, garbage bytes, wrong methods on the SSE endpoint, and path traversal on the demo static server.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SseReader, get, signedQuery, sseUrl } from '../helpers.js';
import { type Arena, HELLO_SSE, SCOPE, TOPIC, UPGRADE_HEADERS, arena, inArena, rawHttp, statusOf } from './helpers.js';

describe('HTTP-level abuse', () => {
  let a: Arena;
  before(async () => {
    a = await arena();
  });
  after(() => a.close());

  it('answers 5000 request headers (58 KB) with 431 on a plain request and on an upgrade', async () => {
    const flood = Array.from({ length: 5000 }, (_, i) => `x-h${i}: v\r\n`).join('');
    assert.equal(statusOf(await rawHttp(a.gw, `GET /health HTTP/1.1\r\nHost: x\r\n${flood}\r\n`)), 431);
    assert.equal(
      statusOf(
        await rawHttp(a.gw, `GET /rt?${signedQuery([SCOPE])} HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}${flood}\r\n`),
      ),
      431,
    );
    await a.check();
  });

  it('answers a single 20 KB header with 431', async () => {
    assert.equal(
      statusOf(
        await rawHttp(a.gw, `GET /rt/sse?topics=${TOPIC} HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(20_000)}\r\n\r\n`),
      ),
      431,
    );
    await a.check();
  });

  it('answers a 20 KB query string with 431 on both endpoints', async () => {
    const huge = `${signedQuery([SCOPE])}&pad=${'p'.repeat(20_000)}`;
    assert.equal(statusOf(await rawHttp(a.gw, `GET /rt/sse?${huge}&topics=${TOPIC} HTTP/1.1\r\nHost: x\r\n\r\n`)), 431);
    assert.equal(statusOf(await rawHttp(a.gw, `GET /rt?${huge} HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n`)), 431);
    await a.check();
  });

  it('answers an upgrade with a bad Sec-WebSocket-Key with 400 and creates no session', async () => {
    const before = a.gw.hub.sessions.size;
    for (const key of ['bad', '', 'dGhlIHNhbXBsZSBub25jZQ', '!!!!!!!!!!!!!!!!!!!!!!==']) {
      const answer = await rawHttp(
        a.gw,
        `GET /rt?${signedQuery([SCOPE])} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      assert.equal(statusOf(answer), 400, key);
    }
    assert.equal(a.gw.hub.sessions.size, before);
    await a.check();
  });

  it('answers an upgrade with an unsupported Sec-WebSocket-Version with 400 naming the supported ones', async () => {
    for (const version of ['12', '14', '', 'thirteen']) {
      const answer = await rawHttp(
        a.gw,
        `GET /rt?${signedQuery([SCOPE])} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: ${version}\r\n\r\n`,
      );
      assert.equal(statusOf(answer), 400, version);
      assert.match(answer, /Sec-WebSocket-Version: 13, 8/i);
    }
    await a.check();
  });

  it('answers an upgrade to another protocol with 400 and a POST upgrade with 405', async () => {
    assert.equal(
      statusOf(
        await rawHttp(
          a.gw,
          `GET /rt?${signedQuery([SCOPE])} HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n`,
        ),
      ),
      400,
    );
    assert.equal(
      statusOf(
        await rawHttp(
          a.gw,
          `POST /rt?${signedQuery([SCOPE])} HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}Content-Length: 0\r\n\r\n`,
        ),
      ),
      405,
    );
    await a.check();
  });

  it('answers a request target that is no URL at all with 404 (plain request and upgrade)', async () => {
    assert.equal(
      statusOf(await rawHttp(a.gw, 'GET http://[bad/rt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')),
      404,
    );
    assert.equal(
      statusOf(await rawHttp(a.gw, `GET http://[bad/rt HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n`)),
      404,
    );
    await a.check();
  });

  it('survives 64 KiB of random bytes pipelined right behind a refused upgrade, and a TLS hello sent to plain HTTP', async () => {
    for (let i = 0; i < 5; i++) {
      const garbage = randomBytes(64 * 1024);
      garbage[0] = 0x7f; // reserved bits set: certainly not a valid frame
      const answer = await rawHttp(
        a.gw,
        Buffer.concat([Buffer.from(`GET /rt?ts=1 HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n`), garbage]),
      );
      assert.equal(statusOf(answer), 101);
    }
    assert.equal(statusOf(await rawHttp(a.gw, Buffer.from('16030100a5010000a10303', 'hex'))), 400);
    assert.equal(statusOf(await rawHttp(a.gw, randomBytes(4096))), 400);
    await a.check();
  });

  it('answers HEAD and POST on /rt/sse with 405 and OPTIONS with a 204 preflight, none of them spending the ticket', async () => {
    const query = `${signedQuery([SCOPE])}&topics=${TOPIC}`;
    const head = await rawHttp(a.gw, `HEAD /rt/sse?${query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.equal(statusOf(head), 405);
    const post = await rawHttp(
      a.gw,
      `POST /rt/sse?${query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello`,
    );
    assert.equal(statusOf(post), 405);
    assert.match(post, /Allow: GET, HEAD, OPTIONS/i);
    assert.match(post, /\{"error":"method_not_allowed"\}/);
    const options = await rawHttp(
      a.gw,
      `OPTIONS /rt/sse?${query} HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(statusOf(options), 204);
    assert.doesNotMatch(options, /Access-Control-Allow-Origin/i, 'no foreign origin reflected');
    const stream = new SseReader(sseUrl(a.gw, query));
    await stream.waitFor(2);
    assert.deepEqual(
      stream.events.slice(0, 2).map((e) => e.data.type),
      ['hello', 'sub.ok'],
    );
    stream.close();
    await a.check();
  });

  it('answers HEAD on /rt/sse with an Allow header, as RFC 9110 requires of every 405', async () => {
    const head = await rawHttp(
      a.gw,
      `HEAD /rt/sse?${signedQuery([SCOPE])}&topics=${TOPIC} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(statusOf(head), 405);
    assert.match(head, /\r\nAllow: /i);
  });

  it('answers malformed SSE topics with 400 bad_topics before spending the ticket, then serves that ticket', async () => {
    const query = signedQuery([SCOPE]);
    const many = Array.from({ length: 65 }, (_, i) => `t${i}`).join(',');
    for (const topics of [
      many,
      'kpis.s2,kpis.s2',
      'kpis.s2,',
      ',kpis.s2',
      'kpis.s2%2C%2Ckpis.s2',
      'kpis.%D1%952',
      'kpis.s2:1',
      '%00',
      'a'.repeat(129),
    ]) {
      const res = await get(sseUrl(a.gw, `${query}&topics=${topics}`));
      assert.equal(res.status, 400, topics);
      assert.deepEqual(JSON.parse(res.body), { error: 'bad_topics' });
    }
    const stream = new SseReader(sseUrl(a.gw, `${query}&topics=${TOPIC}`));
    await stream.waitFor(1);
    assert.equal(HELLO_SSE(stream), 'hello');
    stream.close();
    await a.check();
  });
});

describe('the demo static server', () => {
  it('answers path traversal in every encoding with 404 and leaks no file outside its roots', async () => {
    await inArena({ demo: true }, async ({ gw }) => {
      const paths = [
        '/../package.json',
        '/../../../../etc/passwd',
        '/%2e%2e/package.json',
        '/%2e%2e%2fpackage.json',
        '/..%2f..%2fpackage.json',
        '/dist/..%2f..%2fpackage.json',
        '/dist/%2e%2e/%2e%2e/package.json',
        '/dist/../server/main.ts',
        '/..%5c..%5cpackage.json',
        '/%c0%ae%c0%ae/package.json',
        '/%ff',
        '/index.html%00.js',
        '//etc/passwd',
        '/.git/config',
        '/%2egit/config',
        'http://x/../package.json',
        '/dist/browser/../../package.json',
      ];
      for (const path of paths) {
        const answer = await rawHttp(gw, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        assert.equal(statusOf(answer), 404, path);
        assert.doesNotMatch(answer, /"name": "@lydian|root:|\[core\]/, path);
      }
      assert.equal(statusOf(await rawHttp(gw, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')), 200);
      const lookAlike = await get(`${gw.url}/rt/ticket?scopes=ops.%D0%B0dmin`);
      assert.equal(lookAlike.status, 400);
      assert.deepEqual(JSON.parse(lookAlike.body), { error: 'bad_scopes' });
    });
  });
});
