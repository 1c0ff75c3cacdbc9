/**
 * Durations in attributes (`<rt-topic stale-after="10s">`): a number with a unit, CSS-like.
 */

/**
 * Reads `500ms`, `10s`, `2m` or a plain number of milliseconds (`1500`); anything else (a space, another unit,
 * no number) is `NaN`.
 * @example duration('10s') // 10000
 * @example duration('1.5m') // 90000
 */
export const duration = (text: string | null | undefined): number => {
  const m = /^(\d*\.?\d+)(ms|s|m)?$/.exec(text ?? '');
  return m ? +m[1]! * (m[2] === 's' ? 1e3 : m[2] === 'm' ? 6e4 : 1) : NaN;
};
