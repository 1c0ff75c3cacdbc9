import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { installFakeTimers, type FakeTimers } from './fake-timers.js';

describe('installFakeTimers', () => {
  let timers: FakeTimers;
  afterEach(() => timers.uninstall());

  it('runs nothing until tick, then every timer that falls due, in time order', () => {
    timers = installFakeTimers();
    const ran: string[] = [];
    setTimeout(() => ran.push('b at 20'), 20);
    setTimeout(() => ran.push('a at 10'), 10);
    setTimeout(() => ran.push('c at 30'), 30);
    assert.deepEqual(ran, []);
    timers.tick(25);
    assert.deepEqual(ran, ['a at 10', 'b at 20']);
    timers.tick(5);
    assert.deepEqual(ran, ['a at 10', 'b at 20', 'c at 30']);
  });

  it('repeats an interval until it is cleared, and passes the arguments', () => {
    timers = installFakeTimers();
    const seen: number[] = [];
    const handle = setInterval((n: number) => seen.push(n), 10, 7);
    timers.tick(35);
    assert.deepEqual(seen, [7, 7, 7]);
    clearInterval(handle);
    timers.tick(100);
    assert.equal(seen.length, 3);
    assert.equal(timers.pending(), 0);
  });

  it('runs a timer set by a timer within the same tick when it falls due', () => {
    timers = installFakeTimers();
    const ran: string[] = [];
    setTimeout(() => setTimeout(() => ran.push('inner'), 10), 10);
    timers.tick(20);
    assert.deepEqual(ran, ['inner']);
  });

  it('returns handles that unref and clear by number, and puts the real timers back', () => {
    const realSetTimeout = globalThis.setTimeout;
    timers = installFakeTimers();
    assert.notEqual(globalThis.setTimeout, realSetTimeout);
    const handle = setTimeout(() => assert.fail('cleared'), 10).unref();
    clearTimeout(Number(handle));
    timers.tick(10);
    timers.uninstall();
    assert.equal(globalThis.setTimeout, realSetTimeout);
  });
});
