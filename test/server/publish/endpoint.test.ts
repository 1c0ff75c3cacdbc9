/**
 * `POST /rt/publish` against a real gateway on an ephemeral port, with real WebSocket and SSE subscribers: every
 * answer of PROTOCOL.md §10.3, idempotency, and what metrics and the audit log see.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../../server/gateway.js';
import { silentLogger } from '../../../server/ops/log.js';
import {
  PublisherKeys,
  readPublisherKeyFile,
  topicAllowed,
  watchPublisherKeyFile,
} from '../../../server/publish/publisher-keys.js';
import { signedQuery, SseReader, sseUrl, startGateway, subscribed } from '../helpers.js';
import { KEYS, publishRequest } from './publish-request.js';
import { eventually } from '../../helpers/until.js';

const MSG = { topic: 'kpis.s2', data: { crash_free: 99.2 } };

/** A subscriber of kpis.s2 that has taken the latest message a subscription starts with, if there is one. */
async function subscriber(gw: Gateway) {
  const ws = await subscribed(gw, ['ops.admin'], 'kpis.s2');
  if ((gw.hub.topic('kpis.s2')?.history.seq ?? 0) > 0) await ws.next('msg');
  return ws;
}

describe('POST /rt/publish', () => {
  let gw: Gateway;
  before(async () => {
    gw = await startGateway({ publishKeys: Object.values(KEYS) });
  });
  after(() => gw.close());

  it('a signed publish reaches WebSocket and SSE subscribers and answers its seq and epoch', async () => {
    const ws = await subscribed(gw, ['ops.admin'], 'kpis.s2');
    const sse = new SseReader(sseUrl(gw, `${signedQuery(['ops.admin'])}&topics=kpis.s2`));
    await sse.waitFor(2); // hello, sub.ok
    const answer = await publishRequest(gw.url, MSG);
    assert.equal(answer.status, 200);
    const msg = await ws.next('msg');
    assert.deepEqual(answer.body, { seq: msg.seq, epoch: gw.hub.topic('kpis.s2')?.history.epoch, duplicate: false });
    assert.deepEqual(msg.data, MSG.data);
    await sse.waitFor(3);
    assert.deepEqual(sse.events[2]?.data, msg);
    sse.close();
    await ws.close();
  });

  it('a bearer key publishes when it is allowed to; otherwise 401 says why', async () => {
    const ws = await subscriber(gw);
    const ok = await publishRequest(gw.url, MSG, { key: KEYS.bearer, bearer: true });
    assert.equal(ok.status, 200);
    assert.deepEqual((await ws.next('msg')).data, MSG.data);
    const notBearer = await publishRequest(gw.url, MSG, { key: KEYS.all, bearer: true });
    assert.deepEqual(
      [notBearer.status, { ...notBearer.body, detail: undefined }],
      [401, { error: 'unauthorized', reason: 'bearer_not_allowed', detail: undefined }],
    );
    const unknown = await publishRequest(gw.url, MSG, {
      key: { ...KEYS.bearer, secret: 'x'.repeat(40) },
      bearer: true,
    });
    assert.deepEqual([unknown.body['error'], unknown.body['reason']], ['unauthorized', 'unknown_key']);
    assert.match(String(unknown.body['detail']), /no publisher key/);
    assert.match(unknown.headers.get('www-authenticate') ?? '', /RT-HMAC-SHA256/);
    await ws.close();
  });

  it('refuses bad credentials with 401 and the reason, and publishes nothing', async () => {
    const before = gw.hub.topic('kpis.s2')?.history.seq;
    const cases: [Parameters<typeof publishRequest>[2], string][] = [
      [{ key: false }, 'missing_credentials'],
      [{ key: { ...KEYS.all, id: 'nobody' } }, 'unknown_key'],
      [{ key: { ...KEYS.all, secret: 'wrong-secret-0123456789abcdef0123456789' } }, 'bad_signature'],
      [{ signedBody: JSON.stringify({ ...MSG, data: 'forged' }) }, 'bad_signature'],
      [{ nonce: 'short' }, 'bad_signature'],
      [{ nowMs: Date.now() - 301_000 }, 'stale_timestamp'],
      [{ nowMs: Date.now() + 301_000 }, 'stale_timestamp'],
    ];
    for (const [options, reason] of cases) {
      const answer = await publishRequest(gw.url, MSG, options);
      assert.deepEqual([answer.status, answer.body['error'], answer.body['reason']], [401, 'unauthorized', reason]);
    }
    assert.equal(gw.hub.topic('kpis.s2')?.history.seq, before);
  });

  it("answers a stranger's request from its headers, without reading the body it announces", async () => {
    const socket = connect(gw.port, '127.0.0.1');
    await once(socket, 'connect');
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\r\n\r\n') && text.includes('}')) resolve(text);
      });
    });
    // 1 MiB announced, not one byte of it sent: the answer must not wait for it.
    socket.write(
      'POST /rt/publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n' +
        `RT-Key-Id: nobody\r\nRT-Timestamp: ${Math.floor(Date.now() / 1000)}\r\nRT-Nonce: n0nce-0123456789ab\r\n` +
        `RT-Signature: v1=${'0'.repeat(64)}\r\n\r\n`,
    );
    const text = await answer;
    socket.destroy();
    assert.match(text, /^HTTP\/1\.1 401/);
    assert.match(text, /"reason":"unknown_key"/);
  });

  it('refuses a replayed request even though its signature is valid', async () => {
    const nonce = 'replay-nonce-0123456789';
    const nowMs = Date.now();
    assert.equal((await publishRequest(gw.url, MSG, { nonce, nowMs })).status, 200);
    const again = await publishRequest(gw.url, MSG, { nonce, nowMs });
    assert.deepEqual([again.status, again.body['reason']], [401, 'replay']);
  });

  it('a key limited to liveops.* cannot publish kpis.s2 (403), even an unknown topic answers 403 first', async () => {
    const forbidden = await publishRequest(gw.url, MSG, { key: KEYS.liveops });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body['error'], 'forbidden_topic');
    const outside = await publishRequest(gw.url, { topic: 'secret.things', data: 1 }, { key: KEYS.liveops });
    assert.equal(outside.status, 403);
    const inside = await publishRequest(gw.url, { topic: 'liveops.nothing', data: 1 }, { key: KEYS.liveops });
    assert.deepEqual([inside.status, inside.body['error']], [404, 'unknown_topic']);
    assert.equal(
      (await publishRequest(gw.url, { topic: 'liveops.events', data: 1 }, { key: KEYS.liveops })).status,
      200,
    );
  });

  it('answers 400, 405, 413 and 415 for what is not a publish', async () => {
    const malformed = async (body: unknown) => {
      const answer = await publishRequest(gw.url, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body['error'], 'malformed');
      return answer;
    };
    await malformed('{not json');
    await malformed([MSG]);
    await malformed({ topic: 'kpis.s2' });
    await malformed({ topic: 7, data: 1 });
    await malformed({ ...MSG, id: 'has space' });
    await malformed({ ...MSG, id: 'x'.repeat(129) });
    await malformed({ messages: [] });
    await malformed({ messages: Array.from({ length: 101 }, () => MSG) });
    assert.equal((await malformed({ messages: [MSG, { topic: 'kpis.s2' }] })).body['index'], 1);

    const get = await publishRequest(gw.url, '', { method: 'GET', key: false });
    assert.deepEqual([get.status, get.headers.get('allow')], [405, 'POST']);
    const text = await publishRequest(gw.url, MSG, { headers: { 'content-type': 'text/plain' } });
    assert.deepEqual([text.status, text.body['error']], [415, 'unsupported_media_type']);
    const big = await publishRequest(gw.url, { ...MSG, data: 'x'.repeat(64 * 1024) });
    assert.deepEqual([big.status, big.body['error']], [413, 'too_large']);
    const huge = await publishRequest(gw.url, { messages: [{ ...MSG, data: 'x'.repeat(1024 * 1024) }] });
    assert.deepEqual([huge.status, huge.body['error']], [413, 'too_large']);
    assert.equal((await publishRequest(gw.url, { ...MSG, data: null })).status, 200, 'null is a payload');
  });

  it('answers 429 with Retry-After past the key rate, counting each message of a batch', async () => {
    const batch = { messages: [MSG, MSG, MSG] };
    const over = await publishRequest(gw.url, batch, { key: KEYS.slow });
    assert.deepEqual([over.status, over.body['error']], [429, 'rate_limited']);
    assert.ok(Number(over.headers.get('retry-after')) >= 1);
    assert.equal((await publishRequest(gw.url, { messages: [MSG, MSG] }, { key: KEYS.slow })).status, 200);
    assert.equal((await publishRequest(gw.url, MSG, { key: KEYS.slow })).status, 429);
  });

  it('publishes a retried id once and answers the first receipt with duplicate: true', async () => {
    const ws = await subscriber(gw);
    const first = await publishRequest(gw.url, { ...MSG, id: 'kpi-2026-12-05T10:00Z' });
    const retry = await publishRequest(gw.url, { ...MSG, id: 'kpi-2026-12-05T10:00Z' });
    assert.equal(first.body['duplicate'], false);
    assert.deepEqual(retry.body, { ...first.body, duplicate: true });
    await publishRequest(gw.url, { topic: 'kpis.s2', data: 'marker' });
    assert.equal((await ws.next('msg')).seq, first.body['seq']);
    assert.equal((await ws.next('msg')).data, 'marker', 'the retry delivered nothing');
    // Ids are per topic: the same id on another topic is another message.
    const other = await publishRequest(gw.url, { topic: 'ab.status', data: 1, id: 'kpi-2026-12-05T10:00Z' });
    assert.equal(other.body['duplicate'], false);
    await ws.close();
  });

  it('a batch answers one receipt per message in order; a refused batch publishes nothing', async () => {
    const ws = await subscriber(gw);
    const answer = await publishRequest(gw.url, {
      messages: [
        { topic: 'kpis.s2', data: 1 },
        { topic: 'kpis.s2', data: 2, id: 'batch-2' },
        { topic: 'kpis.s2', data: 2, id: 'batch-2' },
      ],
    });
    const results = answer.body['results'] as { seq: number; duplicate: boolean }[];
    assert.deepEqual(
      results.map((r) => r.duplicate),
      [false, false, true],
    );
    assert.equal(results[1]?.seq, (results[0]?.seq ?? 0) + 1);
    assert.equal(results[2]?.seq, results[1]?.seq);
    const seq = gw.hub.topic('kpis.s2')?.history.seq;
    const refused = await publishRequest(
      gw.url,
      { messages: [{ topic: 'liveops.events', data: 1 }, MSG] },
      { key: KEYS.liveops },
    );
    assert.deepEqual([refused.status, refused.body['index']], [403, 1]);
    assert.equal(gw.hub.topic('kpis.s2')?.history.seq, seq);
    assert.deepEqual([(await ws.next('msg')).data, (await ws.next('msg')).data], [1, 2]);
    await ws.close();
  });

  it('counts accepted, deduped and refused publishes per key in /metrics', async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(
      text,
      /rt_publish_messages_total\{source="http",key="ops-backend",topic="kpis.s2",outcome="accepted"\} \d+/,
    );
    assert.match(
      text,
      /rt_publish_messages_total\{source="http",key="ops-backend",topic="kpis.s2",outcome="deduped"\} [1-9]/,
    );
    assert.match(
      text,
      /rt_publish_refusals_total\{source="http",key="liveops-backend",reason="forbidden_topic"\} [1-9]/,
    );
    assert.match(text, /rt_publish_refusals_total\{source="http",key="unknown",reason="unknown_key"\} [1-9]/);
    assert.match(text, /rt_publish_refusals_total\{source="http",key="slow",reason="rate_limited"\} [1-9]/);
  });

  it('answers 503 while draining, and nothing is published', async () => {
    const seq = gw.hub.topic('kpis.s2')?.history.seq;
    gw.context.draining = true;
    try {
      const answer = await publishRequest(gw.url, MSG);
      assert.deepEqual([answer.status, answer.body['error']], [503, 'unavailable']);
    } finally {
      gw.context.draining = false;
    }
    assert.equal(gw.hub.topic('kpis.s2')?.history.seq, seq);
  });
});

describe('the publish API off, audited, and its keys', () => {
  it('answers 404 with a reason when the gateway has no publisher keys', async () => {
    const gw = await startGateway();
    try {
      const answer = await publishRequest(gw.url, MSG);
      assert.deepEqual([answer.status, answer.body], [404, { error: 'not_found', detail: 'publish API off' }]);
    } finally {
      await gw.close();
    }
  });

  it('writes publish_refused to the audit log without payload, unknown topic or unknown key, strangers digested', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-audit-publish-'));
    const gw = await startGateway({ publishKeys: Object.values(KEYS), audit: { dir } });
    try {
      await publishRequest(gw.url, { topic: 'kpis.s2', data: 'secret-payload' }, { key: KEYS.liveops });
      await publishRequest(gw.url, { topic: 'jane.doe.private', data: 1 }, { key: KEYS.all });
      for (let i = 0; i < 5; i++) await publishRequest(gw.url, MSG, { key: { ...KEYS.all, id: 'mallory.key' } });
    } finally {
      await gw.close();
    }
    const [file] = await readdir(dir);
    const text = await readFile(join(dir, file as string), 'utf8');
    const refused = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((e) => e['event'] === 'publish_refused')
      .map(({ transport, reason, code, kid, topic, count }) => ({ transport, reason, code, kid, topic, count }));
    const http = { transport: 'http' };
    assert.deepEqual(refused, [
      { ...http, reason: 'forbidden_topic', code: 403, kid: 'liveops-backend', topic: 'kpis.s2', count: undefined },
      { ...http, reason: 'unknown_topic', code: 404, kid: 'ops-backend', topic: undefined, count: undefined },
      // A stranger's refusals are digested: the first at once, the rest counted into one entry (at close here).
      { ...http, reason: 'unknown_key', code: 401, kid: undefined, topic: undefined, count: 1 },
      { ...http, reason: 'unknown_key', code: 401, kid: undefined, topic: undefined, count: 4 },
    ]);
    assert.doesNotMatch(text, /secret-payload|jane\.doe|mallory/);
    await rm(dir, { recursive: true, force: true });
  });

  it('matches topic patterns: exact, prefix.* and *', () => {
    assert.ok(topicAllowed(['liveops.*'], 'liveops.events'));
    assert.ok(topicAllowed(['liveops.*'], 'liveops.a.b'));
    assert.ok(!topicAllowed(['liveops.*'], 'liveops'));
    assert.ok(!topicAllowed(['liveops.*'], 'liveopsx.events'));
    assert.ok(!topicAllowed(['kpis.s2'], 'kpis.s22'));
    assert.ok(topicAllowed(['*'], 'anything.at.all'));
  });

  it('refuses malformed keys: short secret, repeated id, bad pattern, no keys', () => {
    const key = KEYS.all;
    assert.throws(() => new PublisherKeys([]), /at least one key/);
    assert.throws(() => new PublisherKeys([{ ...key, secret: 'short' }]), /at least 32 characters/);
    assert.throws(() => new PublisherKeys([key, key]), /repeated/);
    assert.throws(() => new PublisherKeys([{ ...key, id: 'stream' }]), /reserved/);
    assert.throws(() => new PublisherKeys([{ ...key, topics: ['live*'] }]), /malformed topics/);
    assert.throws(() => new PublisherKeys([{ ...key, rate: { burst: 0, perSecond: 1 } }]), /rate/);
  });

  it('a rotated key file takes effect without a restart: the old secret is refused, the new one works', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-publish-keys-'));
    const file = join(dir, 'keys.json');
    const rotated = { ...KEYS.all, secret: 'rotated-secret-0123456789abcdef01234567' };
    await writeFile(file, JSON.stringify({ keys: [KEYS.all] }));
    const keys = new PublisherKeys(await readPublisherKeyFile(file));
    const gw = await startGateway({ publishKeys: keys, logger: silentLogger });
    const stop = watchPublisherKeyFile(file, keys, silentLogger, 20);
    try {
      assert.equal((await publishRequest(gw.url, MSG, { key: KEYS.all })).status, 200);
      await writeFile(file, JSON.stringify({ keys: [rotated] }));
      await eventually(() => keys.get(KEYS.all.id)?.secret === rotated.secret);
      assert.equal((await publishRequest(gw.url, MSG, { key: KEYS.all })).status, 401);
      assert.equal((await publishRequest(gw.url, MSG, { key: rotated })).status, 200);
      await writeFile(file, '{"keys": [{"id": "x"}]}'); // rejected: the keys in use stay
      await assert.rejects(readPublisherKeyFile(file), /needs "id", "secret" and "topics"/);
      assert.equal((await publishRequest(gw.url, MSG, { key: rotated })).status, 200);
    } finally {
      stop();
      await gw.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
