/**
 * Grammar of topic and scope names (PROTOCOL.md §Names).
 *
 * Both are plain ASCII on purpose: `,` and `:` stay free as list and field delimiters on the SSE URL, and
 * look-alike Unicode (a Cyrillic `а` in `ops.аdmin`) can never pass for a real name.
 */

/** A topic name: 1–128 characters of `a-z 0-9 . _ -`. */
export const TOPIC_NAME = /^[a-z0-9._-]{1,128}$/;

/** A scope name: 1–64 characters of `a-z 0-9 . _ : -`. */
export const SCOPE_NAME = /^[a-z0-9._:-]{1,64}$/;

/** Most scopes one ticket may carry. */
export const MAX_SCOPES = 32;

/**
 * Tells whether `value` is a well-formed topic name.
 * @example isTopicName('kpis.s2') // true
 */
export function isTopicName(value: unknown): value is string {
  return typeof value === 'string' && TOPIC_NAME.test(value);
}

/**
 * Tells whether `value` is a well-formed scope name.
 * @example isScopeName('ops.admin') // true
 */
export function isScopeName(value: unknown): value is string {
  return typeof value === 'string' && SCOPE_NAME.test(value);
}

/**
 * Parses the comma-separated scope list of a ticket. The empty string is the empty list; an empty entry,
 * a duplicate, a malformed name or more than {@link MAX_SCOPES} entries make the whole list invalid.
 * @returns the scopes in their given order, or `undefined` when the list is malformed
 */
export function parseScopeList(value: string): string[] | undefined {
  if (value === '') return [];
  const scopes = value.split(',');
  if (scopes.length > MAX_SCOPES) return undefined;
  if (!scopes.every(isScopeName)) return undefined;
  if (new Set(scopes).size !== scopes.length) return undefined;
  return scopes;
}
