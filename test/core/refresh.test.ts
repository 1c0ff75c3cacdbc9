/**
 * When an open WebSocket refreshes its authority (refresh.ts): the jittered safe point, the retry rule and the
 * schedule of one connection under a fake clock.
 */
import { expect } from '@open-wc/testing';
import { MIN_REFRESH_RETRY, refreshDelay, refresher, refreshRetry } from '../../src/core/refresh.js';
import { installClock, type FakeClock } from '../helpers/fake-clock.js';

describe('refreshDelay', () => {
  it('falls between 60 and 80 % of the lifetime: a fifth of it to spread over, a fifth kept as margin', () => {
    expect(refreshDelay(600_000, () => 0)).to.equal(360_000);
    expect(refreshDelay(600_000, () => 0.5)).to.equal(420_000);
    expect(refreshDelay(600_000, () => 0.999999)).to.be.within(479_999, 480_000);
  });

  it('uses Math.random by default and always stays within the bounds', () => {
    for (let i = 0; i < 500; i++) expect(refreshDelay(10_000)).to.be.within(6_000, 8_000);
  });

  it('spreads clients issued at the same moment over the whole window', () => {
    const delays = [0.1, 0.3, 0.5, 0.7, 0.9].map((r) => refreshDelay(100_000, () => r));
    expect(delays.map(Math.round)).to.deep.equal([62_000, 66_000, 70_000, 74_000, 78_000]);
  });
});

describe('refreshRetry', () => {
  it('waits half of what is left', () => {
    expect(refreshRetry(60_000)).to.equal(30_000);
    expect(refreshRetry(3_000)).to.equal(1_500);
  });

  it('waits at least a second', () => {
    expect(refreshRetry(1_500)).to.equal(MIN_REFRESH_RETRY);
  });

  it('gives up when a second or less is left: the gateway closes with 4401 expired first', () => {
    expect(refreshRetry(1_000)).to.equal(undefined);
    expect(refreshRetry(10)).to.equal(undefined);
    expect(refreshRetry(-5_000)).to.equal(undefined);
  });
});

describe('refresher', () => {
  let clock: FakeClock;
  const realRandom = Math.random;
  beforeEach(() => {
    clock = installClock();
    Math.random = () => 0.5;
  });
  afterEach(() => {
    clock.uninstall();
    Math.random = realRandom;
  });

  it('returns when the authority ends and runs once at the safe point', async () => {
    let runs = 0;
    const r = refresher(() => runs++);
    expect(r.start(10_000, true)).to.equal(clock.now() + 10_000);
    await clock.tick(6_999);
    expect(runs).to.equal(0);
    await clock.tick(1);
    expect(runs).to.equal(1);
    await clock.tick(60_000);
    expect(runs).to.equal(1);
  });

  it('without schedule (SSE), only says when it ends', async () => {
    let runs = 0;
    const r = refresher(() => runs++);
    expect(r.start(10_000, false)).to.equal(clock.now() + 10_000);
    expect(clock.pending()).to.deep.equal([]);
  });

  it('an authority that never ends: null, nothing scheduled, and a pending refresh is cancelled', async () => {
    const r = refresher(() => {});
    r.start(10_000, true);
    expect(r.start(undefined, true)).to.equal(null);
    expect(clock.pending()).to.deep.equal([]);
  });

  it('retries at half of what is left, measured from the frame with the local clock', async () => {
    let runs = 0;
    const r = refresher(() => runs++);
    r.start(10_000, true);
    await clock.tick(7_000); // 3 s left
    r.retry();
    expect(clock.pending()).to.deep.equal([1_500]);
    await clock.tick(1_500); // 1.5 s left
    r.retry();
    expect(clock.pending()).to.deep.equal([1_000]);
    await clock.tick(1_000); // 0.5 s left: too late for another try
    r.retry();
    expect(clock.pending()).to.deep.equal([]);
    expect(runs).to.equal(3);
  });

  it('never waits longer than a timer can (2^31 - 1 ms): a 60-day authority does not refresh in a loop', () => {
    const r = refresher(() => {});
    r.start(60 * 24 * 3600 * 1000, true);
    expect(clock.pending()).to.deep.equal([2_147_483_647]);
    r.retry();
    expect(clock.pending()).to.deep.equal([2_147_483_647]);
  });

  it('stop() cancels what is scheduled', () => {
    const r = refresher(() => {});
    r.start(10_000, true);
    r.stop();
    expect(clock.pending()).to.deep.equal([]);
  });
});
