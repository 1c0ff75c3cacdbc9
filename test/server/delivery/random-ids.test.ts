/** Connection ids from a pool: 12 base64url characters each, none repeated across refills of the pool. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RandomIds } from '../../../server/delivery/random-ids.js';

describe('RandomIds', () => {
  it('gives 12-character base64url ids, all different, across several refills of the pool', () => {
    const ids = new RandomIds();
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = ids.next();
      assert.match(id, /^[A-Za-z0-9_-]{12}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 2000);
  });
});
