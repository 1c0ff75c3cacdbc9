/**
 * A topic's admission on its own: schemas from real libraries (zod, valibot) and JSON Schema (ajv), asynchronous
 * validators, the four PII policies, keys as well as values, what is reported and what is never said.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { z } from 'zod';
import type { StandardSchemaV1 } from '../../../src/protocol/standard-schema.js';
import {
  Admission,
  PayloadRefused,
  type AdmissionReport,
  type PayloadRefusal,
  type PiiFinding,
} from '../../../server/contracts/admission.js';
import { MAX_SCAN_DEPTH, scanPayload } from '../../../server/contracts/pii-guard.js';
import type { PiiPolicy } from '../../../server/contracts/pii-guard.js';
import type { PayloadSchema } from '../../../server/contracts/payload-contract.js';
import { TopicRegistry } from '../../../server/delivery/topic-registry.js';
import { createLogger } from '../../../server/ops/log.js';

/** A value no log, error, metric or audit entry may ever show. */
const SECRET = 'jane.secret@example.com';

/** What an admission reported. */
function recorder(): AdmissionReport & { refusals: PayloadRefusal[]; findings: PiiFinding[] } {
  const refusals: PayloadRefusal[] = [];
  const findings: PiiFinding[] = [];
  return { refusals, findings, refused: (r) => refusals.push(r), found: (f) => findings.push(f) };
}

function admission(spec: { schema?: PayloadSchema; pii?: PiiPolicy }, report = recorder()) {
  return { admit: new Admission('kpis.s2', spec, { report }), report };
}

/** The refusal `run` throws. */
function refusal(run: () => unknown): PayloadRefused {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof PayloadRefused, String(error));
    return error;
  }
  assert.fail('not refused');
}

/** Everything an error shows when logged, in any way. */
const shown = (error: unknown) => `${String(error)} ${inspect(error, { depth: 5 })} ${JSON.stringify(error)}`;

const KPI = { crash_free: 99.2, p95_gpu: 15.8, ts: 1733312345678, build: 'v1.2.3', at: '2024-12-04T10:30:00Z' };

const schemas: [string, PayloadSchema][] = [
  ['zod', z.object({ crash_free: z.number(), build: z.string() })],
  ['valibot', v.object({ crash_free: v.number(), build: v.string() })],
  [
    'JSON Schema',
    {
      type: 'object',
      required: ['crash_free', 'build'],
      properties: { crash_free: { type: 'number' }, build: { type: 'string' } },
    },
  ],
];

describe('Admission', () => {
  for (const [library, schema] of schemas) {
    it(`admits a matching payload as sent and refuses one that misses, with ${library}`, () => {
      const { admit, report } = admission({ schema, pii: 'off' });
      assert.equal(admit.checkSync(KPI, 'fanout'), KPI, 'the very same value');
      const refused = refusal(() => admit.checkSync({ ...KPI, crash_free: SECRET }, 'fanout'));
      assert.equal(refused.reason, 'schema');
      assert.equal(refused.topic, 'kpis.s2');
      assert.deepEqual(
        refused.issues.map((i) => i.path),
        ['/crash_free'],
      );
      assert.match(refused.message, /^kpis\.s2: the payload does not match the topic's schema \(\/crash_free: /);
      assert.doesNotMatch(shown(refused), /jane|secret|example/);
      assert.deepEqual(report.refusals, [
        { topic: 'kpis.s2', source: 'fanout', reason: 'schema', paths: ['/crash_free'], kinds: [] },
      ]);
    });
  }

  it("keeps a validator's message that quotes nothing, replaces one that quotes the data", () => {
    const zodIssue = refusal(() =>
      admission({ schema: z.object({ n: z.number() }) }).admit.checkSync({ n: 'x' }, 'http'),
    ).issues[0];
    assert.match(zodIssue?.message ?? '', /expected number/i);
    const valibotIssue = refusal(() =>
      admission({ schema: v.object({ n: v.string() }) }).admit.checkSync({ n: 4111111111111111 }, 'http'),
    ).issues[0];
    assert.equal(valibotIssue?.message, 'does not match the schema');
  });

  it('never shows a key that is not identifier-like in a path', () => {
    const schema = z.record(z.string(), z.number());
    const refused = refusal(() => admission({ schema }).admit.checkSync({ [SECRET]: 'x', plain_key: 'y' }, 'fanout'));
    assert.deepEqual(refused.issues.map((i) => i.path).sort(), ['/*', '/plain_key']);
    assert.doesNotMatch(shown(refused), /jane|secret/);
  });

  it('publishes the payload as sent, never the output of a transforming schema', () => {
    const schema = z.object({ name: z.string().transform((s) => s.toUpperCase()) });
    const payload = { name: 'ops' };
    assert.equal(admission({ schema, pii: 'off' }).admit.checkSync(payload, 'fanout'), payload);
  });

  it('refuses a throwing validator as a schema failure, without its message', () => {
    const schema: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => {
          throw new Error(`bad ${SECRET}`);
        },
      },
    };
    const refused = refusal(() => admission({ schema }).admit.checkSync(KPI, 'fanout'));
    assert.deepEqual(refused.issues, [{ path: '', message: 'the schema validator threw an error' }]);
  });

  it('awaits an asynchronous validator in check(), and refuses it in checkSync() telling to use publish()', async () => {
    const schema: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) =>
          Promise.resolve(
            typeof value === 'number' ? { value } : { issues: [{ message: 'not a number', path: ['n'] }] },
          ),
      },
    };
    const { admit } = admission({ schema, pii: 'off' });
    assert.equal(await admit.check(7, 'http'), 7);
    await assert.rejects(admit.check('x', 'http'), (e) => e instanceof PayloadRefused && e.issues[0]?.path === '/n');
    assert.throws(
      () => admit.checkSync(7, 'fanout'),
      (e) =>
        e instanceof TypeError &&
        !(e instanceof PayloadRefused) &&
        /validates asynchronously: use publish\(\)/.test(e.message),
    );
  });

  it('settles check() at once with a synchronous schema, so payloads keep their order', async () => {
    const { admit } = admission({ schema: z.number(), pii: 'warn' });
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4].map((n) => admit.check(n, 'redis').then(() => order.push(n))));
    assert.deepEqual(order, [1, 2, 3, 4]);
  });

  it('with PII off and no schema, is inert: callers skip it and nothing is scanned', () => {
    assert.equal(admission({ pii: 'off' }).admit.inert, true);
    assert.equal(admission({ pii: 'warn' }).admit.inert, false);
    assert.equal(admission({ pii: 'off', schema: z.number() }).admit.inert, false);
  });

  it('warn: publishes as is, reports each kind with its count, logs once per kind with no content', () => {
    const lines: string[] = [];
    const sink = { error: (l: string) => lines.push(l), warn: (l: string) => lines.push(l), info() {}, debug() {} };
    const report = recorder();
    const admit = new Admission('kpis.s2', { pii: 'warn' }, { report, logger: createLogger('info', sink) });
    const payload = { who: SECRET, also: 'ops@example.org', phone: '+90 532 123 45 67' };
    assert.equal(admit.checkSync(payload, 'fanout'), payload);
    admit.checkSync(payload, 'fanout');
    assert.deepEqual(report.findings.slice(0, 2), [
      { topic: 'kpis.s2', source: 'fanout', kind: 'email', count: 2, action: 'warned' },
      { topic: 'kpis.s2', source: 'fanout', kind: 'phone', count: 1, action: 'warned' },
    ]);
    assert.equal(report.findings.length, 4);
    assert.equal(lines.length, 1, 'one line per topic and kind');
    assert.match(lines[0] ?? '', /kpis\.s2: personal data published as is .*kinds: 'email,phone'/);
    assert.doesNotMatch(lines.join('\n'), /jane|secret|ops@|532/);
  });

  it('redact: replaces each finding, in values and keys, and leaves the original untouched', () => {
    const { admit, report } = admission({ pii: 'redact' });
    const payload = {
      kpi: 99.2,
      note: `mail ${SECRET} or call 0532 123 45 67`,
      list: ['ok', '203.0.113.7'],
      [SECRET]: 1,
      'second@example.com': 2,
      nested: { untouched: { a: 1 } },
    };
    const copy = structuredClone(payload);
    const out = admit.checkSync(payload, 'http') as Record<string, unknown>;
    assert.deepEqual(payload, copy, 'the input is not modified');
    assert.deepEqual(out, {
      kpi: 99.2,
      note: 'mail [redacted:email] or call [redacted:phone]',
      list: ['ok', '[redacted:ip]'],
      '[redacted:email]': 1,
      '[redacted:email]#2': 2,
      nested: payload.nested,
    });
    assert.equal(out['nested'], payload.nested, 'unchanged parts are shared, not copied');
    assert.deepEqual(
      report.findings.map((f) => [f.kind, f.count, f.action]),
      [
        ['email', 3],
        ['phone', 1],
        ['ip', 1],
      ].map(([kind, count]) => [kind, count, 'redacted']),
    );
  });

  it('refuse: refuses with the kinds and content-free paths, reports findings as refused', () => {
    const { admit, report } = admission({ pii: 'refuse' });
    const refused = refusal(() =>
      admit.checkSync({ user: { contact: SECRET }, cards: ['4111 1111 1111 1111'], kpi: 1 }, 'stream', 'stream'),
    );
    assert.equal(refused.reason, 'pii');
    assert.deepEqual(refused.kinds, ['email', 'card']);
    assert.deepEqual(refused.issues, [
      { path: '/user/contact', message: 'personal data: email' },
      { path: '/cards/0', message: 'personal data: card' },
    ]);
    assert.doesNotMatch(shown(refused), /jane|secret|4111/);
    assert.deepEqual(report.refusals, [
      {
        topic: 'kpis.s2',
        source: 'stream',
        reason: 'pii',
        paths: ['/user/contact', '/cards/0'],
        kinds: ['email', 'card'],
        key: 'stream',
      },
    ]);
    assert.deepEqual(
      report.findings.map((f) => f.action),
      ['refused', 'refused'],
    );
  });

  it('refuses a payload nested too deep to scan under redact and refuse, publishes it under warn', () => {
    let deep: unknown = 'end';
    for (let i = 0; i <= MAX_SCAN_DEPTH; i++) deep = [deep];
    assert.equal(scanPayload(deep, false).truncated, true);
    for (const pii of ['redact', 'refuse'] as const)
      assert.match(
        refusal(() => admission({ pii }).admit.checkSync(deep, 'fanout')).issues.at(-1)?.message ?? '',
        /nested deeper than 64 levels/,
      );
    assert.equal(admission({ pii: 'warn' }).admit.checkSync(deep, 'fanout'), deep);
  });

  it('scans what JSON will carry: toJSON results, not numbers', () => {
    const when = new Date(0);
    assert.equal(scanPayload({ when, n: 4111111111111111, t: 1733312345678 }, false).counts, undefined);
    const custom = { toJSON: () => ({ mail: SECRET }) };
    assert.deepEqual(scanPayload({ custom }, true).value, { custom: { mail: '[redacted:email]' } });
  });
});

describe('registerTopic with a contract', () => {
  it('refuses a schema that is neither Standard Schema nor JSON Schema, or an invalid JSON Schema, clearly', () => {
    const registry = new TopicRegistry();
    assert.throws(
      () => registry.register('a.b', { scopes: [], schema: new Map() as unknown as PayloadSchema }),
      (e) =>
        e instanceof TypeError && /^registerTopic: a\.b: schema must be a Standard Schema validator/.test(e.message),
    );
    assert.throws(
      () => registry.register('a.b', { scopes: [], schema: { type: 'object', requried: ['x'] } }),
      (e) => e instanceof TypeError && /^registerTopic: a\.b: the JSON Schema is invalid: strict mode/.test(e.message),
    );
    assert.throws(
      () => registry.register('a.b', { scopes: [], pii: 'maybe' as PiiPolicy }),
      /pii policy of a\.b must be off, warn, redact or refuse/,
    );
    assert.equal(registry.get('a.b'), undefined, 'nothing registered');
  });

  it('checks JSON Schema formats (ajv-formats) and drafts 2020-12', () => {
    const registry = new TopicRegistry();
    const topic = registry.register('a.b', {
      scopes: [],
      pii: 'off',
      schema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: {
          at: { type: 'string', format: 'date-time' },
          tags: { type: 'array', prefixItems: [{ type: 'string' }] },
        },
      },
    });
    assert.ok(topic.admission.checkSync({ at: '2024-12-04T10:30:00Z', tags: ['a'] }, 'fanout'));
    assert.equal(refusal(() => topic.admission.checkSync({ at: 'yesterday' }, 'fanout')).issues[0]?.path, '/at');
  });

  it('updates the contract and policy of a registered topic, keeping the topic', () => {
    const registry = new TopicRegistry(100, { pii: 'refuse' });
    const topic = registry.register('a.b', { scopes: [] });
    assert.equal(topic.admission.pii, 'refuse', 'the registry default');
    assert.equal(registry.register('a.b', { scopes: [], pii: 'off' }), topic);
    assert.equal(topic.admission.inert, true);
  });

  it('names the install command when a JSON Schema is given and ajv is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-no-ajv-'));
    try {
      // Makes `ajv` unresolvable in the child, as in a project that never installed it.
      const hide = join(dir, 'hide-ajv.cjs');
      await writeFile(
        hide,
        `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'ajv' || request.startsWith('ajv/')) {
    const error = new Error("Cannot find module '" + request + "'");
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolve.call(this, request, ...rest);
};`,
      );
      const script = `import { TopicRegistry } from './server/delivery/topic-registry.ts';
const registry = new TopicRegistry();
registry.register('a.b', { scopes: [], schema: { type: 'object' } });`;
      const child = spawnSync(
        process.execPath,
        ['--require', hide, '--import', 'tsx', '--input-type=module', '-e', script],
        {
          encoding: 'utf8',
        },
      );
      assert.notEqual(child.status, 0);
      assert.match(child.stderr, /registerTopic: a\.b: a JSON Schema needs the ajv package: npm install ajv@\^8/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
