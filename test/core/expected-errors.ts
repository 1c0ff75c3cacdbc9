/**
 * Catches the errors a test provokes on purpose that reach the page (a listener that throws is rethrown on a
 * microtask by the store), quietly: test/helpers/uncaught.ts's `catchUncaught` keeps them from failing the test,
 * and web-test-runner's own `window` 'error' listener, which prints each as a browser log through
 * `console.error(error)`, finds that console muted for lone `Error`s meanwhile.
 */
import { catchUncaught, type Uncaught } from '../helpers/uncaught.js';

/** What {@link catchExpected} returns: the errors caught, and those the console was asked to print. */
export interface Expected extends Uncaught {
  /** Errors that reached `console.error` alone while catching (web-test-runner's report of each uncaught one). */
  readonly printed: unknown[];
}

/**
 * Starts catching: every uncaught error is recorded in `errors`, and a lone `Error` sent to `console.error` in
 * `printed` instead of the console; `restore()` gives both back.
 * @example const uncaught = catchExpected(); try { … } finally { uncaught.restore(); }
 */
export function catchExpected(): Expected {
  const uncaught = catchUncaught();
  const printed: unknown[] = [];
  const real = console.error;
  console.error = (...args: unknown[]) =>
    args.length === 1 && args[0] instanceof Error ? void printed.push(args[0]) : real(...args);
  return {
    errors: uncaught.errors,
    printed,
    settle: uncaught.settle,
    restore() {
      console.error = real;
      uncaught.restore();
    },
  };
}
