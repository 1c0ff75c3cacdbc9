import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdempotencyWindow } from '../../../server/engines/idempotency-window.js';

describe('IdempotencyWindow (the in-memory engine’s idempotency keys)', () => {
  it('answers a key within the window, per topic, and forgets it after', () => {
    let now = 0;
    const keys = new IdempotencyWindow(1000, () => now);
    keys.set('kpis.s2', 'a', { seq: 1, epoch: 'e' });
    assert.deepEqual(keys.get('kpis.s2', 'a'), { seq: 1, epoch: 'e' });
    assert.equal(keys.get('ab.status', 'a'), undefined, 'keys are per topic');
    now = 999;
    assert.ok(keys.get('kpis.s2', 'a'));
    now = 1000;
    assert.equal(keys.get('kpis.s2', 'a'), undefined);
  });

  it('drops expired keys as new ones come, and keeps at most maxKeys per topic, oldest forgotten first', () => {
    let now = 0;
    const keys = new IdempotencyWindow(1000, () => now, 3);
    for (const id of ['a', 'b', 'c', 'd']) keys.set('t', id, { seq: 1, epoch: 'e' });
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((id) => keys.get('t', id) !== undefined),
      [false, true, true, true],
    );
    now = 1500;
    keys.set('t', 'e', { seq: 2, epoch: 'e' });
    assert.deepEqual(
      ['b', 'c', 'd', 'e'].map((id) => keys.get('t', id) !== undefined),
      [false, false, false, true],
    );
  });
});
