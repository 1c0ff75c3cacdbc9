/**
 * Waiting for a condition without sleeping: every test waits through one of these, so none guesses a delay.
 * Works in Node and in the browser (no Node or DOM-only API at module level).
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
