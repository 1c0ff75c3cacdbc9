/**
 * Reading a field out of a payload and turning it into text: the rendering side of `<rt-topic>` and
 * `<rt-sparkline>`.
 */

/**
 * A named format:
 * - `text` (default): strings as they are, other values as JSON;
 * - `number`: locale grouping; `digits` decimals exactly when set (`17` → `17.0` with 1), else at most 2;
 * - `percent`: a value already in percent (`99.2` → `99.2%`), decimals as for `number`;
 * - `compact`: short notation (`18400` → `18K`, or `18.4K` with `digits` 1), decimals as for `number`;
 * - `time`: a timestamp (ms since the epoch, or a date string) as a local time of day.
 */
export type FormatName = 'text' | 'number' | 'percent' | 'compact' | 'time';

/**
 * A custom format: receives the value (the `field` of the payload) and the whole payload; returns anything
 * Lit renders (a string, a number, a `TemplateResult`, a DOM node).
 */
export type Formatter = (value: unknown, data: unknown) => unknown;

/**
 * Reads a dotted path (`a.b.0`) out of `data`; an empty path is `data` itself. Only own properties are read.
 * @example pick({ a: { b: [5] } }, 'a.b.0') // 5
 */
export const pick = (data: unknown, path: string | null | undefined): unknown =>
  path
    ? path
        .split('.')
        .reduce<unknown>(
          (v, key) =>
            v !== null && typeof v === 'object' && Object.hasOwn(v, key)
              ? (v as Record<string, unknown>)[key]
              : undefined,
          data,
        )
    : data;

/**
 * Formats `value` by name; an unknown name formats as `text`, a non-number as `text` for numeric formats.
 * `digits` fixes the decimals of the numeric formats (minimum = maximum, so widths stay stable as values
 * change: `17.0 ms` never becomes `17 ms`); without it they show at most 2.
 * @example format(99.2, 'percent') // "99.2%"
 * @example format(17, 'number', 1) // "17.0"
 */
export function format(value: unknown, name: FormatName | string = 'text', digits?: number | null): string {
  if (name === 'time' && (typeof value === 'number' || typeof value === 'string')) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date.toLocaleTimeString();
  }
  if (typeof value === 'number' && (name === 'number' || name === 'percent' || name === 'compact')) {
    const percent = name === 'percent';
    return new Intl.NumberFormat(undefined, {
      // `digits` from an attribute may be null (removed) or NaN (not a number): both mean "not set".
      ...(digits != null && digits >= 0
        ? { minimumFractionDigits: digits, maximumFractionDigits: digits }
        : { maximumFractionDigits: 2 }),
      ...(percent ? { style: 'percent' } : name === 'compact' ? { notation: 'compact' } : {}),
    }).format(percent ? value / 100 : value);
  }
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}
