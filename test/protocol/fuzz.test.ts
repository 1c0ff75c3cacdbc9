/**
 * Property-based fuzz of the protocol parsers (issue 8): thousands of generated inputs each, from pure noise to
 * near-valid tickets and frames with one thing wrong. Every parser must never throw, must answer in its documented
 * shape, must agree with an oracle written from PROTOCOL.md, and what it accepts must survive a round trip.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  AuthFailure,
  EPOCH,
  FrameError,
  MAX_SCOPES,
  MAX_SSE_TOPICS,
  SubError,
  formatSinceList,
  parseClientFrame,
  parseSinceList,
  parseTicket,
  parseTopicList,
  ticketQuery,
  type ClientFrameResult,
  type SseResume,
  type Ticket,
  type TicketParseResult,
} from '../../src/protocol/index.js';
import { parseSseRequest } from '../../server/endpoints/sse.js';

const RUNS = { numRuns: 3000 };

// ---------------------------------------------------------------------------------------------------------
// The grammar of PROTOCOL.md §2, written out again as an oracle (independently of src/protocol/)

const TS = /^[1-9][0-9]{9}$/;
const NONCE = /^[0-9a-f]{16,64}$/;
const SIG = /^[0-9a-f]{64}$/;
const KID = /^[A-Za-z0-9._-]{1,64}$/;
const SCOPE = /^[a-z0-9._:-]{1,64}$/;
const TOPIC = /^[a-z0-9._-]{1,128}$/;
const SEQ_TEXT = /^(0|[1-9][0-9]{0,14})$/;

function oracleScopes(value: string): string[] | undefined {
  if (value === '') return [];
  const list = value.split(',');
  const ok = list.length <= 32 && list.every((s) => SCOPE.test(s)) && new Set(list).size === list.length;
  return ok ? list : undefined;
}

/** What §2.2 / §2.5 step 1 say a query's ticket parses to. */
function oracleTicket(
  query: URLSearchParams,
): { ok: true; ticket: Record<string, unknown> } | { ok: false; reason: string } {
  const all = (name: string) => query.getAll(name);
  for (const name of ['ts', 'nonce', 'scopes', 'sig'])
    if (all(name).length === 0) return { ok: false, reason: 'missing_param' };
  for (const name of ['ts', 'nonce', 'scopes', 'sig', 'kid'])
    if (all(name).length > 1) return { ok: false, reason: 'bad_param' };
  const [ts, nonce, scopes, sig] = ['ts', 'nonce', 'scopes', 'sig'].map((n) => all(n)[0] as string) as [
    string,
    string,
    string,
    string,
  ];
  const kid = all('kid')[0];
  if (!TS.test(ts)) return { ok: false, reason: 'bad_ts' };
  if (!NONCE.test(nonce) || !SIG.test(sig) || (kid !== undefined && !KID.test(kid)))
    return { ok: false, reason: 'bad_param' };
  const scopeList = oracleScopes(scopes);
  if (!scopeList) return { ok: false, reason: 'bad_param' };
  return { ok: true, ticket: { ts: Number(ts), nonce, scopes, sig, scopeList, ...(kid === undefined ? {} : { kid }) } };
}

/** The documented shape of a {@link parseTicket} answer. */
function assertTicketShape(result: TicketParseResult): void {
  if (!result.ok) {
    assert.ok(
      ([AuthFailure.missingParam, AuthFailure.badParam, AuthFailure.badTs] as string[]).includes(result.reason),
      result.reason,
    );
    assert.deepEqual(Object.keys(result).sort(), ['ok', 'reason']);
    return;
  }
  const { ticket } = result;
  // Ten digits, possibly with leading zeros (`0000000000` is well-formed, if 56 years stale).
  assert.ok(Number.isSafeInteger(ticket.ts) && ticket.ts >= 0 && ticket.ts <= 9_999_999_999);
  assert.match(ticket.nonce, NONCE);
  assert.match(ticket.sig, SIG);
  if (ticket.kid !== undefined) assert.match(ticket.kid, KID);
  else assert.equal('kid' in ticket, false);
  assert.ok(ticket.scopeList.length <= MAX_SCOPES);
  assert.equal(ticket.scopeList.join(','), ticket.scopes);
  for (const scope of ticket.scopeList) assert.match(scope, SCOPE);
}

/** Every accepted ticket, written back with `ticketQuery`, parses to the same ticket. */
function assertTicketRoundTrip(result: TicketParseResult): void {
  if (!result.ok) return;
  const { scopeList: _scopeList, ...ticket } = result.ticket;
  void _scopeList;
  assert.deepEqual(parseTicket(new URLSearchParams(ticketQuery(ticket))), result);
}

// ---------------------------------------------------------------------------------------------------------
// Arbitraries

const hex = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: min, maxLength: max });
const scopeName = fc.stringMatching(/^[a-z0-9._:-]{1,64}$/);
const topicName = fc.stringMatching(/^[a-z0-9._-]{1,128}$/);
const epochArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const kidArb = fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/);

/** A well-formed ticket (not signed: the parsers check format only). */
const ticketArb: fc.Arbitrary<Ticket> = fc
  .record({
    ts: fc.integer({ min: 1_000_000_000, max: 9_999_999_999 }),
    nonce: hex(16, 64),
    scopes: fc.uniqueArray(scopeName, { maxLength: MAX_SCOPES }).map((list) => list.join(',')),
    sig: hex(64, 64),
    kid: fc.option(kidArb, { nil: undefined }),
  })
  .map(({ kid, ...rest }) => (kid === undefined ? rest : { ...rest, kid }));

/** Text from the characters a query string is made of, plus look-alikes and controls, to hit the edges. */
const queryish = fc.string({
  unit: fc.constantFrom(...'tsnoncescopesigkid=&,:%+ 0123456789abcdefABCDEF._-\u0430\uff11\u0000\u200d'),
  maxLength: 120,
});

/** Noise of every kind. */
const noise = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  queryish,
);

/** One thing done to a ticket's parameter list. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('replace' as const),
    at: fc.nat(),
    value: fc.oneof(noise, hex(0, 70), fc.stringMatching(/^[0-9]{8,12}$/)),
  }),
  fc.record({
    op: fc.constant('append' as const),
    at: fc.nat(),
    value: noise,
    key: fc.oneof(fc.constantFrom('ts', 'nonce', 'scopes', 'sig', 'kid', 'TS', 'x'), fc.string({ maxLength: 8 })),
  }),
);

/** A ticket's parameters as key/value pairs, then a few mutations. */
const ticketPairs = fc.tuple(ticketArb, fc.array(mutation, { maxLength: 3 })).map(([ticket, mutations]) => {
  const pairs: [string, string][] = [...new URLSearchParams(ticketQuery(ticket))];
  for (const m of mutations) {
    if (pairs.length === 0 && m.op !== 'append') continue;
    const at = m.at % Math.max(1, pairs.length);
    if (m.op === 'drop') pairs.splice(at, 1);
    else if (m.op === 'repeat') pairs.splice(at, 0, pairs[at] as [string, string]);
    else if (m.op === 'replace') pairs[at] = [(pairs[at] as [string, string])[0], m.value];
    else pairs.splice(at, 0, [m.key, m.value]);
  }
  return pairs;
});

// ---------------------------------------------------------------------------------------------------------

describe('fuzz: parseTicket', () => {
  it('never throws on arbitrary query strings, answers in the documented shape and agrees with the oracle', () => {
    fc.assert(
      fc.property(noise, (text) => {
        const query = new URLSearchParams(text);
        const result = parseTicket(query);
        assertTicketShape(result);
        assert.deepEqual(result, oracleTicket(query));
        assertTicketRoundTrip(result);
      }),
      RUNS,
    );
  });

  it('accepts every well-formed ticket written by ticketQuery, unchanged', () => {
    fc.assert(
      fc.property(ticketArb, (ticket) => {
        const result = parseTicket(new URLSearchParams(ticketQuery(ticket)));
        assert.ok(result.ok);
        assert.deepEqual(result.ticket, { ...ticket, scopeList: ticket.scopes === '' ? [] : ticket.scopes.split(',') });
      }),
      RUNS,
    );
  });

  it('agrees with the oracle on mutated key/value arrays, before and after a trip through query-string text', () => {
    const seen = { ok: 0, missing_param: 0, bad_param: 0, bad_ts: 0 } as Record<string, number>;
    fc.assert(
      fc.property(ticketPairs, (pairs) => {
        const query = new URLSearchParams(pairs);
        const result = parseTicket(query);
        assertTicketShape(result);
        assert.deepEqual(result, oracleTicket(query));
        assert.deepEqual(
          parseTicket(new URLSearchParams(query.toString())),
          result,
          'serializing the query changes nothing',
        );
        assertTicketRoundTrip(result);
        seen[result.ok ? 'ok' : result.reason] = (seen[result.ok ? 'ok' : result.reason] ?? 0) + 1;
      }),
      { numRuns: 5000 },
    );
    for (const [outcome, count] of Object.entries(seen))
      assert.ok(count > 50, `${outcome} reached only ${count} times`);
  });
});

describe('parseTicket with a zero-padded ts', () => {
  it('refuses a ts with a leading zero as bad_ts: it could not be written back as the string that was signed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999 }), hex(16, 16), (ts, nonce) => {
        const query = new URLSearchParams({ ts: String(ts).padStart(10, '0'), nonce, scopes: '', sig: '0'.repeat(64) });
        assert.deepEqual(parseTicket(query), { ok: false, reason: 'bad_ts' });
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------

const KNOWN_TYPES = ['sub', 'unsub', 'ping', 'pong'];

/** What §3.1 says a client frame's text parses to. */
function oracleFrame(text: string): ClientFrameResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reply: { type: 'error', code: 'bad_json', message: 'frame is not valid JSON' } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reply: { type: 'error', code: 'bad_json', message: 'frame is not a JSON object' } };
  }
  const f = value as Record<string, unknown>;
  const own = (k: string) => (Object.prototype.hasOwnProperty.call(f, k) ? f[k] : undefined);
  const type = own('type');
  const topic = own('topic');
  const topicOk = typeof topic === 'string' && TOPIC.test(topic);
  if (type === 'ping' || type === 'pong') return { ok: true, frame: { type } };
  if (type === 'unsub') {
    return topicOk
      ? { ok: true, frame: { type: 'unsub', topic: topic as string } }
      : { ok: false, reply: { type: 'error', code: 'bad_frame', message: 'unsub needs a valid topic' } };
  }
  if (type === 'sub') {
    if (typeof topic !== 'string')
      return { ok: false, reply: { type: 'error', code: 'bad_frame', message: 'sub needs a topic' } };
    const since = own('since');
    const epoch = own('epoch');
    const sinceOk = since === undefined || (typeof since === 'number' && Number.isSafeInteger(since) && since >= 0);
    const epochOk = epoch === undefined || (typeof epoch === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(epoch));
    if (!topicOk || !sinceOk || !epochOk)
      return { ok: false, reply: { type: 'sub.err', topic: topic.slice(0, 128), code: 'bad_request' } };
    return {
      ok: true,
      frame: {
        type: 'sub',
        topic,
        ...(since === undefined ? {} : { since: since as number }),
        ...(epoch === undefined ? {} : { epoch: epoch as string }),
      },
    };
  }
  return { ok: false, reply: { type: 'error', code: 'bad_frame', message: 'unknown frame type' } };
}

/** The documented shape of a {@link parseClientFrame} answer, and the round trip of what it accepts. */
function assertFrameResult(text: string): void {
  const result = parseClientFrame(text);
  if (result.ok) {
    const { frame } = result;
    assert.ok(KNOWN_TYPES.includes(frame.type));
    const allowed =
      frame.type === 'sub'
        ? ['type', 'topic', 'since', 'epoch']
        : frame.type === 'unsub'
          ? ['type', 'topic']
          : ['type'];
    for (const key of Object.keys(frame)) assert.ok(allowed.includes(key), `unexpected ${key}`);
    assert.deepEqual(
      parseClientFrame(JSON.stringify(frame)),
      result,
      'an accepted frame re-serialized parses the same',
    );
  } else if (result.reply.type === 'error') {
    assert.ok(([FrameError.badJson, FrameError.badFrame] as string[]).includes(result.reply.code));
    assert.equal(typeof result.reply.message, 'string');
  } else {
    assert.equal(result.reply.type, 'sub.err');
    assert.equal(result.reply.code, SubError.badRequest);
    assert.ok(result.reply.topic.length <= 128);
  }
  assert.deepEqual(result, oracleFrame(text));
}

const jsonish = fc.string({ unit: fc.constantFrom(...'{}[]":,. -0123456789eEtypesubinpgorcaldfTNu\\'), maxLength: 80 });

/** A frame object whose every field may be right, wrong or absent. */
const frameObject = fc.record(
  {
    type: fc.oneof(
      fc.constantFrom('sub', 'unsub', 'ping', 'pong', 'msg', 'hello', 'SUB', '__proto__', 'constructor', ''),
      fc.jsonValue(),
    ),
    topic: fc.oneof(
      topicName,
      fc.constantFrom('__proto__', 'constructor', 'KPIS', 'kpis.\u04552', 'x'.repeat(129), ''),
      fc.jsonValue(),
    ),
    since: fc.oneof(
      fc.nat(),
      fc.integer(),
      fc.double(),
      fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, -0, 0.5, 1e21),
      fc.jsonValue(),
    ),
    epoch: fc.oneof(epochArb, fc.string(), fc.jsonValue()),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('fuzz: parseClientFrame', () => {
  it('never throws on arbitrary strings, binary-ish text and JSON-ish text', () => {
    fc.assert(fc.property(fc.oneof(noise, jsonish), assertFrameResult), RUNS);
  });

  it('classifies every JSON value (fc.jsonValue) as the oracle does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => assertFrameResult(JSON.stringify(value))),
      RUNS,
    );
  });

  it('classifies objects with random types and fields as the oracle does, and round-trips accepted frames', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(frameObject, (object) => {
        const text = JSON.stringify(object);
        assertFrameResult(text);
        const result = parseClientFrame(text);
        seen.add(result.ok ? `ok:${result.frame.type}` : `${result.reply.type}:${result.reply.code}`);
      }),
      { numRuns: 5000 },
    );
    for (const outcome of ['ok:sub', 'ok:unsub', 'ok:ping', 'ok:pong', 'error:bad_frame', 'sub.err:bad_request'])
      assert.ok(seen.has(outcome), outcome);
  });

  it('keeps __proto__ and constructor keys of a frame out of the result and out of Object.prototype', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('__proto__', 'constructor', 'prototype'),
        fc.jsonValue(),
        topicName,
        (key, value, topic) => {
          const text = `{"type":"sub","topic":${JSON.stringify(topic)},${JSON.stringify(key)}:${JSON.stringify(value)}}`;
          assert.deepEqual(parseClientFrame(text), { ok: true, frame: { type: 'sub', topic } });
          assert.equal(({} as Record<string, unknown>)['since'], undefined);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------

const listish = fc.string({ unit: fc.constantFrom(...'abcz09._-,:%\u0455 A'), maxLength: 80 });

describe('fuzz: parseTopicList', () => {
  it('never throws, and accepts exactly 1–64 distinct well-formed topics whose join is the input', () => {
    fc.assert(
      fc.property(fc.oneof(noise, listish), (text) => {
        const topics = parseTopicList(text);
        const parts = text.split(',');
        const expected =
          parts.length <= MAX_SSE_TOPICS && parts.every((t) => TOPIC.test(t)) && new Set(parts).size === parts.length;
        assert.equal(topics !== undefined, expected, JSON.stringify(text));
        if (topics) assert.equal(topics.join(','), text);
      }),
      RUNS,
    );
  });

  it('accepts every list of 1–64 distinct topics in order, and refuses it with one duplicate', () => {
    fc.assert(
      fc.property(fc.uniqueArray(topicName, { minLength: 1, maxLength: MAX_SSE_TOPICS }), fc.nat(), (list, at) => {
        assert.deepEqual(parseTopicList(list.join(',')), list);
        const duplicate = [...list, list[at % list.length] as string];
        assert.equal(parseTopicList(duplicate.join(',')), undefined);
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------

const sinceMapArb = fc
  .uniqueArray(
    fc.tuple(
      topicName,
      fc.oneof(fc.nat(), fc.integer({ min: 0, max: 999_999_999_999_999 })),
      fc.option(epochArb, { nil: undefined }),
    ),
    {
      selector: ([topic]) => topic,
      maxLength: 10,
    },
  )
  .map(
    (entries) =>
      new Map<string, SseResume>(
        entries.map(([topic, since, epoch]) => [topic, epoch === undefined ? { since } : { since, epoch }]),
      ),
  );

describe('fuzz: parseSinceList', () => {
  it('never throws; whatever it accepts formats back to exactly the input, with safe non-negative seqs and valid epochs', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(noise, listish, fc.string({ unit: fc.constantFrom(...'k.s2:019,xE_-'), maxLength: 40 })),
        (text) => {
          const resume = parseSinceList(text);
          if (!resume) return;
          accepted += 1;
          assert.equal(formatSinceList(resume), text);
          for (const [topic, r] of resume) {
            assert.match(topic, TOPIC);
            assert.ok(Number.isSafeInteger(r.since) && r.since >= 0);
            assert.match(String(r.since), SEQ_TEXT);
            if (r.epoch !== undefined) assert.match(r.epoch, EPOCH);
            else assert.equal('epoch' in r, false);
          }
        },
      ),
      { numRuns: 4000 },
    );
    assert.ok(accepted > 100, `only ${accepted} accepted lists`);
  });

  it('parses every formatted resume map back to an equal map', () => {
    fc.assert(
      fc.property(sinceMapArb, (resume) => {
        assert.deepEqual(parseSinceList(formatSinceList(resume)), resume);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------

/** What §6 says an SSE query's `topics` and `since` parse to. */
function oracleSse(query: URLSearchParams): 'bad_topics' | 'bad_since' | 'ok' {
  const topicsParam = query.getAll('topics');
  if (topicsParam.length !== 1) return 'bad_topics';
  const parts = (topicsParam[0] as string).split(',');
  if (parts.length > 64 || !parts.every((t) => TOPIC.test(t)) || new Set(parts).size !== parts.length)
    return 'bad_topics';
  const sinceParam = query.getAll('since');
  if (sinceParam.length > 1) return 'bad_since';
  const since = sinceParam[0] ?? '';
  if (since === '') return 'ok';
  const names = new Set<string>();
  for (const entry of since.split(',')) {
    const fields = entry.split(':');
    if (fields.length < 2 || fields.length > 3) return 'bad_since';
    const [topic, seq, epoch] = fields as [string, string, string | undefined];
    if (!TOPIC.test(topic) || !SEQ_TEXT.test(seq) || (epoch !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(epoch)))
      return 'bad_since';
    if (names.has(topic) || !parts.includes(topic)) return 'bad_since';
    names.add(topic);
  }
  return 'ok';
}

const ssePairs = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom('topics', 'since', 'ts', 'x', 'Topics'), fc.string({ maxLength: 6 })),
    fc.oneof(
      noise,
      listish,
      fc.uniqueArray(topicName, { minLength: 1, maxLength: 4 }).map((l) => l.join(',')),
      sinceMapArb.map(formatSinceList),
      fc.constantFrom('kpis.s2', 'kpis.s2:1', 'kpis.s2,ab.status', 'ab.status:0:e1', ''),
    ),
  ),
  { maxLength: 5 },
);

describe('fuzz: parseSseRequest', () => {
  it('never throws on arbitrary queries and key/value arrays, and agrees with the oracle', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.oneof(
          noise.map((t) => new URLSearchParams(t)),
          ssePairs.map((p) => new URLSearchParams(p)),
        ),
        (query) => {
          const request = parseSseRequest(query);
          const expected = oracleSse(query);
          if ('error' in request) {
            assert.equal(request.error, expected);
            assert.deepEqual(Object.keys(request), ['error']);
          } else {
            assert.equal(expected, 'ok');
            assert.deepEqual(request.topics, parseTopicList(query.get('topics') as string));
            for (const topic of request.resume.keys()) assert.ok(request.topics.includes(topic));
            assert.equal(formatSinceList(request.resume), query.get('since') ?? '');
          }
          seen.add(expected);
        },
      ),
      { numRuns: 5000 },
    );
    assert.deepEqual([...seen].sort(), ['bad_since', 'bad_topics', 'ok']);
  });
});
