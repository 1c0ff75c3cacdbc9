import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommand } from '../../../server/access/control.js';

const GOOD = {
  id: 'c-1',
  at: 1_700_000_000_000,
  op: 'revoke',
  target: { subjectDigest: 'a'.repeat(32) },
  scopes: ['economy.admin'],
  reason: 'role_removed',
  from: 'gw-1',
};

describe('parseCommand', () => {
  it('reads a well-formed command', () => {
    assert.deepEqual(parseCommand(JSON.stringify(GOOD)), GOOD);
  });

  it('ignores whatever else arrives on the channel, so nothing malformed reaches a close frame or a session', () => {
    const bad: unknown[] = [
      'not json',
      { ...GOOD, op: 'drop_all' },
      { ...GOOD, reason: 'x'.repeat(200) }, // no close frame could carry it
      { ...GOOD, reason: 'Not A Code' },
      { ...GOOD, scopes: ['ok.scope', 'NOT A SCOPE'] },
      { ...GOOD, scopes: [] },
      { ...GOOD, scopes: undefined }, // a revoke without scopes
      { ...GOOD, id: undefined },
      { ...GOOD, at: 'yesterday' },
      { ...GOOD, target: { subjectDigest: 'a', scope: 'b' } },
      { ...GOOD, target: { everyone: true } },
    ];
    for (const value of bad) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      assert.equal(parseCommand(text), undefined, text.slice(0, 80));
    }
  });
});
