/**
 * Hostile subscriptions (part of the hostile-input suite, see `helpers.ts`): prototype-named and look-alike topics,
 * and `since`/`epoch` values no client would send, on both transports.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SseReader, TestClient, get, signedQuery, sseUrl, wsUrl } from '../helpers.js';
import { type Arena, SCOPE, TOPIC, arena } from './helpers.js';

describe('prototype-named and look-alike topics', () => {
  let a: Arena;
  before(async () => {
    a = await arena();
  });
  after(() => a.close());

  it('answers unknown_topic for __proto__, constructor and prototype, bad_request for toString, hasOwnProperty, valueOf, __defineGetter__', async () => {
    const client = new TestClient(wsUrl(a.gw, signedQuery([SCOPE])));
    await client.next('hello');
    for (const topic of ['__proto__', 'constructor', 'prototype']) {
      client.send({ type: 'sub', topic });
      assert.deepEqual(await client.next(), { type: 'sub.err', topic, code: 'unknown_topic' });
    }
    for (const topic of ['toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
      client.send({ type: 'sub', topic });
      assert.deepEqual(await client.next(), { type: 'sub.err', topic, code: 'bad_request' });
    }
    client.send({ type: 'unsub', topic: '__proto__' });
    assert.deepEqual(await client.next(), { type: 'unsub.ok', topic: '__proto__' });
    client.send({ type: 'unsub', topic: 'constructor' });
    assert.deepEqual(await client.next(), { type: 'unsub.ok', topic: 'constructor' });
    assert.deepEqual(Object.keys(a.gw.stats()).sort(), [
      'ab.status',
      'economy.patch',
      'kpis.s2',
      'liveops.events',
      'total',
    ]);
    assert.equal(({} as Record<string, unknown>)['type'], undefined, 'Object.prototype untouched');
    client.ws.terminate();
    await a.check();
  });

  it('serves the real topic of an SSE stream that also asks for __proto__ and constructor', async () => {
    const stream = new SseReader(sseUrl(a.gw, `${signedQuery([SCOPE])}&topics=__proto__,constructor,${TOPIC}`));
    await stream.waitFor(4);
    assert.deepEqual(
      stream.events.slice(1, 4).map((e) => [e.data.type, (e.data as { topic?: string }).topic]),
      [
        ['sub.err', '__proto__'],
        ['sub.err', 'constructor'],
        ['sub.ok', TOPIC],
      ],
    );
    stream.close();
    const res = await get(sseUrl(a.gw, `${signedQuery([SCOPE])}&topics=toString`));
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body), { error: 'bad_topics' });
    await a.check();
  });

  it('answers bad_request for topic look-alikes (Cyrillic ѕ, full-width, zero-width joiner, trailing NUL)', async () => {
    const client = new TestClient(wsUrl(a.gw, signedQuery([SCOPE])));
    await client.next('hello');
    for (const topic of ['kpis.\u04552', '\uff4bpis.s2', 'kpis\u200d.s2', 'kpis.s2\u0000', 'kpis.s2 ']) {
      client.send({ type: 'sub', topic });
      assert.deepEqual(await client.next(), { type: 'sub.err', topic, code: 'bad_request' });
    }
    client.ws.terminate();
    await a.check();
  });
});

describe('bad since values', () => {
  let a: Arena;
  before(async () => {
    a = await arena();
    for (let i = 1; i <= 5; i++) a.gw.fanout(TOPIC, { n: i });
    for (let i = 1; i <= 5; i++) await a.healthy.next('msg');
  });
  after(() => a.close());

  it('answers sub.err bad_request for a negative, fractional, string, unsafe, infinite, NaN-string, null, boolean, array and object since', async () => {
    const sinces = [
      '-1',
      '1.5',
      '"5"',
      String(2 ** 53),
      '1e400',
      '"NaN"',
      'null',
      'true',
      '[1]',
      '{"n":1}',
      '-0.0000001',
      '9007199254740993',
    ];
    const epochs = ['""', '"a b"', `"${'e'.repeat(65)}"`, '5', '"\u0435poch"'];
    // Each malformed sub costs one of the 10 bad frames a connection may send in a burst: a fresh client for each.
    for (const frame of [...sinces.map((s) => `"since":${s}`), ...epochs.map((e) => `"since":1,"epoch":${e}`)]) {
      const c = new TestClient(wsUrl(a.gw, signedQuery([SCOPE])));
      await c.next('hello');
      c.send(`{"type":"sub","topic":"${TOPIC}",${frame}}`);
      assert.deepEqual(await c.next(), { type: 'sub.err', topic: TOPIC, code: 'bad_request' }, frame);
      c.ws.terminate();
    }
    await a.check();
  });

  it('answers a since ahead of the topic, the largest safe integer and a foreign epoch with sub.ok, reset and the latest message', async () => {
    const c = new TestClient(wsUrl(a.gw, signedQuery([SCOPE])));
    await c.next('hello');
    c.send({ type: 'sub', topic: TOPIC });
    const { seq: latestSeq } = await c.next('sub.ok');
    assert.ok(latestSeq >= 5);
    await c.next('msg');
    for (const since of [latestSeq + 1, latestSeq + 1000, Number.MAX_SAFE_INTEGER]) {
      c.send({ type: 'sub', topic: TOPIC, since });
      const ok = await c.next();
      assert.ok(ok.type === 'sub.ok');
      assert.deepEqual(await c.next(), { type: 'reset', topic: TOPIC, epoch: ok.epoch });
      const latest = await c.next();
      assert.ok(latest.type === 'msg');
      assert.equal(latest.seq, ok.seq);
    }
    c.send({ type: 'sub', topic: TOPIC, since: 0, epoch: 'not-the-epoch' });
    assert.equal((await c.next()).type, 'sub.ok');
    assert.equal((await c.next()).type, 'reset');
    c.ws.terminate();
    await a.check();
  });

  it('answers SSE since values that are negative, fractional, padded, NaN, 16 digits long or of a foreign topic with 400 before spending the ticket', async () => {
    const query = signedQuery([SCOPE]);
    for (const since of [
      'kpis.s2:-1',
      'kpis.s2:1.5',
      'kpis.s2:00',
      'kpis.s2:NaN',
      `kpis.s2:${'9'.repeat(16)}`,
      'kpis.s2:1e3',
      'kpis.s2:%2B1',
      'kpis.s2:1:',
      'kpis.s2:1:a:b',
      'kpis.s2:',
      'kpis.s2:%EF%BC%91',
      'ab.status:1',
      'kpis.s2:1,kpis.s2:2',
    ]) {
      const res = await get(sseUrl(a.gw, `${query}&topics=${TOPIC}&since=${since}`));
      assert.equal(res.status, 400, since);
      assert.deepEqual(JSON.parse(res.body), { error: 'bad_since' });
    }
    const twice = await get(sseUrl(a.gw, `${query}&topics=${TOPIC}&since=kpis.s2:1&since=kpis.s2:1`));
    assert.equal(twice.status, 400);
    const stream = new SseReader(sseUrl(a.gw, `${query}&topics=${TOPIC}&since=kpis.s2:999999999999999`));
    await stream.waitFor(4);
    assert.deepEqual(
      stream.events.slice(0, 3).map((e) => e.data.type),
      ['hello', 'sub.ok', 'reset'],
    );
    stream.close();
    await a.check();
  });
});
