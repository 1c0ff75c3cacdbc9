/**
 * Strings kept for long from a request (a ticket's nonce and scopes) are copied out of it: V8 cuts a substring of
 * 13 characters or more as a slice that keeps the whole parent string (the request's URL) alive.
 */

/** A copy of `text` that shares no memory with the string it was cut from (UTF-16 code units as they are). */
export function flatCopy(text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le');
}
