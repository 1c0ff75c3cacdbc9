/**
 * Catches, quietly, the errors a test provokes on purpose that reach the page: a listener that throws is
 * rethrown on a microtask by the store. Two things would see each one, and both are stood in for while
 * catching: `window.onerror` (mocha's: it would fail the test) records it in `errors` and marks it handled;
 * web-test-runner's own `window` 'error' listener, which `onerror` does not stop and which prints each as a
 * browser log through `console.error(error)`, finds that console recording lone `Error`s in `printed` instead.
 */

/** The errors caught so far, and what the console was asked to print meanwhile. */
export interface Uncaught {
  /** Errors that reached `window.onerror`, in order. */
  readonly errors: unknown[];
  /** Errors that reached `console.error` alone (web-test-runner's report of each uncaught one), in order. */
  readonly printed: unknown[];
  /** Lets promises and microtasks settle, so every rethrow has arrived. */
  settle(): Promise<void>;
  /** Gives `window.onerror` back to mocha and `console.error` back to the console. */
  restore(): void;
}

/**
 * Starts catching; any other `console.error` call still prints.
 * @example const uncaught = catchUncaught(); try { … } finally { uncaught.restore(); }
 */
export function catchUncaught(): Uncaught {
  const previous = window.onerror;
  const real = console.error;
  const errors: unknown[] = [];
  const printed: unknown[] = [];
  window.onerror = (_message, _source, _line, _column, error) => {
    errors.push(error);
    return true; // handled: not reported as uncaught
  };
  console.error = (...args: unknown[]) =>
    args.length === 1 && args[0] instanceof Error ? void printed.push(args[0]) : real(...args);
  return {
    errors,
    printed,
    // A macrotask through MessageChannel: runs after every pending microtask, and no fake clock replaces it.
    settle: () =>
      new Promise<void>((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          channel.port1.close();
          resolve();
        };
        channel.port2.postMessage(0);
      }),
    restore() {
      window.onerror = previous;
      console.error = real;
    },
  };
}
