import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameGuard, Verdict } from '../../../server/limits/frame-guard.js';

describe('FrameGuard', () => {
  it('lets a burst through, then ignores frames over the rate with one warning a second', () => {
    const guard = new FrameGuard({ burst: 3, perSecond: 1 }, 0);
    assert.deepEqual(
      [0, 0, 0].map((t) => guard.admit(t)),
      [Verdict.handle, Verdict.handle, Verdict.handle],
    );
    assert.equal(guard.admit(0), Verdict.warn);
    assert.equal(guard.admit(10), Verdict.ignore);
    assert.equal(guard.admit(1000), Verdict.handle, 'a token came back');
    assert.equal(guard.admit(1000), Verdict.warn, 'a second later it warns again');
  });

  it('closes a client that keeps exceeding the rate, but not one that exceeded it once', () => {
    const once = new FrameGuard({ burst: 4, perSecond: 4 }, 0);
    for (let i = 0; i < 8; i++) once.admit(0); // one burst too many
    let t = 1000;
    for (let s = 0; s < 10; s++, t += 1000) for (let i = 0; i < 4; i++) assert.notEqual(once.admit(t), Verdict.close);

    const abuser = new FrameGuard({ burst: 4, perSecond: 4 }, 0);
    let closedAt = -1;
    for (let s = 0; s < 30 && closedAt < 0; s++) {
      for (let i = 0; i < 8 && closedAt < 0; i++) if (abuser.admit(s * 1000) === Verdict.close) closedAt = s;
    }
    assert.ok(closedAt >= 0 && closedAt < 10, `closed after ${closedAt} s at twice the rate`);
  });

  it('spends a budget of bad frames that refills one a second', () => {
    const guard = new FrameGuard(false, 0);
    for (let i = 0; i < 10; i++) assert.equal(guard.strike(0), true);
    assert.equal(guard.strike(0), false);
    assert.equal(guard.strike(1000), true);
    assert.equal(guard.admit(0), Verdict.handle, 'no rate limit when disabled');
  });
});
