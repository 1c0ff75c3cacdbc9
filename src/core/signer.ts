/**
 * Ticket signing with WebCrypto (PROTOCOL.md §2.3): works in browsers, workers and Node ≥ 20 alike. For
 * development only in a browser: whoever holds the secret can mint any scope. Production fetches tickets
 * from its backend (`auth`).
 */
import { connectBody, signingInput, type Ticket } from '../protocol/ticket.js';

/** Bytes to sign or to key with: a string is taken as UTF-8. */
export type BytesLike = string | Uint8Array;

const bytes = (value: BytesLike): Uint8Array => (typeof value === 'string' ? new TextEncoder().encode(value) : value);

const hex = (buffer: ArrayBuffer | Uint8Array): string =>
  Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * HMAC-SHA256 of `data` under `key`, as lowercase hex.
 * @example await hmacSha256Hex('key', 'The quick brown fox jumps over the lazy dog')
 * // 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8'
 */
export async function hmacSha256Hex(key: BytesLike, data: BytesLike): Promise<string> {
  const subtle = globalThis.crypto.subtle;
  const k = await subtle.importKey('raw', bytes(key) as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return hex(await subtle.sign('HMAC', k, bytes(data) as BufferSource));
}

/** Options of {@link signTicket}. */
export interface SignOptions {
  /** Key id, when the gateway holds several keys. */
  kid?: string;
  /** The clock in ms (default `Date.now()`); `ts` is its whole seconds. */
  now?: number;
  /** The nonce (default: 16 random bytes as 32 hex characters). Never reuse one. */
  nonce?: string;
  /**
   * The end of the connection's authority, in Unix seconds (protocol v1.1; default: none, the gateway's maximum
   * connection age applies).
   */
  exp?: number;
  /** The subject, an opaque user id that revocation targets (protocol v1.1; default: none). */
  sub?: string;
}

/**
 * Signs a connection ticket for `scopes` with `secret`, exactly as the gateway's `issueTicket` does: with `exp`
 * or `sub`, both are under the signature (`connectBody`).
 * @example const ticket = await signTicket('dev-secret', ['ops.admin']);
 * @example await signTicket('dev-secret', ['ops.admin'], { exp: Math.floor(Date.now() / 1000) + 600, sub: 'u-42' });
 */
export async function signTicket(
  secret: string,
  scopes: readonly string[],
  options: SignOptions = {},
): Promise<Ticket> {
  const ts = Math.floor((options.now ?? Date.now()) / 1000);
  const nonce = options.nonce ?? hex(globalThis.crypto.getRandomValues(new Uint8Array(16)));
  const { kid, exp, sub } = options;
  const list = scopes.join(',');
  const ticket: Ticket = {
    ts,
    nonce,
    scopes: list,
    sig: await hmacSha256Hex(secret, signingInput(ts, nonce, connectBody(list, { exp, sub }))),
  };
  if (kid !== undefined) ticket.kid = kid;
  if (exp !== undefined) ticket.exp = exp;
  if (sub !== undefined) ticket.sub = sub;
  return ticket;
}
