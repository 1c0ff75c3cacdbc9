/**
 * Who is publishing (PROTOCOL.md §10.2): a signed request (key id, timestamp, nonce, HMAC over the request) or a
 * bearer key. The signature is checked before the nonce is spent, so a forger cannot burn a publisher's nonces.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { NonceStore } from '../admission/nonce-store.js';
import type { PublisherKey, PublisherKeys } from './publisher-keys.js';
import {
  NONCE_PATTERN,
  PUBLISH_WINDOW_S,
  SIGNATURE_HEADERS,
  signatureMatches,
  signatureOf,
  stringToSign,
} from './signature.js';

/** Why a request was not authenticated (the 401's `reason`). */
export type CredentialFailure =
  'missing_credentials' | 'unknown_key' | 'bad_signature' | 'stale_timestamp' | 'replay' | 'bearer_not_allowed';

/** The verdict on a request's credentials. */
export type Credentials =
  | { ok: true; key: PublisherKey }
  | {
      ok: false;
      reason: CredentialFailure;
      /** A known key it named, for metrics and the audit log. */ key?: PublisherKey;
    }
  | { ok: false; reason: 'unavailable' };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** What {@link authenticate} needs besides the request. */
export interface CredentialContext {
  keys: PublisherKeys;
  nonces: NonceStore;
  /** The gateway's clock (ms). */
  now: number;
}

/** Whether the request is bearer-authenticated, and by which key. Done before the body is read. */
export function bearerOf(headers: IncomingHttpHeaders, keys: PublisherKeys): Credentials | undefined {
  const token = /^bearer +(.+)$/i.exec(header(headers, 'authorization') ?? '')?.[1];
  if (token === undefined) return undefined;
  const key = keys.bearer(token);
  if (key) return { ok: true, key };
  const known = keys.bySecret(token);
  return known ? { ok: false, reason: 'bearer_not_allowed', key: known } : { ok: false, reason: 'unknown_key' };
}

/**
 * Checks a signed request over `body` (the exact bytes received) against `path` (as received, without query).
 * Spends its nonce once everything else holds.
 */
export async function verifySigned(
  headers: IncomingHttpHeaders,
  method: string,
  path: string,
  body: Buffer,
  context: CredentialContext,
): Promise<Credentials> {
  const keyId = header(headers, SIGNATURE_HEADERS.keyId);
  const timestamp = header(headers, SIGNATURE_HEADERS.timestamp);
  const nonce = header(headers, SIGNATURE_HEADERS.nonce);
  const signature = header(headers, SIGNATURE_HEADERS.signature);
  if (keyId === undefined || timestamp === undefined || nonce === undefined || signature === undefined)
    return { ok: false, reason: 'missing_credentials' };
  const key = context.keys.get(keyId);
  if (!key) return { ok: false, reason: 'unknown_key' };
  const ts = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
  if (!NONCE_PATTERN.test(nonce) || Number.isNaN(ts)) return { ok: false, reason: 'bad_signature', key };
  const expected = signatureOf(key.secret, stringToSign(method, path, ts, nonce, body));
  if (!signatureMatches(signature, expected)) return { ok: false, reason: 'bad_signature', key };
  if (Math.abs(context.now / 1000 - ts) > PUBLISH_WINDOW_S) return { ok: false, reason: 'stale_timestamp', key };
  try {
    // Remembered until the timestamp leaves the window: after that the request is stale anyway.
    const fresh = await context.nonces.claim(`pub:${key.id}:${nonce}`, (ts + PUBLISH_WINDOW_S + 1) * 1000);
    return fresh ? { ok: true, key } : { ok: false, reason: 'replay', key };
  } catch {
    return { ok: false, reason: 'unavailable' };
  }
}
