import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../../server/gateway.js';
import { FakeClock, SseReader, get, signedQuery, sseUrl, startGateway } from '../helpers.js';

describe('SSE endpoint', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startGateway();
  });
  after(() => gw.close());

  it('streams hello, sub.ok with the retained message, then live messages with ids', async () => {
    gw.fanout('kpis.s2', { crash_free: 99 });
    const stream = new SseReader(sseUrl(gw, `${signedQuery(['ops.admin'])}&topics=kpis.s2`));
    await stream.opened;
    assert.equal(stream.status, 200);
    assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
    await stream.waitFor(3);
    const [hello, ok, retained] = stream.events;
    assert.equal(hello?.data.type, 'hello');
    assert.ok(ok?.data.type === 'sub.ok');
    assert.ok(retained?.data.type === 'msg');
    assert.equal(retained.id, `kpis.s2:${retained.data.seq}`);
    gw.fanout('kpis.s2', { crash_free: 98 });
    await stream.waitFor(4);
    const live = stream.events[3];
    assert.ok(live?.data.type === 'msg');
    assert.deepEqual(live.data.data, { crash_free: 98 });
    assert.equal(live.data.seq, ok.data.seq + 1);
    stream.close();
  });

  it('refuses forbidden and unknown topics with sub.err and serves the rest', async () => {
    const stream = new SseReader(
      sseUrl(gw, `${signedQuery(['liveops.admin'])}&topics=economy.patch,__proto__,ab.status`),
    );
    await stream.waitFor(4);
    assert.deepEqual(
      stream.events.slice(1, 4).map((e) => e.data),
      [
        { type: 'sub.err', topic: 'economy.patch', code: 'forbidden' },
        { type: 'sub.err', topic: '__proto__', code: 'unknown_topic' },
        stream.events[3]?.data,
      ],
    );
    assert.equal(stream.events[3]?.data.type, 'sub.ok');
    stream.close();
  });

  it('replays from since and epoch', async () => {
    gw.fanout('ab.status', { n: 1 });
    gw.fanout('ab.status', { n: 2 });
    gw.fanout('ab.status', { n: 3 });
    const { seq, epoch } = gw.hub.registry.get('ab.status')!.history;
    const stream = new SseReader(
      sseUrl(gw, `${signedQuery(['liveops.admin'])}&topics=ab.status&since=ab.status:${seq - 2}:${epoch}`),
    );
    await stream.waitFor(4);
    assert.deepEqual(
      stream.events.slice(2).map((e) => e.id),
      [`ab.status:${seq - 1}`, `ab.status:${seq}`],
    );
    stream.close();
  });

  it('answers a refused ticket with 401 and the reason as JSON', async () => {
    const query = signedQuery(['ops.admin']);
    const first = new SseReader(sseUrl(gw, `${query}&topics=kpis.s2`));
    await first.waitFor(1);
    const replay = await get(sseUrl(gw, `${query}&topics=kpis.s2`));
    assert.equal(replay.status, 401);
    assert.deepEqual(JSON.parse(replay.body), { error: 'replay' });
    first.close();
    for (const [bad, reason] of [
      ['ts=1700000000abc&nonce=0123456789abcdef&scopes=&sig=' + '0'.repeat(64), 'bad_ts'],
      ['', 'missing_param'],
      [signedQuery([], { secret: 'wrong' }), 'bad_sig'],
    ] as const) {
      const res = await get(sseUrl(gw, `${bad}&topics=kpis.s2`));
      assert.equal(res.status, 401);
      assert.deepEqual(JSON.parse(res.body), { error: reason });
      assert.doesNotMatch(res.body, /at |Error/);
    }
  });

  it('answers malformed topics and since with 400 before spending the ticket', async () => {
    const query = signedQuery(['ops.admin']);
    for (const [extra, error] of [
      ['', 'bad_topics'],
      ['&topics=', 'bad_topics'],
      ['&topics=KPIS', 'bad_topics'],
      ['&topics=kpis.s2&topics=ab.status', 'bad_topics'],
      ['&topics=kpis.s2&since=kpis.s2:01', 'bad_since'],
      ['&topics=kpis.s2&since=ab.status:1', 'bad_since'],
    ] as const) {
      const res = await get(sseUrl(gw, `${query}${extra}`));
      assert.equal(res.status, 400, extra);
      assert.deepEqual(JSON.parse(res.body), { error });
    }
    const stream = new SseReader(sseUrl(gw, `${query}&topics=kpis.s2`));
    await stream.waitFor(1);
    assert.equal(stream.events[0]?.data.type, 'hello');
    stream.close();
  });

  it('counts in stats while open and not after', async () => {
    const fresh = await startGateway();
    try {
      const stream = new SseReader(sseUrl(fresh, `${signedQuery(['ops.admin'])}&topics=kpis.s2,ab.status`));
      await stream.waitFor(3);
      assert.deepEqual(fresh.stats(), {
        total: 1,
        'kpis.s2': 1,
        'liveops.events': 0,
        'economy.patch': 0,
        'ab.status': 0,
      });
      const gone = new Promise((resolve) => fresh.hub.once('disconnect', resolve));
      stream.close();
      await gone;
      assert.deepEqual(fresh.stats(), {
        total: 0,
        'kpis.s2': 0,
        'liveops.events': 0,
        'economy.patch': 0,
        'ab.status': 0,
      });
    } finally {
      await fresh.close();
    }
  });
});

describe('SSE CORS and origins', () => {
  it('echoes only allowlisted origins and refuses others with 403', async () => {
    const gw = await startGateway({ allowedOrigins: ['https://app.example.com'] });
    try {
      const allowed = new SseReader(sseUrl(gw, `${signedQuery([])}&topics=kpis.s2`), {
        origin: 'https://app.example.com',
      });
      await allowed.opened;
      assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');
      allowed.close();
      const evil = await get(sseUrl(gw, `${signedQuery([])}&topics=kpis.s2`), { origin: 'https://evil.example' });
      assert.equal(evil.status, 403);
      assert.deepEqual(JSON.parse(evil.body), { error: 'forbidden_origin' });
      assert.equal(evil.headers['access-control-allow-origin'], undefined);
    } finally {
      await gw.close();
    }
  });

  it('allows any origin in demo mode', async () => {
    const gw = await startGateway({ demo: true });
    try {
      const res = await get(`${gw.url}/rt/ticket?scopes=ops.admin`, { origin: 'https://anywhere.example' });
      assert.equal(res.headers['access-control-allow-origin'], '*');
    } finally {
      await gw.close();
    }
  });

  it('reflects no origin when no allowlist is configured outside demo mode', async () => {
    const gw = await startGateway();
    try {
      const stream = new SseReader(sseUrl(gw, `${signedQuery([])}&topics=kpis.s2`), { origin: 'https://evil.example' });
      await stream.opened;
      assert.equal(stream.headers['access-control-allow-origin'], undefined);
      stream.close();
    } finally {
      await gw.close();
    }
  });
});

describe('SSE heartbeat', () => {
  it('sends a ping event and a comment line on each heartbeat', async () => {
    const clock = new FakeClock();
    const gw = await startGateway({ clock });
    try {
      const stream = new SseReader(sseUrl(gw, `${signedQuery([])}&topics=kpis.s2`));
      await stream.waitFor(2);
      clock.advance(60_000);
      gw.context.heartbeat.tick();
      await stream.waitForComment();
      assert.equal(stream.comments, 1);
      await stream.waitFor(3);
      assert.deepEqual(stream.events[2]?.data, { type: 'ping' });
      assert.equal(gw.stats().total, 1, 'SSE streams are not terminated for silence: they cannot answer');
      stream.close();
    } finally {
      await gw.close();
    }
  });
});
