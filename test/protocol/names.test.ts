import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SCOPES, isScopeName, isTopicName, parseScopeList } from '../../src/protocol/index.js';

describe('isTopicName', () => {
  it('accepts the seed topics and every allowed character', () => {
    for (const name of ['kpis.s2', 'liveops.events', 'economy.patch', 'ab.status', 'a', 'a-b_c.0-9', '__proto__']) {
      assert.equal(isTopicName(name), true, name);
    }
  });

  it('accepts 128 characters and refuses 129', () => {
    assert.equal(isTopicName('t'.repeat(128)), true);
    assert.equal(isTopicName('t'.repeat(129)), false);
  });

  it('refuses the empty string, uppercase, delimiters, spaces, non-ASCII and newlines', () => {
    for (const name of ['', 'Kpis', 'a,b', 'a:b', 'a b', 'a/b', 'kpis.ѕ2', 'kpis\n', 'é']) {
      assert.equal(isTopicName(name), false, JSON.stringify(name));
    }
  });

  it('refuses non-strings', () => {
    for (const value of [undefined, null, 7, ['a'], { toString: () => 'a' }]) assert.equal(isTopicName(value), false);
  });
});

describe('isScopeName', () => {
  it('accepts ordinary scopes and a colon', () => {
    for (const name of ['ops.admin', 'liveops.admin', 'tenant:7.ops', 'a_b-c'])
      assert.equal(isScopeName(name), true, name);
  });

  it('accepts 64 characters and refuses 65', () => {
    assert.equal(isScopeName('s'.repeat(64)), true);
    assert.equal(isScopeName('s'.repeat(65)), false);
  });

  it('refuses a Cyrillic look-alike, uppercase, a comma, a space and the empty string', () => {
    for (const name of ['ops.аdmin', 'OPS.admin', 'a,b', 'a b', '', 'ops.admin\n']) {
      assert.equal(isScopeName(name), false, JSON.stringify(name));
    }
  });

  it('refuses non-strings', () => {
    assert.equal(isScopeName(undefined), false);
    assert.equal(isScopeName(1), false);
  });
});

describe('parseScopeList', () => {
  it('reads the empty string as no scopes', () => {
    assert.deepEqual(parseScopeList(''), []);
  });

  it('keeps the given order', () => {
    assert.deepEqual(parseScopeList('b.x,a.y'), ['b.x', 'a.y']);
  });

  it(`accepts ${MAX_SCOPES} scopes and refuses one more`, () => {
    assert.equal(MAX_SCOPES, 32);
    const list = Array.from({ length: MAX_SCOPES }, (_, i) => `s${i}`);
    assert.deepEqual(parseScopeList(list.join(',')), list);
    assert.equal(parseScopeList([...list, 'extra'].join(',')), undefined);
  });

  it('refuses empty entries, duplicates and malformed names', () => {
    for (const value of [',', 'a,', ',a', 'a,,b', 'a,a', 'a,A', 'ops.аdmin']) {
      assert.equal(parseScopeList(value), undefined, value);
    }
  });
});
