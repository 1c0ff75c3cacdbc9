import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { Ticket } from '../../../src/protocol/index.js';
import { ticketQuery } from '../../../src/protocol/index.js';
import type { Gateway } from '../../../server/gateway.js';
import { TestClient, get, signedQuery, sseUrl, startGateway, subscribed, wsUrl } from '../helpers.js';

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
    assert.deepEqual(body['engine'], { mode: 'memory', restarts: 0, recovered: { continued: 0, reset: 0 } });
  });

  it('GET /rt/stats follows connections and subscriptions as clients come and go, in the seed shape', async () => {
    const empty = { total: 0, 'kpis.s2': 0, 'liveops.events': 0, 'economy.patch': 0, 'ab.status': 0 };
    assert.deepEqual(JSON.parse((await get(`${gw.url}/rt/stats`)).body), empty);
    const a = await subscribed(gw, ['ops.admin'], 'kpis.s2');
    const b = await subscribed(gw, ['ops.admin', 'liveops.admin'], 'kpis.s2');
    b.send({ type: 'sub', topic: 'liveops.events' });
    await b.next('sub.ok');
    assert.deepEqual(JSON.parse((await get(`${gw.url}/rt/stats`)).body), {
      ...empty,
      total: 2,
      'kpis.s2': 2,
      'liveops.events': 1,
    });
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
    const head = await new Promise<number>((resolve) =>
      require_request(sseUrl(gw, `${signedQuery([])}&topics=kpis.s2`), 'HEAD', resolve).end(),
    );
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

  it('does not let an origin outside its allowlist read a 404', async () => {
    const res = await fetch(`${gw.url}/nope`, { headers: { origin: 'http://elsewhere.test' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    await res.arrayBuffer();
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

  it('lets a page on another origin read its 404, so a mistyped ticket path reads as such', async () => {
    const res = await fetch(`${gw.url}/rt/tickets?scopes=ops.admin`, { headers: { origin: 'http://app.test' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(await res.json(), { error: 'not_found' });
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

import { request as httpRequest } from 'node:http';
function require_request(url: string, method: string, done: (status: number) => void) {
  return httpRequest(url, { method }, (res) => {
    res.resume();
    done(res.statusCode ?? 0);
  });
}
