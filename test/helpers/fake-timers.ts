/**
 * Fake `setTimeout` and `setInterval` for Node unit tests of code that schedules its own timers: nothing runs
 * until the test calls `tick`, which runs every timer falling due, in order, synchronously. node:test's
 * `mock.timers` does the same but prints an ExperimentalWarning on Node 20, and a test run prints nothing but
 * results. (Browser tests that also need promises to settle between timers use `fake-clock.ts`.)
 */

/** Installed fake timers. */
export interface FakeTimers {
  /** Advances by `ms`, running every timeout and interval that falls due, in order. */
  tick(ms: number): void;
  /** How many timers are pending. */
  pending(): number;
  /** Puts the real timer functions back. */
  uninstall(): void;
}

/** What the fakes return: a Node `Timeout` look-alike, so `unref()` and `clearTimeout(+handle)` work. */
class FakeHandle {
  constructor(readonly id: number) {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

interface Timer {
  at: number;
  /** The period of an interval; `undefined` for a timeout. */
  every: number | undefined;
  fn: (...args: unknown[]) => void;
  args: unknown[];
}

type TimerFn = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => FakeHandle;

/**
 * Replaces the global `setTimeout`, `setInterval`, `clearTimeout` and `clearInterval` until `uninstall()`.
 * @example const timers = installFakeTimers(); … timers.tick(50); … timers.uninstall();
 */
export function installFakeTimers(): FakeTimers {
  const real = { setTimeout, setInterval, clearTimeout, clearInterval };
  const timers = new Map<number, Timer>();
  let now = 0;
  let ids = 1;

  const add =
    (repeat: boolean): TimerFn =>
    (fn, ms = 0, ...args) => {
      const delay = Math.max(1, Number(ms) || 0); // as Node: 0 and junk mean 1 ms
      const id = ids++;
      timers.set(id, { at: now + delay, every: repeat ? delay : undefined, fn, args });
      return new FakeHandle(id);
    };
  const clear = (handle: unknown) => {
    if (handle !== undefined && handle !== null) timers.delete(Number(handle));
  };
  const fakes = { setTimeout: add(false), setInterval: add(true), clearTimeout: clear, clearInterval: clear };
  Object.assign(globalThis, fakes);

  return {
    tick(ms) {
      const end = now + ms;
      for (;;) {
        let next: [number, Timer] | undefined;
        // Map order is creation order, so `<` keeps timers due at the same time in the order they were set.
        for (const entry of timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
        if (!next) break;
        const [id, timer] = next;
        now = timer.at;
        if (timer.every === undefined) timers.delete(id);
        else timer.at += timer.every;
        timer.fn(...timer.args);
      }
      now = end;
    },
    pending: () => timers.size,
    uninstall() {
      Object.assign(globalThis, real);
      timers.clear();
    },
  };
}
