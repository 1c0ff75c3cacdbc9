/**
 * Reconnection delays: exponential backoff with full jitter, and a one-shot timer that owns its handle.
 */

/**
 * The delay before reconnection attempt number `attempt` (0 for the first): a uniformly random value between
 * 0 and `min(max, min * 2 ** attempt)` ("full jitter"), so clients that lost the same gateway at the same
 * moment spread their returns instead of arriving together. Pure: pass `random` to make it deterministic.
 * @param attempt - consecutive failed attempts so far (0, 1, 2, …)
 * @param min - the first window in ms (default 500)
 * @param max - the largest window in ms (default 30 000)
 * @param random - a source of numbers in [0, 1) (default `Math.random`)
 * @example backoff(3, 500, 30_000) // somewhere in [0, 4000]
 */
export function backoff(attempt: number, min = 500, max = 30_000, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(max, min * 2 ** Math.min(attempt, 30)));
}

/** A one-shot timer that owns its `clearTimeout`: setting it again replaces the pending callback. */
export interface Timer {
  /** Runs `fn` after `ms`, cancelling whatever was pending. */
  set(fn: () => void, ms: number): void;
  /** Cancels the pending callback, if any. */
  clear(): void;
  /** Tells whether a callback is pending. */
  pending(): boolean;
}

/**
 * Creates a {@link Timer}.
 * @example const retry = timer(); retry.set(connect, backoff(n)); retry.clear();
 */
export function timer(): Timer {
  let handle: ReturnType<typeof setTimeout> | undefined;
  const clear = (): void => {
    if (handle !== undefined) clearTimeout(handle);
    handle = undefined;
  };
  return {
    set(fn, ms) {
      clear();
      handle = setTimeout(() => {
        handle = undefined;
        fn();
      }, ms);
    },
    clear,
    pending: () => handle !== undefined,
  };
}
