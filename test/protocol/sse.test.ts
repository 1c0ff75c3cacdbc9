import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_SSE_TOPICS,
  formatSinceList,
  parseSinceList,
  parseTopicList,
  type SseResume,
} from '../../src/protocol/index.js';

function entries(value: string): [string, SseResume][] {
  const parsed = parseSinceList(value);
  if (!parsed) assert.fail(`expected ${JSON.stringify(value)} to parse`);
  return [...parsed];
}

describe('parseTopicList', () => {
  it('parses one topic', () => {
    assert.deepEqual(parseTopicList('kpis.s2'), ['kpis.s2']);
  });

  it('parses several topics in their given order', () => {
    assert.deepEqual(parseTopicList('liveops.events,kpis.s2,ab.status'), ['liveops.events', 'kpis.s2', 'ab.status']);
  });

  it(`accepts exactly ${MAX_SSE_TOPICS} topics`, () => {
    const topics = Array.from({ length: MAX_SSE_TOPICS }, (_, i) => `t${i}`);
    assert.equal(MAX_SSE_TOPICS, 64);
    assert.deepEqual(parseTopicList(topics.join(',')), topics);
  });

  const bad: [string, string][] = [
    ['an empty list', ''],
    ['an empty entry', 'a,,b'],
    ['a trailing comma', 'a,'],
    ['a duplicate', 'a,b,a'],
    ['an uppercase topic', 'Kpis.s2'],
    ['a colon in a topic', 'a:1'],
    ['a space', 'a, b'],
    ['a 129-character topic', 't'.repeat(129)],
    ['65 topics', Array.from({ length: 65 }, (_, i) => `t${i}`).join(',')],
  ];
  for (const [what, value] of bad) {
    it(`refuses ${what}`, () => {
      assert.equal(parseTopicList(value), undefined);
    });
  }
});

describe('parseSinceList', () => {
  it('parses an empty value as no resume points', () => {
    const parsed = parseSinceList('');
    assert.ok(parsed);
    assert.equal(parsed.size, 0);
  });

  it('parses topic:seq entries', () => {
    assert.deepEqual(entries('kpis.s2:41,liveops.events:7'), [
      ['kpis.s2', { since: 41 }],
      ['liveops.events', { since: 7 }],
    ]);
  });

  it('parses a topic:seq:epoch entry beside a topic:seq entry', () => {
    assert.deepEqual(entries('kpis.s2:41:Ab_-9,b:0'), [
      ['kpis.s2', { since: 41, epoch: 'Ab_-9' }],
      ['b', { since: 0 }],
    ]);
  });

  it('leaves epoch out entirely when the entry has none', () => {
    const [first] = entries('a:1');
    assert.ok(first);
    assert.equal('epoch' in first[1], false);
  });

  it('accepts a seq of 0', () => {
    assert.deepEqual(entries('a:0'), [['a', { since: 0 }]]);
  });

  it('accepts a 15-digit seq', () => {
    assert.deepEqual(entries('a:999999999999999'), [['a', { since: 999999999999999 }]]);
  });

  const bad: [string, string][] = [
    ['a leading zero', 'a:07'],
    ['a double zero', 'a:00'],
    ['a 16-digit seq', 'a:1000000000000000'],
    ['a missing seq', 'a'],
    ['an empty seq', 'a:'],
    ['a negative seq', 'a:-1'],
    ['a fractional seq', 'a:1.5'],
    ['an exponent seq', 'a:1e3'],
    ['a signed seq', 'a:+1'],
    ['a space before the seq', 'a: 1'],
    ['an extra colon', 'a:1:e:x'],
    ['an empty epoch', 'a:1:'],
    ['a bad epoch', 'a:1:e.1'],
    ['a 65-character epoch', `a:1:${'e'.repeat(65)}`],
    ['a duplicate topic', 'a:1,a:2'],
    ['a duplicate topic with different epochs', 'a:1:x,a:1:y'],
    ['an empty entry', 'a:1,,b:2'],
    ['a trailing comma', 'a:1,'],
    ['a bad topic', 'A:1'],
    ['an empty topic', ':1'],
  ];
  for (const [what, value] of bad) {
    it(`refuses ${what}`, () => {
      assert.equal(parseSinceList(value), undefined);
    });
  }
});

describe('formatSinceList', () => {
  it('writes topic:seq and topic:seq:epoch entries', () => {
    const resume = new Map<string, SseResume>([
      ['kpis.s2', { since: 41, epoch: 'x1' }],
      ['b', { since: 0 }],
    ]);
    assert.equal(formatSinceList(resume), 'kpis.s2:41:x1,b:0');
  });

  it('writes an empty map as the empty string', () => {
    assert.equal(formatSinceList(new Map()), '');
  });

  it('leaves out the topics without a resume point', () => {
    const topics = new Map<string, SseResume | undefined>([
      ['a', undefined],
      ['kpis.s2', { since: 41, epoch: 'x1' }],
      ['b', undefined],
    ]);
    assert.equal(formatSinceList(topics), 'kpis.s2:41:x1');
    assert.equal(formatSinceList(new Map([['a', undefined]])), '');
  });

  it('round-trips through parseSinceList', () => {
    const resume = new Map<string, SseResume>([
      ['kpis.s2', { since: 41, epoch: 'Ab_-9' }],
      ['liveops.events', { since: 7 }],
      ['ab.status', { since: 0 }],
      ['economy.patch', { since: 999999999999999, epoch: 'z' }],
    ]);
    assert.deepEqual(parseSinceList(formatSinceList(resume)), resume);
  });

  it('round-trips the other way, from text', () => {
    const text = 'a:1:e,b:22,c:0:Z_';
    const parsed = parseSinceList(text);
    assert.ok(parsed);
    assert.equal(formatSinceList(parsed), text);
  });
});
