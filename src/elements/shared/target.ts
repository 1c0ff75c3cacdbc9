/**
 * Targets (`min` / `max`) shared by `<rt-topic>` and `<rt-sparkline>`: whether a value is on target.
 */

/** A target range: `min ≤ value ≤ max`; either bound may be absent (`undefined`, or `null` once removed). */
export interface Bounds {
  /** The lowest value on target. */
  min?: number | null | undefined;
  /** The highest value on target. */
  max?: number | null | undefined;
}

/**
 * Whether `value` is on target: `undefined` when no bound is set or `value` is not a number. A bound that is
 * `NaN` (an attribute that is not a number) is ignored.
 * @example onTarget(98.9, { min: 99.5 }) // false
 */
export function onTarget(value: unknown, { min, max }: Bounds): boolean | undefined {
  // An absent bound becomes NaN, and every comparison with NaN is false: that bound never misses.
  const low = min ?? NaN;
  const high = max ?? NaN;
  return typeof value !== 'number' || (Number.isNaN(low) && Number.isNaN(high))
    ? undefined
    : !(value < low) && !(value > high);
}
