/**
 * A minimal readable store with the nanostores / Svelte contract: `subscribe` calls the listener at once and
 * returns an unbind, `listen` waits for the next change, `get` reads the current value. Closures only, never
 * `this`, so the methods can be passed around detached (Svelte's `$store`, React's `useSyncExternalStore`).
 */

/** A listener of a {@link ReadableStore}. */
export type Listener<T> = (value: T) => void;

/** Stops a listener; calling it more than once is harmless. */
export type Unbind = () => void;

/** The read side of a store: what the client hands out. */
export interface ReadableStore<T> {
  /** The current value. The same object until it changes, so it is safe for `useSyncExternalStore`. */
  get(): T;
  /**
   * Calls `listener` at once with the current value and again on every change.
   * @returns an unbind
   * @example const stop = client.status.subscribe((s) => console.log(s.state)); stop();
   */
  subscribe(listener: Listener<T>): Unbind;
  /** Like {@link ReadableStore.subscribe}, but only for changes to come. */
  listen(listener: Listener<T>): Unbind;
}

/** A store that its owner can write. */
export interface WritableStore<T> extends ReadableStore<T> {
  /** Replaces the value and notifies every listener. */
  set(value: T): void;
}

/**
 * Calls `listener` with `value`, isolated: an exception goes to `report` and is rethrown on a microtask, so it
 * reaches the page's error handler (or Node's `uncaughtException`) without stopping the other listeners or
 * the code that notified them halfway.
 * @example for (const l of listeners) notify(l, value, (e) => log('error', 'listener', e));
 */
export function notify<T>(listener: Listener<T>, value: T, report?: (error: unknown) => void): void {
  try {
    listener(value);
  } catch (error) {
    report?.(error);
    queueMicrotask(() => {
      throw error;
    });
  }
}

/**
 * Creates a store holding `value`. `onStart` runs when the first listener arrives, `onStop` when the last one
 * leaves (lazy lifecycle: a topic subscribes only while someone listens). A listener that throws does not keep
 * the others from being called: see {@link notify}, which passes the error to `onError` too.
 * @example const count = atom(0); count.subscribe(console.log); count.set(1);
 */
export function atom<T>(
  value: T,
  onStart?: () => void,
  onStop?: () => void,
  onError?: (error: unknown) => void,
): WritableStore<T> {
  let listeners: Listener<T>[] = [];
  const listen = (listener: Listener<T>): Unbind => {
    let bound = true;
    // Start before adding: what onStart sets is then seen once, through subscribe's first call.
    if (!listeners.length) onStart?.();
    listeners = [...listeners, listener];
    return () => {
      if (!bound) return;
      bound = false;
      const i = listeners.indexOf(listener);
      listeners = listeners.filter((_, j) => j !== i);
      if (!listeners.length) onStop?.();
    };
  };
  return {
    get: () => value,
    set(next) {
      value = next;
      for (const l of listeners) notify(l, next, onError);
    },
    listen,
    subscribe(listener) {
      const unbind = listen(listener);
      notify(listener, value, onError);
      return unbind;
    },
  };
}

/**
 * The read side of a store, without `set`: what the client hands out.
 * @example const status = readonly(writable); // status.get(), status.subscribe(…), status.listen(…)
 */
export const readonly = <T>(store: ReadableStore<T>): ReadableStore<T> => ({
  get: store.get,
  subscribe: store.subscribe,
  listen: store.listen,
});
