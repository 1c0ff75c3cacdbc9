/** The clock and interval timer the gateway runs on; tests inject fakes so nothing waits for real time. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` every `ms`; the returned handle is passed to {@link clearInterval}. */
  setInterval(fn: () => void, ms: number): unknown;
  /** Stops an interval. */
  clearInterval(handle: unknown): void;
}

/** The real clock. Intervals are `unref`ed so they never keep a process alive on their own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setInterval(fn, ms) {
    const handle = setInterval(fn, ms);
    handle.unref();
    return handle;
  },
  clearInterval(handle) {
    clearInterval(handle as ReturnType<typeof setInterval>);
  },
};
