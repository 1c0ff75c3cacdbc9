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

/** Whether the request is bearer-authenticated, and by which key. Done before the body is read. */
export function bearerOf(headers: IncomingHttpHeaders, keys: PublisherKeys): Credentials | undefined {
  const token = /^bearer +(.+)$/i.exec(header(headers, 'authorization') ?? '')?.[1];
  if (token === undefined) return undefined;
  const key = keys.bearer(token);
  if (key) return { ok: true, key };
  const known = keys.bySecret(token);
  return known ? { ok: false, reason: 'bearer_not_allowed', key: known } : { ok: false, reason: 'unknown_key' };
}

/** A signed request's headers, checked before its body is read. */
export interface SignedHeaders {
  key: PublisherKey;
  /** As sent: the string to sign carries it verbatim. */
  timestamp: string;
  nonce: string;
  signature: string;
}

/**
 * Checks what a signed request's headers alone can tell (all four present, a known key, well-formed values, a
 * timestamp within the window), so that a stranger's request is refused before its body is read.
 */
export function signedHeaders(
  headers: IncomingHttpHeaders,
  keys: PublisherKeys,
  nowMs: number,
): { ok: true; headers: SignedHeaders } | Extract<Credentials, { ok: false }> {
  const keyId = header(headers, SIGNATURE_HEADERS.keyId);
  const timestamp = header(headers, SIGNATURE_HEADERS.timestamp);
  const nonce = header(headers, SIGNATURE_HEADERS.nonce);
  const signature = header(headers, SIGNATURE_HEADERS.signature);
  if (keyId === undefined || timestamp === undefined || nonce === undefined || signature === undefined)
    return { ok: false, reason: 'missing_credentials' };
  const key = keys.get(keyId);
  if (!key) return { ok: false, reason: 'unknown_key' };
  if (!NONCE_PATTERN.test(nonce) || !/^\d{1,12}$/.test(timestamp) || !/^v1=[0-9a-f]{64}$/.test(signature))
    return { ok: false, reason: 'bad_signature', key };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > PUBLISH_WINDOW_S)
    return { ok: false, reason: 'stale_timestamp', key };
  return { ok: true, headers: { key, timestamp, nonce, signature } };
}

/**
 * Checks the signature over `body` (the exact bytes received) and `path` (as received, without query), then spends
 * the nonce, remembered until the timestamp leaves the window (after that the request is stale anyway).
 */
export async function verifySignature(
  signed: SignedHeaders,
  method: string,
  path: string,
  body: Buffer,
  nonces: NonceStore,
): Promise<Credentials> {
  const { key, timestamp, nonce, signature } = signed;
  const expected = signatureOf(key.secret, stringToSign(method, path, timestamp, nonce, body));
  if (!signatureMatches(signature, expected)) return { ok: false, reason: 'bad_signature', key };
  try {
    const fresh = await nonces.claim(`pub:${key.id}:${nonce}`, (Number(timestamp) + PUBLISH_WINDOW_S + 1) * 1000);
    return fresh ? { ok: true, key } : { ok: false, reason: 'replay', key };
  } catch {
    return { ok: false, reason: 'unavailable' };
  }
}
