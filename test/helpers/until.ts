/**
 * Waiting for a condition without guessing a delay: every test waits through one of these, each bounded by a count
 * of checks, never by a timing assumption. Works in Node and in the browser (no Node or DOM-only API at module level).
 */
import type { ReadableStore } from '../../src/core/store.js';

/** The next turn of the event loop (a macrotask): lets sockets, timers and I/O callbacks run. */
const nextTurn = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

/**
 * Resolves once `condition()` holds, checking at once and then after each turn of the event loop.
 * @param turns the most turns to wait before failing (default 100 000): a bound, never a timing assumption
 * @example await until(() => client.frames.length === 2);
 */
export async function until(condition: () => boolean, turns = 100_000): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn > turns) throw new Error('condition never held');
    await nextTurn();
  }
}

/** How {@link eventually} polls. */
export interface EventuallyOptions {
  /** The most checks before failing (default 500): a bound, never a timing assumption. */
  tries?: number;
  /**
   * Milliseconds between two checks (default 10, for I/O that needs real time, such as a reconnect); 0 checks again
   * after each turn of the event loop instead.
   */
  intervalMs?: number;
  /** What is awaited, named in the error (default `condition`). */
  what?: string;
}

/**
 * Resolves once `check()` holds, for state that no event announces and only asking reveals (a Redis command, an
 * engine's health flag): checked at once, then again after each pause, at most `tries` times. Where an event or a
 * store change can be awaited, use {@link until}, {@link untilStore} or {@link untilEvent} instead.
 * @throws Error `never happened: <what>` once `tries` checks have failed (with the defaults: 500 checks ~10 ms apart)
 * @example await eventually(() => !gateway.context.health().ok, { what: 'the gateway notices' });
 */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  { tries = 500, intervalMs = 10, what = 'condition' }: EventuallyOptions = {},
): Promise<void> {
  const pause = (): Promise<void> =>
    intervalMs > 0 ? new Promise((resolve) => setTimeout(resolve, intervalMs)) : nextTurn();
  for (let attempt = 0; attempt < tries; attempt++) {
    if (await check()) return;
    await pause();
  }
  throw new Error(`never happened: ${what}`);
}

/**
 * Resolves with the first value of `store` that passes `test` (checked at once, then on every change).
 * @example const open = await untilStore(client.status, (s) => s.state === 'open');
 */
export function untilStore<T>(store: ReadableStore<T>, test: (value: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const stop = store.subscribe((value) => {
      if (!test(value)) return;
      queueMicrotask(() => stop());
      resolve(value);
    });
  });
}

/**
 * Resolves once `test()` holds: checked at once, then on every `event` from `target`.
 * @example await untilEvent(el, 'rt-state', () => el.status === 'open');
 */
export function untilEvent(target: EventTarget, event: string, test: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!test()) return;
      target.removeEventListener(event, check);
      resolve();
    };
    target.addEventListener(event, check);
    check();
  });
}
