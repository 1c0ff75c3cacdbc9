/**
 * Payload contracts and the PII guard at the in-memory gateway's entry points, with real WebSocket and SSE
 * subscribers: `fanout()`, `publish()` and `POST /rt/publish` (single and batch), with zod, valibot and a JSON
 * Schema; each PII policy; and what `/metrics`, the logs and the audit log say about it (never the content).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as v from 'valibot';
import { z } from 'zod';
import type { StandardSchemaV1 } from '../../../src/protocol/standard-schema.js';
import { PayloadRefused } from '../../../server/contracts/admission.js';
import type { Gateway } from '../../../server/gateway.js';
import type { TopicSpec } from '../../../server/delivery/topic-registry.js';
import { createLogger } from '../../../server/ops/log.js';
import { verifyAuditLog } from '../../../server/ops/audit/verify.js';
import { get, signedQuery, SseReader, sseUrl, startGateway, subscribed, type TestClient } from '../helpers.js';
import { KEYS, publishRequest } from '../publish/publish-request.js';

/** What must never show in a log line, a metric or an audit entry. */
const SECRET = 'jane.secret@example.com';
const SECRET_PATTERN = /jane|secret|example\.com|4111|10000000146/;

/** Resolves on the next turn: a synchronous schema's verdict for publish() is in by then. */
const asyncSchema: StandardSchemaV1 = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) =>
      new Promise((resolve) =>
        setImmediate(() =>
          resolve(
            typeof (value as { crash_free?: unknown })?.crash_free === 'number'
              ? { value }
              : { issues: [{ message: 'crash_free must be a number', path: ['crash_free'] }] },
          ),
        ),
      ),
  },
};

const jsonSchema = {
  type: 'object',
  required: ['crash_free'],
  properties: { crash_free: { type: 'number' }, contact: { type: 'string', format: 'email' } },
};

const TOPICS: Record<string, TopicSpec> = {
  'c.zod': { scopes: [], schema: z.object({ crash_free: z.number() }), pii: 'off' },
  'c.valibot': { scopes: [], schema: v.object({ crash_free: v.number() }), pii: 'off' },
  'c.json': { scopes: [], schema: jsonSchema, pii: 'off' },
  'c.async': { scopes: [], schema: asyncSchema, pii: 'off' },
  'c.warn': { scopes: [] }, // the gateway's default: warn
  'c.redact': { scopes: [], pii: 'redact' },
  'c.refuse': { scopes: [], pii: 'refuse' },
  'c.off': { scopes: [], pii: 'off' },
};

const PII_PAYLOAD = { kpi: 99.2, contact: SECRET, card: '4111 1111 1111 1111', at: '2024-12-04T10:30:00Z' };

describe('payload contracts and the PII guard at every entry point (in memory)', () => {
  let gw: Gateway;
  let auditDir: string;
  const lines: string[] = [];

  before(async () => {
    auditDir = await mkdtemp(join(tmpdir(), 'rt-audit-contracts-'));
    const keep = (line: string) => lines.push(line);
    const logger = createLogger('debug', { error: keep, warn: keep, info: keep, debug: keep });
    gw = await startGateway({ topics: TOPICS, publishKeys: Object.values(KEYS), audit: { dir: auditDir }, logger });
  });
  after(async () => {
    await gw.close();
    await rm(auditDir, { recursive: true, force: true });
  });

  /** A subscriber of `topic` that has taken the latest message a subscription starts with, if there is one. */
  const subscriber = async (topic: string): Promise<TestClient> => {
    const ws = await subscribed(gw, [], topic);
    if ((gw.hub.topic(topic)?.history.seq ?? 0) > 0) await ws.next('msg');
    return ws;
  };

  for (const topic of ['c.zod', 'c.valibot', 'c.json']) {
    it(`fanout() refuses a payload the schema of ${topic} does not match; subscribers never see it`, async () => {
      const ws = await subscriber(topic);
      gw.fanout(topic, { crash_free: 99.1 });
      const first = await ws.next('msg');
      assert.throws(
        () => gw.fanout(topic, { crash_free: SECRET }),
        (e) => e instanceof PayloadRefused && e.reason === 'schema' && e.issues[0]?.path === '/crash_free',
      );
      assert.throws(() => gw.fanout(topic, 'not an object'), PayloadRefused);
      gw.fanout(topic, { crash_free: 99.3 });
      const next = await ws.next('msg');
      assert.deepEqual([next.seq, next.data], [first.seq + 1, { crash_free: 99.3 }], 'nothing in between');
      await ws.close();
    });
  }

  it('publish() rejects with PayloadRefused; an asynchronous schema is awaited by publish(), refused by fanout()', async () => {
    const ws = await subscriber('c.async');
    await assert.rejects(gw.publish('c.async', { crash_free: 'x' }), PayloadRefused);
    assert.throws(() => gw.fanout('c.async', { crash_free: 1 }), /validates asynchronously: use publish\(\)/);
    const receipt = await gw.publish('c.async', { crash_free: 98.7 });
    assert.deepEqual([(await ws.next('msg')).seq, receipt.seq], [1, 1]);
    await assert.rejects(gw.publish('c.zod', { crash_free: null }), (e) => e instanceof PayloadRefused);
    await ws.close();
  });

  it('publish() with a synchronous check sequences in its own turn: publish(a) then fanout(b) keeps that order', async () => {
    for (const topic of ['c.warn', 'c.zod']) {
      const ws = await subscriber(topic);
      const receipt = gw.publish(topic, { crash_free: 1 });
      gw.fanout(topic, { crash_free: 2 });
      const [first, second] = [await ws.next('msg'), await ws.next('msg')];
      assert.deepEqual([first.data, second.data], [{ crash_free: 1 }, { crash_free: 2 }], topic);
      assert.equal((await receipt).seq, first.seq);
      await ws.close();
    }
  });

  it('POST /rt/publish answers 422 invalid_payload with the issues; a batch publishes none of its messages', async () => {
    const ws = await subscriber('c.json');
    const seq = gw.hub.topic('c.json')?.history.seq ?? 0;
    const single = await publishRequest(gw.url, { topic: 'c.json', data: { crash_free: SECRET } });
    assert.equal(single.status, 422);
    assert.deepEqual(single.body, {
      error: 'invalid_payload',
      detail: 'the payload does not match the schema of c.json',
      issues: [{ path: '/crash_free', message: 'must be number' }],
    });
    const badFormat = await publishRequest(gw.url, { topic: 'c.json', data: { crash_free: 1, contact: 'nope' } });
    assert.deepEqual((badFormat.body['issues'] as unknown[])[0], {
      path: '/contact',
      message: 'must match format "email"',
    });
    const batch = await publishRequest(gw.url, {
      messages: [
        { topic: 'c.json', data: { crash_free: 1 } },
        { topic: 'c.zod', data: { crash_free: 'x' } },
      ],
    });
    assert.deepEqual([batch.status, batch.body['error'], batch.body['index']], [422, 'invalid_payload', 1]);
    assert.equal(gw.hub.topic('c.json')?.history.seq, seq, 'the valid message of the batch was not published either');
    const ok = await publishRequest(gw.url, {
      messages: [
        { topic: 'c.json', data: { crash_free: 2 } },
        { topic: 'c.async', data: { crash_free: 3 } },
      ],
    });
    assert.equal(ok.status, 200);
    assert.deepEqual((await ws.next('msg')).data, { crash_free: 2 });
    await ws.close();
  });

  it('warn publishes as is and counts; off publishes without a scan', async () => {
    const warn = await subscriber('c.warn');
    const off = await subscriber('c.off');
    gw.fanout('c.warn', PII_PAYLOAD);
    gw.fanout('c.off', PII_PAYLOAD);
    assert.deepEqual((await warn.next('msg')).data, PII_PAYLOAD);
    assert.deepEqual((await off.next('msg')).data, PII_PAYLOAD);
    await Promise.all([warn.close(), off.close()]);
  });

  it('off costs nothing: the payload is not even walked (its keys are read once, by JSON.stringify)', () => {
    const reads = { off: 0, warn: 0 };
    const watched = (policy: keyof typeof reads) =>
      new Proxy(
        { kpi: 1 },
        {
          ownKeys: (target) => {
            reads[policy] += 1;
            return Reflect.ownKeys(target);
          },
        },
      );
    gw.fanout('c.off', watched('off'));
    gw.fanout('c.warn', watched('warn'));
    assert.deepEqual(reads, { off: 1, warn: 2 });
  });

  it('redact: WebSocket and SSE subscribers receive the redacted message, over fanout() and HTTP', async () => {
    const ws = await subscriber('c.redact');
    const sse = new SseReader(sseUrl(gw, `${signedQuery([])}&topics=c.redact`));
    await sse.waitFor(2); // hello, sub.ok
    gw.fanout('c.redact', PII_PAYLOAD);
    const redacted = { ...PII_PAYLOAD, contact: '[redacted:email]', card: '[redacted:card]' };
    assert.deepEqual((await ws.next('msg')).data, redacted);
    await sse.waitFor(3);
    assert.deepEqual((sse.events[2]?.data as { data: unknown }).data, redacted);
    const answer = await publishRequest(gw.url, { topic: 'c.redact', data: { note: `call +90 532 123 45 67` } });
    assert.equal(answer.status, 200);
    assert.deepEqual((await ws.next('msg')).data, { note: 'call [redacted:phone]' });
    sse.close();
    await ws.close();
  });

  it('refuse: fanout() throws, HTTP answers 422 pii_refused with the kinds; subscribers never see it', async () => {
    const ws = await subscriber('c.refuse');
    assert.throws(
      () => gw.fanout('c.refuse', PII_PAYLOAD),
      (e) => e instanceof PayloadRefused && e.reason === 'pii' && e.kinds.join() === 'email,card',
    );
    const answer = await publishRequest(gw.url, { topic: 'c.refuse', data: { id: '10000000146' } });
    assert.deepEqual(
      [answer.status, answer.body],
      [
        422,
        {
          error: 'pii_refused',
          detail: 'the payload carries personal data, which c.refuse refuses',
          kinds: ['tckn'],
          issues: [{ path: '/id', message: 'personal data: tckn' }],
        },
      ],
    );
    gw.fanout('c.refuse', { kpi: 1, at: '2024-12-04T10:30:00Z', build: 'v1.2.3' });
    assert.deepEqual((await ws.next('msg')).data, { kpi: 1, at: '2024-12-04T10:30:00Z', build: 'v1.2.3' });
    await ws.close();
  });

  it('counts refusals and findings in /metrics, and never shows content there, in logs or in the audit log', async () => {
    const metrics = (await get(`${gw.url}/metrics`)).body;
    const value = (name: string, labels: string) =>
      Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? NaN);
    assert.equal(value('rt_payload_refusals_total', 'topic="c.zod",source="fanout",reason="schema"'), 3);
    assert.equal(value('rt_payload_refusals_total', 'topic="c.json",source="http",reason="schema"'), 2);
    assert.equal(value('rt_payload_refusals_total', 'topic="c.zod",source="http",reason="schema"'), 1);
    assert.equal(value('rt_payload_refusals_total', 'topic="c.refuse",source="http",reason="pii"'), 1);
    assert.equal(value('rt_pii_findings_total', 'topic="c.warn",kind="email",action="warned"'), 1);
    assert.equal(value('rt_pii_findings_total', 'topic="c.redact",kind="phone",action="redacted"'), 1);
    assert.equal(value('rt_pii_findings_total', 'topic="c.refuse",kind="card",action="refused"'), 1);
    assert.doesNotMatch(metrics, /topic="c\.off"[^}]*kind=/, 'off: no scan, no finding');
    assert.match(metrics, /rt_publish_refusals_total\{source="http",key="ops-backend",reason="pii_refused"\} 1/);
    // Names and labels only: a sample's value (a duration's digits) may hold `4111` by chance.
    assert.doesNotMatch(metrics.replace(/^([^#].*) \S+$/gm, '$1'), SECRET_PATTERN);

    assert.ok(lines.some((l) => /c\.warn: personal data published as is/.test(l)));
    assert.doesNotMatch(lines.join('\n'), SECRET_PATTERN);

    await gw.close(); // writes what the audit log still holds
    const [file] = await readdir(auditDir);
    const text = await readFile(join(auditDir, file as string), 'utf8');
    // The chain's hashes are hex: one may hold `4111` by chance.
    assert.doesNotMatch(text.replace(/"(hash|prev)":"[0-9a-f]{64}"/g, ''), SECRET_PATTERN);
    const entries = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const refused = entries.filter((e) => e['event'] === 'payload_refused');
    assert.deepEqual(
      refused.find((e) => e['topic'] === 'c.refuse' && e['source'] === 'http'),
      {
        ...refused.find((e) => e['topic'] === 'c.refuse' && e['source'] === 'http'),
        reason: 'pii',
        paths: ['/id'],
        kinds: ['tckn'],
        kid: 'ops-backend',
        count: 1,
      },
    );
    assert.ok(refused.some((e) => e['topic'] === 'c.zod' && e['source'] === 'fanout' && e['reason'] === 'schema'));
    assert.equal(entries.filter((e) => e['event'] === 'publish_refused').length, 0, 'no second entry per refusal');
    const verified = await verifyAuditLog(auditDir);
    assert.equal(verified.ok, true, JSON.stringify(verified.problem));
  });
});

describe('a refused HTTP batch, and redaction near the size limit', () => {
  let gw: Gateway;
  const lines: string[] = [];

  before(async () => {
    const keep = (line: string) => lines.push(line);
    const logger = createLogger('info', { error: keep, warn: keep, info: keep, debug: keep });
    gw = await startGateway({ topics: TOPICS, publishKeys: Object.values(KEYS), logger });
  });
  after(() => gw.close());

  const metric = async (labels: string) =>
    new RegExp(`^rt_pii_findings_total\\{${labels}\\} (\\d+)`, 'm').exec((await get(`${gw.url}/metrics`)).body)?.[1];

  it('counts the findings of a batch only once it is published: a refused batch counts only the refused message', async () => {
    const refused = await publishRequest(gw.url, {
      messages: [
        { topic: 'c.warn', data: PII_PAYLOAD },
        { topic: 'c.redact', data: PII_PAYLOAD },
        { topic: 'c.refuse', data: PII_PAYLOAD },
      ],
    });
    assert.deepEqual([refused.status, refused.body['error'], refused.body['index']], [422, 'pii_refused', 2]);
    assert.equal(await metric('topic="c.warn",kind="email",action="warned"'), undefined, 'c.warn was not published');
    assert.equal(await metric('topic="c.redact",kind="email",action="redacted"'), undefined);
    assert.equal(await metric('topic="c.refuse",kind="email",action="refused"'), '1');
    assert.ok(!lines.some((l) => /c\.warn: personal data published as is/.test(l)), 'nor was its warn line written');

    const published = await publishRequest(gw.url, {
      messages: [
        { topic: 'c.warn', data: PII_PAYLOAD },
        { topic: 'c.redact', data: PII_PAYLOAD },
      ],
    });
    assert.equal(published.status, 200);
    assert.equal(await metric('topic="c.warn",kind="email",action="warned"'), '1');
    assert.equal(await metric('topic="c.redact",kind="email",action="redacted"'), '1');
    assert.ok(lines.some((l) => /c\.warn: personal data published as is/.test(l)));
  });

  it('answers 413 too_large for data under 64 KiB as sent that its redaction takes over it', async () => {
    const ips = Array.from({ length: 4500 }, (_, i) => `10.0.${i % 250}.${i % 200}`); // each shorter than its [redacted:ip]
    assert.ok(JSON.stringify(ips).length < 64 * 1024);
    const answer = await publishRequest(gw.url, { topic: 'c.redact', data: ips });
    assert.deepEqual([answer.status, answer.body['error']], [413, 'too_large']);
    assert.match(String(answer.body['detail']), /once redacted/);
    assert.equal(gw.hub.topic('c.redact')?.history.seq, 1, 'only the batch of the test before was published');
  });

  it('says a payload nested too deep to scan is refused for that, not for personal data it named', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 80; i++) deep = [deep];
    assert.throws(
      () => gw.fanout('c.refuse', deep),
      (e) => e instanceof PayloadRefused && /nested too deep to be scanned/.test(e.message) && e.kinds.length === 0,
    );
  });
});
