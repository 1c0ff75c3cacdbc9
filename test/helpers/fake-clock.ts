/**
 * A fake clock for browser unit tests: replaces `setTimeout`, `clearTimeout` and `Date.now` until
 * `uninstall()`. Time moves only through `tick`, which runs due timers in order and lets promises and real
 * events settle between them, so code under test behaves as in real time with no real waiting.
 */

/** A running fake clock. */
export interface FakeClock {
  /** The fake `Date.now()`. */
  now(): number;
  /** Advances by `ms`, running every timer that falls due, in order. */
  tick(ms: number): Promise<void>;
  /** Moves the clock by `ms` without running anything (a machine waking from sleep, a frozen tab). */
  jump(ms: number): void;
  /** Delays (ms from now) of the timers still pending, soonest first. */
  pending(): number[];
  /** Lets promises and real events settle without moving the clock. */
  settle(): Promise<void>;
  /** Restores the real timers. */
  uninstall(): void;
}

interface Pending {
  at: number;
  fn: (...args: unknown[]) => void;
  args: unknown[];
}

/**
 * Installs a fake clock starting at `start` (ms since the epoch).
 * @example const clock = installClock(); … await clock.tick(1000); … clock.uninstall();
 */
export function installClock(start = Date.UTC(2024, 0, 1)): FakeClock {
  const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, now: Date.now };
  let now = start;
  let ids = 1;
  const timers = new Map<number, Pending>();
  globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms = 0, ...args: unknown[]) => {
    const id = ids++;
    timers.set(id, { at: now + Math.max(0, Number(ms) || 0), fn, args });
    return id;
  }) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((id: number | undefined) => void timers.delete(id as number)) as typeof clearTimeout;
  Date.now = () => now;

  // A macrotask through MessageChannel: not clamped like nested setTimeout, and not faked.
  const settleOnce = () =>
    new Promise<void>((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(0);
    });
  const settle = async () => {
    for (let i = 0; i < 3; i++) await settleOnce();
  };

  return {
    now: () => now,
    async tick(ms) {
      const end = now + ms;
      await settle();
      for (;;) {
        let next: [number, Pending] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
        }
        if (!next) break;
        timers.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].fn(...next[1].args);
        await settle();
      }
      now = end;
      await settle();
    },
    jump(ms) {
      now += ms;
    },
    pending: () => [...timers.values()].map((t) => t.at - now).sort((a, b) => a - b),
    settle,
    uninstall() {
      globalThis.setTimeout = real.setTimeout;
      globalThis.clearTimeout = real.clearTimeout;
      Date.now = real.now;
    },
  };
}
