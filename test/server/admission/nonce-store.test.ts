import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryNonceStore } from '../../../server/admission/nonce-store.js';
import { installFakeTimers, type FakeTimers } from '../../helpers/fake-timers.js';

const stores: MemoryNonceStore[] = [];

/** A store on a fake clock that counts how often it is read. */
function fakeStore(options: { sweepMs?: number } = {}) {
  const clock = { now: 1_000_000, reads: 0 };
  const store = new MemoryNonceStore({
    now: () => {
      clock.reads += 1;
      return clock.now;
    },
    ...options,
  });
  stores.push(store);
  return { store, clock };
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

let installed: FakeTimers | undefined;

/** Fake timers for one test, put back after it. */
function fakeTimers(): FakeTimers {
  installed = installFakeTimers();
  return installed;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  installed?.uninstall();
  installed = undefined;
});

describe('MemoryNonceStore', () => {
  describe('claim', () => {
    it('accepts a new nonce', async () => {
      const { store } = fakeStore();
      assert.equal(await store.claim('a1', 2_000_000), true);
      assert.equal(store.size, 1);
    });

    it('refuses the same nonce again while it has not expired', async () => {
      const { store, clock } = fakeStore();
      await store.claim('a1', 2_000_000);
      assert.equal(await store.claim('a1', 2_000_000), false);
      clock.now = 1_999_999;
      assert.equal(await store.claim('a1', 3_000_000), false);
    });

    it('does not extend the expiry of a held nonce on a refused claim', async () => {
      const { store, clock } = fakeStore();
      await store.claim('a1', 2_000_000);
      assert.equal(await store.claim('a1', 9_000_000), false);
      clock.now = 2_000_000;
      assert.equal(await store.claim('a1', 3_000_000), true);
    });

    it('keeps nonces independent', async () => {
      const { store } = fakeStore();
      assert.equal(await store.claim('a1', 2_000_000), true);
      assert.equal(await store.claim('b2', 2_000_000), true);
      assert.equal(store.size, 2);
    });

    it('returns a promise (the async interface a shared store implements)', async () => {
      const { store } = fakeStore();
      const result = store.claim('a1', 2_000_000);
      assert.ok(result instanceof Promise);
      assert.equal(await result, true);
    });
  });

  describe('expiry', () => {
    it('lets an expired nonce be claimed again, from the moment it expires', async () => {
      const { store, clock } = fakeStore();
      await store.claim('a1', 1_000_500);
      clock.now = 1_000_499;
      assert.equal(await store.claim('a1', 1_001_000), false);
      clock.now = 1_000_500;
      assert.equal(await store.claim('a1', 1_001_000), true);
      assert.equal(await store.claim('a1', 1_001_000), false);
    });

    it('counts expired entries in size until they are swept', async () => {
      const { store, clock } = fakeStore();
      await store.claim('a1', 1_000_100);
      clock.now = 1_000_200;
      assert.equal(store.size, 1);
    });
  });

  describe('sweep', () => {
    it('removes expired entries and keeps live ones', async () => {
      const { store, clock } = fakeStore();
      await store.claim('old1', 1_000_100);
      await store.claim('old2', 1_000_200);
      await store.claim('live', 1_000_300);
      clock.now = 1_000_200;
      store.sweep();
      assert.equal(store.size, 1);
      assert.equal(await store.claim('live', 1_000_400), false);
    });

    it('keeps memory bounded: ten thousand expired nonces are all gone after a sweep', async () => {
      const { store, clock } = fakeStore();
      for (let i = 0; i < 10_000; i++) await store.claim(`n${i}`, 1_000_000 + 301_000);
      assert.equal(store.size, 10_000);
      clock.now += 301_000;
      store.sweep();
      assert.equal(store.size, 0);
    });

    it('sweeps periodically on its own timer', async () => {
      const timers = fakeTimers();
      const { store, clock } = fakeStore({ sweepMs: 1_000 });
      await store.claim('a1', 1_000_500);
      clock.now = 1_000_600;
      timers.tick(999);
      assert.equal(store.size, 1);
      timers.tick(1);
      assert.equal(store.size, 0);
    });

    it('does not keep the process alive with its sweep timer', () => {
      const before = timeouts();
      fakeStore({ sweepMs: 60_000 });
      assert.equal(timeouts(), before);
    });
  });

  describe('close', () => {
    it('forgets every nonce', async () => {
      const { store } = fakeStore();
      await store.claim('a1', 2_000_000);
      await store.close();
      assert.equal(store.size, 0);
    });

    it('stops the periodic sweep', async () => {
      const timers = fakeTimers();
      const { store, clock } = fakeStore({ sweepMs: 1_000 });
      timers.tick(1_000);
      const reads = clock.reads;
      assert.ok(reads > 0, 'the sweep reads the clock');
      await store.close();
      timers.tick(10_000);
      assert.equal(clock.reads, reads);
    });
  });
});
