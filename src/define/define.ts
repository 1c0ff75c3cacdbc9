/**
 * Idempotent registration: a tag that is already defined (by this copy of the library or another) is left
 * alone, so importing the define entries twice, or with the browser bundle on the same page, never throws.
 */

/**
 * Defines `tag` unless it is defined already.
 * @example define('rt-topic', RtTopic);
 */
export function define(tag: string, element: CustomElementConstructor): void {
  if (!customElements.get(tag)) customElements.define(tag, element);
}
