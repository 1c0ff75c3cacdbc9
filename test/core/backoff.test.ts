import { expect } from '@open-wc/testing';
import { backoff, timer } from '../../src/core/backoff.js';
import { installClock } from '../helpers/fake-clock.js';

describe('backoff', () => {
  it('stays between 0 and min * 2^attempt', () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const window = 500 * 2 ** attempt;
      expect(backoff(attempt, 500, 30_000, () => 0)).to.equal(0);
      expect(backoff(attempt, 500, 30_000, () => 0.999999)).to.be.within(window - 1, window);
    }
  });

  it('never exceeds max, even after many attempts', () => {
    for (const attempt of [6, 10, 50, 1000])
      expect(backoff(attempt, 500, 30_000, () => 0.999999)).to.be.at.most(30_000);
  });

  it('spreads delays over the whole window (full jitter)', () => {
    const delays = [0.1, 0.3, 0.5, 0.7, 0.9].map((r) => backoff(3, 500, 30_000, () => r));
    expect(delays).to.deep.equal([400, 1200, 2000, 2800, 3600]);
  });

  it('is pure: the same random source gives the same delay', () => {
    expect(backoff(4, 100, 10_000, () => 0.42)).to.equal(backoff(4, 100, 10_000, () => 0.42));
  });

  it('uses 0.5 s to 30 s by default', () => {
    for (let i = 0; i < 200; i++) expect(backoff(20)).to.be.within(0, 30_000);
    for (let i = 0; i < 200; i++) expect(backoff(0)).to.be.within(0, 500);
  });
});

describe('timer', () => {
  let clock: ReturnType<typeof installClock>;
  beforeEach(() => (clock = installClock()));
  afterEach(() => clock.uninstall());

  it('runs once after the delay', async () => {
    const t = timer();
    let runs = 0;
    t.set(() => runs++, 100);
    expect(t.pending()).to.equal(true);
    await clock.tick(99);
    expect(runs).to.equal(0);
    await clock.tick(1);
    expect(runs).to.equal(1);
    expect(t.pending()).to.equal(false);
  });

  it('replaces a pending callback when set again', async () => {
    const t = timer();
    const runs: string[] = [];
    t.set(() => runs.push('a'), 100);
    t.set(() => runs.push('b'), 100);
    await clock.tick(500);
    expect(runs).to.deep.equal(['b']);
    expect(clock.pending()).to.deep.equal([]);
  });

  it('clear cancels and leaves no timer behind', async () => {
    const t = timer();
    t.set(() => expect.fail('should not run'), 100);
    t.clear();
    t.clear();
    expect(clock.pending()).to.deep.equal([]);
  });
});
