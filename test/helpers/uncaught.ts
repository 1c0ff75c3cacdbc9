/**
 * Catches the errors that reach the page's error handler (`window.onerror`) while a test provokes them on
 * purpose: a listener that throws is rethrown on a microtask by the store, which mocha would otherwise report
 * as a failure of the test.
 */

/** Errors caught so far, and `restore()` to give `window.onerror` back to mocha. */
export interface Uncaught {
  readonly errors: unknown[];
  /** Lets promises and microtasks settle, so every rethrow has arrived. */
  settle(): Promise<void>;
  restore(): void;
}

/**
 * Starts catching.
 * @example const uncaught = catchUncaught(); try { … } finally { uncaught.restore(); }
 */
export function catchUncaught(): Uncaught {
  const previous = window.onerror;
  const errors: unknown[] = [];
  window.onerror = (_message, _source, _line, _column, error) => {
    errors.push(error);
    return true; // handled: not reported as uncaught
  };
  return {
    errors,
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
    restore: () => void (window.onerror = previous),
  };
}
