/**
 * `createPublisher` against a real gateway on an ephemeral port, with real WebSocket subscribers: signed and bearer
 * publishes, batches, retries that publish once (a 503 or a timeout after the gateway accepted, a refused
 * connection, a 429's Retry-After), and what a `PublishError` says about each final refusal.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FanoutResult } from '../../../server/engines/engine.js';
import type { Gateway } from '../../../server/gateway.js';
import { createPublisher, PublishError, type PublisherOptions } from '../../../server/publish/client.js';
import type { PublisherKey } from '../../../server/publish/publisher-keys.js';
import { connect, startGateway, type TestClient } from '../helpers.js';

const KEYS = {
  backend: { id: 'backend', secret: 'backend-secret-0123456789abcdef012345', topics: ['kpis.*', 'liveops.*'] },
  liveops: {
    id: 'liveops',
    secret: 'liveops-secret-0123456789abcdef012345',
    topics: ['liveops.*'],
    bearer: true,
  },
  slow: {
    id: 'slow',
    secret: 'slow-secret-0123456789abcdef0123456789',
    topics: ['ab.status'],
    rate: { burst: 1, perSecond: 1 },
  },
} satisfies Record<string, PublisherKey>;

/** The scope each seed topic requires. */
const SCOPES: Record<string, string> = {
  'kpis.s2': 'ops.admin',
  'liveops.events': 'liveops.admin',
  'ab.status': 'liveops.admin',
};

/** A subscriber of `topic` that has taken the retained message a subscription starts with, if any. */
async function listen(gw: Gateway, topic: string): Promise<TestClient> {
  const client = await connect(gw, [SCOPES[topic] ?? '']);
  client.send({ type: 'sub', topic });
  if ((await client.next('sub.ok')).seq > 0) await client.next('msg');
  return client;
}

/** A loopback port nothing listens on (a fetch to port 9, the usual choice, is refused by fetch itself). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A request as `fetch` was asked to send it. */
interface Sent {
  headers: Headers;
  body: string;
}

/**
 * A `fetch` that records every request and lets `fault(n, send)` replace attempt `n` (0 first); `send` is the
 * real request, so a fault can let the gateway accept it and still fail.
 */
function recordingFetch(
  fault?: (attempt: number, send: () => Promise<Response>, init: RequestInit) => Promise<Response>,
) {
  const sent: Sent[] = [];
  const fetchImpl: typeof fetch = async (input, init = {}) => {
    const body = Buffer.from(init.body as Uint8Array).toString('utf8');
    sent.push({ headers: new Headers(init.headers), body });
    const send = () => fetch(input, init);
    return fault ? fault(sent.length - 1, send, init) : send();
  };
  return { sent, fetch: fetchImpl };
}

describe('createPublisher', () => {
  let gw: Gateway<FanoutResult>;
  const publisher = (key: PublisherKey, options: Partial<PublisherOptions> = {}) =>
    createPublisher({ url: gw.url, keyId: key.id, secret: key.secret, ...options });

  before(async () => {
    gw = await startGateway({ publishKeys: Object.values(KEYS) });
  });
  after(() => gw.close());

  it('publishes a signed message that a WebSocket subscriber receives, and answers its seq and epoch', async () => {
    const ws = await listen(gw, 'kpis.s2');
    const { sent, fetch } = recordingFetch();
    const receipt = await publisher(KEYS.backend, { fetch }).publish('kpis.s2', { crash_free: 99.2 });
    const msg = await ws.next('msg');
    assert.deepEqual(msg.data, { crash_free: 99.2 });
    assert.deepEqual(receipt, { seq: msg.seq, epoch: gw.hub.topic('kpis.s2')?.history.epoch, duplicate: false });
    const [request] = sent;
    assert.equal(request?.headers.get('rt-key-id'), 'backend');
    assert.match(request?.headers.get('rt-signature') ?? '', /^v1=[0-9a-f]{64}$/);
    assert.match(JSON.parse(request?.body ?? '{}').id, /^[0-9a-f-]{36}$/, 'a generated idempotency key');
    await ws.close();
  });

  it('accepts the gateway URL with a trailing slash or the full publish URL', async () => {
    const ws = await listen(gw, 'kpis.s2');
    for (const url of [`${gw.url}/`, `${gw.url}/rt/publish`]) {
      const receipt = await publisher(KEYS.backend, { url }).publish('kpis.s2', { url });
      assert.equal((await ws.next('msg')).seq, receipt.seq);
    }
    await ws.close();
  });

  it('publishes with a bearer key (loopback HTTP), without signature headers', async () => {
    const ws = await listen(gw, 'liveops.events');
    const { sent, fetch } = recordingFetch();
    const receipt = await publisher(KEYS.liveops, { bearer: true, fetch }).publish('liveops.events', { kind: 'start' });
    assert.deepEqual((await ws.next('msg')).data, { kind: 'start' });
    assert.equal(receipt.duplicate, false);
    assert.equal(sent[0]?.headers.get('authorization'), `Bearer ${KEYS.liveops.secret}`);
    assert.equal(sent[0]?.headers.get('rt-signature'), null);
    await ws.close();
  });

  it('publishes a batch in one request, in order, with a receipt per message', async () => {
    const kpis = await listen(gw, 'kpis.s2');
    const events = await listen(gw, 'liveops.events');
    const { sent, fetch } = recordingFetch();
    const receipts = await publisher(KEYS.backend, { fetch }).publishBatch([
      { topic: 'kpis.s2', data: { n: 1 } },
      { topic: 'liveops.events', data: { n: 2 }, id: 'ev-batch-1' },
      { topic: 'kpis.s2', data: { n: 3 } },
    ]);
    assert.equal(sent.length, 1);
    const first = await kpis.next('msg');
    const second = await events.next('msg');
    const third = await kpis.next('msg');
    assert.deepEqual(
      [first, second, third].map((m) => m.data),
      [{ n: 1 }, { n: 2 }, { n: 3 }],
    );
    assert.deepEqual(
      receipts.map((r) => [r.seq, r.duplicate]),
      [
        [first.seq, false],
        [second.seq, false],
        [third.seq, false],
      ],
    );
    assert.equal(third.seq, first.seq + 1);
    await kpis.close();
    await events.close();
  });

  it('publishes an id once: the second call answers duplicate with the first seq and delivers nothing', async () => {
    const ws = await listen(gw, 'kpis.s2');
    const client = publisher(KEYS.backend);
    const first = await client.publish('kpis.s2', { v: 'once' }, { id: 'kpi-once' });
    const again = await client.publish('kpis.s2', { v: 'twice' }, { id: 'kpi-once' });
    assert.deepEqual(again, { ...first, duplicate: true });
    assert.deepEqual((await ws.next('msg')).data, { v: 'once' });
    await client.publish('kpis.s2', 'marker');
    assert.equal((await ws.next('msg')).data, 'marker', 'nothing between the first publish and the marker');
    await ws.close();
  });

  it('retries a 503 that came after the gateway published: same body and id, new nonce, published once', async () => {
    const ws = await listen(gw, 'kpis.s2');
    const { sent, fetch } = recordingFetch(async (attempt, send) => {
      const answer = await send();
      if (attempt > 0) return answer;
      await answer.text(); // the gateway published it; the answer is lost on the way back
      return Response.json({ error: 'unavailable', detail: 'the gateway is shutting down; retry' }, { status: 503 });
    });
    const receipt = await publisher(KEYS.backend, { fetch }).publish('kpis.s2', { retried: true });
    assert.equal(sent.length, 2);
    assert.equal(sent[1]?.body, sent[0]?.body, 'the same bytes, with the same id');
    assert.notEqual(sent[1]?.headers.get('rt-nonce'), sent[0]?.headers.get('rt-nonce'));
    assert.notEqual(sent[1]?.headers.get('rt-signature'), sent[0]?.headers.get('rt-signature'));
    const msg = await ws.next('msg');
    assert.deepEqual(receipt, { seq: msg.seq, epoch: receipt.epoch, duplicate: true });
    await publisher(KEYS.backend).publish('kpis.s2', 'marker');
    assert.equal((await ws.next('msg')).data, 'marker', 'the retry delivered nothing');
    await ws.close();
  });

  it('retries an attempt that timed out after the gateway published: published once', async () => {
    const ws = await listen(gw, 'kpis.s2');
    const { sent, fetch } = recordingFetch(async (attempt, send, init) => {
      const answer = await send();
      if (attempt > 0) return answer;
      await answer.text();
      const signal = init.signal as AbortSignal;
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    });
    const receipt = await publisher(KEYS.backend, { fetch, timeoutMs: 200 }).publish('kpis.s2', { slow: true });
    assert.equal(sent.length, 2);
    assert.equal(receipt.duplicate, true);
    assert.equal((await ws.next('msg')).seq, receipt.seq);
    await publisher(KEYS.backend).publish('kpis.s2', 'marker');
    assert.equal((await ws.next('msg')).data, 'marker');
    await ws.close();
  });

  it('retries a refused connection, then fails with status 0 naming the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const client = createPublisher({ url, keyId: 'backend', secret: KEYS.backend.secret, retries: 1 });
    const error = await client.publish('kpis.s2', 1, { id: 'kpi-unreachable' }).catch((e: unknown) => e);
    assert.ok(error instanceof PublishError);
    assert.deepEqual([error.status, error.code, error.attempts, error.ids], [0, 'network', 2, ['kpi-unreachable']]);
    assert.equal(error.message, `POST ${url}/rt/publish failed: connect ECONNREFUSED ${url.slice(7)} (2 attempts)`);
  });

  it("waits out a 429's Retry-After, then publishes; with no retries left it says how long to wait", async () => {
    const client = publisher(KEYS.slow);
    await client.publish('ab.status', { n: 1 }); // the key's only token
    const refused = await publisher(KEYS.slow, { retries: 0 })
      .publish('ab.status', { n: 2 })
      .catch((e: unknown) => e);
    assert.ok(refused instanceof PublishError);
    assert.deepEqual([refused.status, refused.code, refused.attempts], [429, 'rate_limited', 1]);
    assert.ok((refused.retryAfterMs ?? 0) >= 1000, String(refused.retryAfterMs));
    const ws = await listen(gw, 'ab.status');
    const started = Date.now();
    const receipt = await client.publish('ab.status', { n: 3 });
    assert.ok(Date.now() - started >= 900, 'waited for the token');
    assert.deepEqual((await ws.next('msg')).data, { n: 3 });
    assert.equal(receipt.duplicate, false);
    await ws.close();
  });

  describe('refusals are final: one attempt, and a PublishError that says what came back', () => {
    const refusal = async (key: PublisherKey, act: (p: ReturnType<typeof createPublisher>) => Promise<unknown>) => {
      const { sent, fetch } = recordingFetch();
      const error = await act(publisher(key, { fetch })).catch((e: unknown) => e);
      assert.ok(error instanceof PublishError, String(error));
      assert.equal(sent.length, 1, 'not retried');
      assert.equal(error.attempts, 1);
      assert.ok(!error.message.includes('\n'), 'one line');
      assert.ok(error.message.startsWith(`POST ${gw.url}/rt/publish answered ${error.status} ${error.code}`));
      return error;
    };

    it('403 forbidden_topic: a key limited to liveops.* publishing kpis.s2', async () => {
      const error = await refusal(KEYS.liveops, (p) => p.publish('kpis.s2', { crash_free: 99.2 }));
      assert.deepEqual(
        [error.status, error.code, error.reason, error.index],
        [403, 'forbidden_topic', undefined, undefined],
      );
      assert.match(error.message, /answered 403 forbidden_topic: key liveops may not publish this topic$/);
    });

    it('401 unauthorized with its reason: a wrong secret', async () => {
      const wrong = { ...KEYS.backend, secret: 'not-the-secret-0123456789abcdef0123456' };
      const error = await refusal(wrong, (p) => p.publish('kpis.s2', 1));
      assert.deepEqual([error.status, error.code, error.reason], [401, 'unauthorized', 'bad_signature']);
      assert.match(error.message, /answered 401 unauthorized \(bad_signature\): the signature does not match/);
    });

    it('404 unknown_topic: a topic the key covers but nobody registered', async () => {
      const error = await refusal(KEYS.backend, (p) => p.publish('kpis.nope', 1));
      assert.deepEqual([error.status, error.code], [404, 'unknown_topic']);
    });

    it('413 too_large: data over 64 KiB', async () => {
      const error = await refusal(KEYS.backend, (p) => p.publish('kpis.s2', 'x'.repeat(65 * 1024)));
      assert.deepEqual([error.status, error.code], [413, 'too_large']);
    });

    it('a batch names the message at fault and publishes none of it', async () => {
      const ws = await listen(gw, 'kpis.s2');
      const error = await refusal(KEYS.backend, (p) =>
        p.publishBatch([
          { topic: 'kpis.s2', data: 'first' },
          { topic: 'kpis.nope', data: 'second' },
        ]),
      );
      assert.deepEqual([error.status, error.code, error.index, error.ids.length], [404, 'unknown_topic', 1, 2]);
      assert.match(error.message, /answered 404 unknown_topic at message 1: /);
      await publisher(KEYS.backend).publish('kpis.s2', 'marker');
      assert.equal((await ws.next('msg')).data, 'marker', 'the first message was not published');
      await ws.close();
    });
  });

  it('refuses arguments outside the protocol with a TypeError, before any request', async () => {
    const { sent, fetch } = recordingFetch();
    const client = publisher(KEYS.backend, { fetch });
    await assert.rejects(client.publish('kpis.s2', 1, { id: 'has space' }), TypeError);
    await assert.rejects(client.publish('kpis.s2', undefined), TypeError);
    await assert.rejects(client.publishBatch([]), TypeError);
    await assert.rejects(
      client.publishBatch(Array.from({ length: 101 }, () => ({ topic: 'kpis.s2', data: 1 }))),
      TypeError,
    );
    assert.equal(sent.length, 0);
    const options = { keyId: 'backend', secret: KEYS.backend.secret };
    assert.throws(() => createPublisher({ ...options, url: 'ws://127.0.0.1:3100' }), /http\(s\)/);
    assert.throws(() => createPublisher({ ...options, url: 'not a url' }), /not a URL/);
    assert.throws(() => createPublisher({ ...options, url: 'http://rt.example.com', bearer: true }), /https/);
    assert.throws(() => createPublisher({ ...options, url: gw.url, retries: -1 }), /retries/);
  });
});
