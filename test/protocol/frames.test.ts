import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FrameError,
  MAX_CLIENT_FRAME_BYTES,
  SubError,
  isSeq,
  parseClientFrame,
  parseServerFrame,
  type ClientFrame,
  type ClientFrameResult,
  type ErrorFrame,
  type SubErrFrame,
} from '../../src/protocol/index.js';

function frameOf(result: ClientFrameResult): ClientFrame {
  if (!result.ok) assert.fail(`expected a frame, got ${JSON.stringify(result.reply)}`);
  return result.frame;
}

function replyOf(result: ClientFrameResult): ErrorFrame | SubErrFrame {
  if (result.ok) assert.fail(`expected a refusal, got ${JSON.stringify(result.frame)}`);
  return result.reply;
}

function subErr(text: string): SubErrFrame {
  const reply = replyOf(parseClientFrame(text));
  if (reply.type !== 'sub.err') assert.fail(`expected sub.err, got ${JSON.stringify(reply)}`);
  return reply;
}

function errorCode(text: string): string {
  const reply = replyOf(parseClientFrame(text));
  if (reply.type !== 'error') assert.fail(`expected an error frame, got ${JSON.stringify(reply)}`);
  assert.equal(typeof reply.message, 'string');
  assert.ok(reply.message.length > 0);
  return reply.code;
}

const sub = (fields: Record<string, unknown>) => JSON.stringify({ type: 'sub', topic: 'kpis.s2', ...fields });

describe('parseClientFrame', () => {
  describe('valid frames', () => {
    it('parses ping and pong', () => {
      assert.deepEqual(frameOf(parseClientFrame('{"type":"ping"}')), { type: 'ping' });
      assert.deepEqual(frameOf(parseClientFrame('{"type":"pong"}')), { type: 'pong' });
    });

    it('parses a sub without since', () => {
      assert.deepEqual(frameOf(parseClientFrame('{"type":"sub","topic":"kpis.s2"}')), {
        type: 'sub',
        topic: 'kpis.s2',
      });
    });

    it('parses a sub with since', () => {
      assert.deepEqual(frameOf(parseClientFrame('{"type":"sub","topic":"kpis.s2","since":41}')), {
        type: 'sub',
        topic: 'kpis.s2',
        since: 41,
      });
    });

    it('parses a sub with since and epoch', () => {
      assert.deepEqual(frameOf(parseClientFrame(sub({ since: 0, epoch: 'Ab_-9' }))), {
        type: 'sub',
        topic: 'kpis.s2',
        since: 0,
        epoch: 'Ab_-9',
      });
    });

    it('accepts the largest safe integer as since', () => {
      assert.deepEqual(frameOf(parseClientFrame(sub({ since: Number.MAX_SAFE_INTEGER }))), {
        type: 'sub',
        topic: 'kpis.s2',
        since: Number.MAX_SAFE_INTEGER,
      });
    });

    it('accepts an epoch of 64 characters', () => {
      const epoch = 'E'.repeat(64);
      assert.deepEqual(frameOf(parseClientFrame(sub({ epoch }))), { type: 'sub', topic: 'kpis.s2', epoch });
    });

    it('parses an unsub', () => {
      assert.deepEqual(frameOf(parseClientFrame('{"type":"unsub","topic":"liveops.events"}')), {
        type: 'unsub',
        topic: 'liveops.events',
      });
    });

    it('accepts a topic of exactly 128 characters', () => {
      const topic = 't'.repeat(128);
      assert.deepEqual(frameOf(parseClientFrame(JSON.stringify({ type: 'sub', topic }))), { type: 'sub', topic });
    });

    it('accepts __proto__ as a topic name format-wise (the registry makes it unknown)', () => {
      assert.deepEqual(frameOf(parseClientFrame('{"type":"sub","topic":"__proto__"}')), {
        type: 'sub',
        topic: '__proto__',
      });
      assert.deepEqual(frameOf(parseClientFrame('{"type":"unsub","topic":"constructor"}')), {
        type: 'unsub',
        topic: 'constructor',
      });
    });

    it('tolerates whitespace around the JSON', () => {
      assert.deepEqual(frameOf(parseClientFrame(' \n{"type":"ping"}\t ')), { type: 'ping' });
    });
  });

  describe('unknown fields', () => {
    it('ignores unknown fields and does not copy them into the frame', () => {
      assert.deepEqual(frameOf(parseClientFrame('{"type":"ping","id":7,"x":{"y":1}}')), { type: 'ping' });
      assert.deepEqual(frameOf(parseClientFrame(sub({ since: 3, future: true, v: 2 }))), {
        type: 'sub',
        topic: 'kpis.s2',
        since: 3,
      });
      assert.deepEqual(frameOf(parseClientFrame('{"type":"unsub","topic":"a","since":5}')), {
        type: 'unsub',
        topic: 'a',
      });
    });
  });

  describe('text that is not a JSON object', () => {
    const cases: [string, string][] = [
      ['invalid JSON', '{"type":"ping"'],
      ['an empty string', ''],
      ['a bare word', 'ping'],
      ['single-quoted JSON', "{'type':'ping'}"],
      ['NaN', 'NaN'],
      ['an array', '[{"type":"ping"}]'],
      ['null', 'null'],
      ['a number', '42'],
      ['a string', '"ping"'],
      ['a boolean', 'true'],
    ];
    for (const [what, text] of cases) {
      it(`answers ${what} with bad_json`, () => {
        assert.equal(errorCode(text), FrameError.badJson);
      });
    }
  });

  describe('objects that are not a known frame', () => {
    const cases: [string, string][] = [
      ['an unknown type', '{"type":"publish","topic":"a"}'],
      ['a server-only type', '{"type":"msg","topic":"a","seq":1,"ts":1,"data":1}'],
      ['no type', '{"topic":"a"}'],
      ['a non-string type', '{"type":1}'],
      ['a type in the wrong case', '{"type":"PING"}'],
      ['a sub without topic', '{"type":"sub"}'],
      ['a sub with a numeric topic', '{"type":"sub","topic":7}'],
      ['a sub with a null topic', '{"type":"sub","topic":null}'],
      ['an unsub without topic', '{"type":"unsub"}'],
      ['an unsub with an uppercase topic', '{"type":"unsub","topic":"KPIS"}'],
      ['an unsub with an empty topic', '{"type":"unsub","topic":""}'],
    ];
    for (const [what, text] of cases) {
      it(`answers ${what} with bad_frame`, () => {
        assert.equal(errorCode(text), FrameError.badFrame);
      });
    }
  });

  describe('a sub with a malformed field', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['an uppercase topic', { topic: 'KPIS.S2' }],
      ['an empty topic', { topic: '' }],
      ['a topic with a comma', { topic: 'a,b' }],
      ['a topic with a colon', { topic: 'a:b' }],
      ['a topic with a space', { topic: 'kpis s2' }],
      ['a negative since', { since: -1 }],
      ['a fractional since', { since: 1.5 }],
      ['a string since', { since: '3' }],
      ['a since of 2**53', { since: 2 ** 53 }],
      ['a null since', { since: null }],
      ['a boolean since', { since: true }],
      ['an empty epoch', { epoch: '' }],
      ['a 65-character epoch', { epoch: 'e'.repeat(65) }],
      ['an epoch with a dot', { epoch: 'a.b' }],
      ['a numeric epoch', { epoch: 7 }],
      ['a null epoch', { epoch: null }],
    ];
    for (const [what, fields] of cases) {
      it(`answers ${what} with sub.err bad_request, echoing the topic`, () => {
        const text = sub(fields);
        const reply = subErr(text);
        assert.equal(reply.code, SubError.badRequest);
        assert.equal(reply.topic, (JSON.parse(text) as { topic: string }).topic);
      });
    }

    it('answers a 129-character topic with sub.err bad_request, the echo truncated to 128', () => {
      const topic = 't'.repeat(129);
      const reply = subErr(JSON.stringify({ type: 'sub', topic }));
      assert.equal(reply.code, SubError.badRequest);
      assert.equal(reply.topic, 't'.repeat(128));
    });

    it('truncates the echo of a huge topic to 128 characters', () => {
      const reply = subErr(JSON.stringify({ type: 'sub', topic: 'X'.repeat(50_000) }));
      assert.equal(reply.topic.length, 128);
    });

    it('answers a since written as an exponent beyond the safe range with bad_request', () => {
      assert.equal(subErr('{"type":"sub","topic":"a","since":1e300}').code, SubError.badRequest);
    });
  });

  describe('hostile input', () => {
    it('does not throw on 60 000 unclosed [', () => {
      const text = '['.repeat(60_000);
      assert.doesNotThrow(() => parseClientFrame(text));
      assert.equal(errorCode(text), FrameError.badJson);
    });

    it('does not throw on 60 000 levels of balanced arrays', () => {
      const text = '['.repeat(60_000) + ']'.repeat(60_000);
      assert.doesNotThrow(() => parseClientFrame(text));
      assert.equal(errorCode(text), FrameError.badJson);
    });

    it('ignores a deeply nested unknown field of a valid frame', () => {
      const nested = '{"x":'.repeat(10_000) + '1' + '}'.repeat(10_000);
      assert.deepEqual(frameOf(parseClientFrame(`{"type":"ping","deep":${nested}}`)), { type: 'ping' });
    });

    it('does not pollute Object.prototype through a __proto__ key', () => {
      const result = parseClientFrame('{"type":"sub","topic":"a","__proto__":{"polluted":true,"since":5}}');
      assert.deepEqual(frameOf(result), { type: 'sub', topic: 'a' });
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
      assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
    });

    it('does not take the type from a __proto__ key', () => {
      assert.equal(errorCode('{"__proto__":{"type":"ping"}}'), FrameError.badFrame);
    });

    it('does not pollute through a constructor.prototype path', () => {
      parseClientFrame('{"type":"ping","constructor":{"prototype":{"polluted2":true}}}');
      assert.equal(({} as Record<string, unknown>)['polluted2'], undefined);
    });
  });
});

describe('isSeq', () => {
  it('accepts non-negative safe integers', () => {
    for (const v of [0, 1, 41, Number.MAX_SAFE_INTEGER]) assert.equal(isSeq(v), true, String(v));
  });

  it('refuses negatives, fractions, unsafe integers and non-numbers', () => {
    for (const v of [-1, 1.5, 2 ** 53, Infinity, NaN, '3', null, undefined]) assert.equal(isSeq(v), false, String(v));
  });
});

describe('MAX_CLIENT_FRAME_BYTES', () => {
  it('is 64 KiB', () => {
    assert.equal(MAX_CLIENT_FRAME_BYTES, 65_536);
  });
});

describe('parseServerFrame', () => {
  it('parses each documented gateway frame', () => {
    const frames = [
      { type: 'hello', v: 1, id: 'c1', scopes: ['ops.admin'], heartbeatMs: 15000 },
      { type: 'sub.ok', topic: 'kpis.s2', seq: 57, epoch: 'e1' },
      { type: 'sub.err', topic: 'kpis.s2', code: 'forbidden' },
      { type: 'unsub.ok', topic: 'kpis.s2' },
      { type: 'msg', topic: 'kpis.s2', seq: 1, ts: 1700000000000, data: null },
      { type: 'reset', topic: 'kpis.s2', epoch: 'e2' },
      { type: 'error', code: 'bad_json', message: 'x' },
      { type: 'ping' },
      { type: 'pong' },
    ];
    for (const frame of frames) assert.deepEqual(parseServerFrame(JSON.stringify(frame)), frame, frame.type);
  });

  it("takes a hello with the gateway's clock (v1.3 `now`) and one without it (older gateways), or with a bad one", () => {
    const hello = { type: 'hello', v: 1, id: 'c1', scopes: [], heartbeatMs: 15000 };
    for (const frame of [{ ...hello, now: 1700000000123 }, hello, { ...hello, now: 'soon' }])
      assert.deepEqual(parseServerFrame(JSON.stringify(frame)), frame);
  });

  it('keeps unknown fields of a known frame', () => {
    assert.deepEqual(parseServerFrame('{"type":"ping","extra":1}'), { type: 'ping', extra: 1 });
  });

  it('ignores unknown types, missing fields and non-objects', () => {
    const texts = [
      '{"type":"future"}',
      '{"type":"msg","topic":"a","seq":1,"ts":1}',
      '{"type":"msg","topic":"a","seq":0,"ts":1,"data":1}',
      '{"type":"sub.ok","topic":"a","seq":1}',
      '{"type":"reset","topic":"a","epoch":"a.b"}',
      '{"type":"sub.err","topic":"A","code":"forbidden"}',
      '{"type":"hello","v":1,"id":"c","scopes":"ops.admin","heartbeatMs":1}',
      '[]',
      'null',
      'not json',
    ];
    for (const text of texts) assert.equal(parseServerFrame(text), undefined, text);
  });
});
