/**
 * Signed publish requests (PROTOCOL.md §10.2): an HMAC-SHA256 over the method, the path, a timestamp, a nonce and
 * the SHA-256 of the body, in the style of Standard Webhooks and a reduced AWS SigV4. Shared by the gateway, which
 * verifies, and by {@link createPublisher} and `rt-publish`, which sign.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The path of the publish API. */
export const PUBLISH_PATH = '/rt/publish';

/** How far a request's timestamp may be from the gateway's clock, either way (seconds). */
export const PUBLISH_WINDOW_S = 300;

/** The headers of a signed request (lowercase, as Node reads them). */
export const SIGNATURE_HEADERS = {
  keyId: 'rt-key-id',
  timestamp: 'rt-timestamp',
  nonce: 'rt-nonce',
  signature: 'rt-signature',
} as const;

/** A request nonce: 16 to 64 characters of `[A-Za-z0-9_-]`. */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** What is signed, one field per line: `v1`, method, path, timestamp, nonce, hex SHA-256 of the body. */
export function stringToSign(
  method: string,
  path: string,
  timestamp: number | string,
  nonce: string,
  body: Buffer | string,
): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `v1\n${method.toUpperCase()}\n${path}\n${timestamp}\n${nonce}\n${bodyHash}`;
}

/** The `RT-Signature` value for a request: `v1=<64 hex>`. */
export function signatureOf(secret: string, input: string): string {
  return `v1=${createHmac('sha256', secret).update(input, 'utf8').digest('hex')}`;
}

/** What {@link signPublishRequest} needs. */
export interface SignRequest {
  /** The publisher key's id. */
  keyId: string;
  /** The publisher key's secret. */
  secret: string;
  /** The exact bytes that will be sent as the body. */
  body: Buffer | string;
  /** Default `POST`. */
  method?: string;
  /** Default {@link PUBLISH_PATH}. */
  path?: string;
  /** Signing time in ms (default `Date.now()`). */
  nowMs?: number;
  /** Default: 16 random bytes, base64url. */
  nonce?: string;
}

/**
 * The four `RT-*` headers that sign one request.
 * @example fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...signPublishRequest({ keyId, secret, body }) } })
 */
export function signPublishRequest(request: SignRequest): Record<string, string> {
  const timestamp = Math.floor((request.nowMs ?? Date.now()) / 1000);
  const nonce = request.nonce ?? randomBytes(16).toString('base64url');
  const input = stringToSign(request.method ?? 'POST', request.path ?? PUBLISH_PATH, timestamp, nonce, request.body);
  return {
    'RT-Key-Id': request.keyId,
    'RT-Timestamp': String(timestamp),
    'RT-Nonce': nonce,
    'RT-Signature': signatureOf(request.secret, input),
  };
}

/** Compares a presented `RT-Signature` with the expected one in constant time (their length is public: fixed). */
export function signatureMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
