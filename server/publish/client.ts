/**
 * The publishing side of PROTOCOL.md §10 for Node backends: one signed `POST /rt/publish` per call, retried safely.
 * Every message carries an idempotency key (one is made when the caller gives none), so a retry after a timeout
 * or a `503` cannot publish twice; each attempt is signed afresh (new timestamp and nonce) over the same body.
 */
import { randomUUID } from 'node:crypto';
import { MAX_BATCH, MESSAGE_ID } from './limits.js';
import { PUBLISH_PATH, signPublishRequest } from './signature.js';

/** Options of {@link createPublisher}. */
export interface PublisherOptions {
  /**
   * The gateway's HTTP URL (`https://rt.example.com`, or with a path prefix `https://example.com/realtime`);
   * `/rt/publish` is appended unless the URL already ends with it.
   */
  url: string;
  /** The publisher key's id (`RT-Key-Id`); ignored with `bearer`. */
  keyId: string;
  /** The publisher key's secret (at least 32 characters on the gateway). */
  secret: string;
  /**
   * Send the secret as `Authorization: Bearer <secret>` instead of signing (default `false`). Only for keys
   * configured with `"bearer": true`, and only over `https:` (or to a loopback host): anyone who sees one such
   * request can publish until the key is rotated.
   */
  bearer?: boolean;
  /**
   * Retries after a network error, a timeout, `429` or `502`/`503`/`504` (default 3, so at most 4 attempts). Never
   * after any other answer.
   */
  retries?: number;
  /** How long one attempt may take, answer body included, in ms (default 10 000). */
  timeoutMs?: number;
  /** The `fetch` to use (default the global one). */
  fetch?: typeof fetch;
}

/** What the gateway answered for one published message. */
export interface PublishReceipt {
  /** The message's sequence number on its topic. */
  seq: number;
  /** The topic's epoch the `seq` belongs to. */
  epoch: string;
  /** `true` when the message's `id` had already been published: nothing was delivered again. */
  duplicate: boolean;
}

/** One message of {@link Publisher.publishBatch}. */
export interface PublishMessage<T = unknown> {
  /** A registered topic the key may publish. */
  topic: string;
  /** Any JSON value (`null` included), at most 64 KiB serialized. */
  data: T;
  /** Idempotency key: 1 to 128 printable ASCII characters without space (default: a random UUID). */
  id?: string;
}

/** A publishing client, made by {@link createPublisher}. */
export interface Publisher {
  /**
   * Publishes one message.
   * @param options.id idempotency key (default: a random UUID, so this call's own retries publish it once)
   * @throws PublishError when the gateway refused it or could not be reached, retries spent
   * @throws TypeError for an `id` out of its grammar, or `data` that is not JSON (`undefined`, a function)
   */
  publish<T>(topic: string, data: T, options?: { id?: string }): Promise<PublishReceipt>;
  /**
   * Publishes 1 to 100 messages in one request, all or none (a `503` part-way aside, which the retry completes:
   * the messages already published come back with `duplicate: true`). Receipts are in the order given.
   * @throws PublishError when the gateway refused the batch (`index` names the message at fault) or could not be
   *   reached, retries spent
   * @throws TypeError for an empty or over-long batch, an `id` out of its grammar, or `data` that is not JSON
   */
  publishBatch<T>(messages: readonly PublishMessage<T>[]): Promise<PublishReceipt[]>;
}

/** What a {@link PublishError} is made of. */
export interface PublishFailure {
  /** The HTTP status, or 0 when no answer came (network error, timeout). */
  status: number;
  /** The answer's `error` field; `network` or `timeout` without an answer; `bad_response` for one not of the API. */
  code: string;
  /** The `reason` of a `401` (`bad_signature`, `stale_timestamp`, `replay`, …). */
  reason?: string | undefined;
  /** The batch index of the message at fault. */
  index?: number | undefined;
  /** The answer's `detail`, or what went wrong on the way. */
  detail?: string | undefined;
  /** A `429`'s `Retry-After`, in ms. */
  retryAfterMs?: number | undefined;
  /** The network error, if any. */
  cause?: unknown;
}

/** A publish that failed: refused by the gateway, or no answer after every retry. */
export class PublishError extends Error {
  override name = 'PublishError';
  /** The HTTP status, or 0 when no answer came (network error, timeout). */
  readonly status: number;
  /**
   * The answer's `error` field (`forbidden_topic`, `unauthorized`, `rate_limited`…, PROTOCOL.md §10.3); `network`
   * or `timeout` when no answer came; `bad_response` when the answer was not the publish API's (a proxy's page).
   */
  readonly code: string;
  /** The `reason` of a `401` (`bad_signature`, `stale_timestamp`, `unknown_key`…). */
  readonly reason: string | undefined;
  /** In a batch, the index of the message the refusal is about. */
  readonly index: number | undefined;
  /** The answer's `detail`. */
  readonly detail: string | undefined;
  /** A `429`'s `Retry-After` in ms (given up at once when over 30 s). */
  readonly retryAfterMs: number | undefined;
  /** The publish URL. */
  readonly url: string;
  /**
   * The idempotency keys the request carried, in order: publishing again later with these `id`s cannot publish
   * twice what may have gone through (after a timeout, say).
   */
  readonly ids: readonly string[];
  /** Attempts made (1 when the first answer was final). */
  readonly attempts: number;

  /**
   * @param failure what came back
   * @param url the publish URL
   * @param ids the idempotency keys sent
   * @param attempts attempts made
   */
  constructor(failure: PublishFailure, url: string, ids: readonly string[], attempts: number) {
    super(describeFailure(failure, url, attempts), failure.cause === undefined ? undefined : { cause: failure.cause });
    this.status = failure.status;
    this.code = failure.code;
    this.reason = failure.reason;
    this.index = failure.index;
    this.detail = failure.detail;
    this.retryAfterMs = failure.retryAfterMs;
    this.url = url;
    this.ids = ids;
    this.attempts = attempts;
  }
}

/** One line: `POST <url> answered 403 forbidden_topic at message 1: key k may not publish this topic`. */
function describeFailure(failure: PublishFailure, url: string, attempts: number): string {
  const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
  const detail = failure.detail === undefined ? '' : `: ${failure.detail.replace(/\s+/g, ' ').slice(0, 200)}`;
  if (failure.status === 0) return `POST ${url} failed${detail}${tries}`;
  const reason = failure.reason === undefined ? '' : ` (${failure.reason})`;
  const at = failure.index === undefined ? '' : ` at message ${failure.index}`;
  return `POST ${url} answered ${failure.status} ${failure.code}${reason}${at}${detail}${tries}`;
}

/** The longest `Retry-After` waited for; a longer one fails the publish at once. */
const MAX_RETRY_AFTER_MS = 30_000;
/** The first backoff window and the largest one (ms). */
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5_000;
/** Statuses that say "not now": the same request may succeed later. */
const RETRIED_STATUSES = new Set([429, 502, 503, 504]);
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** The wait before retry `attempt` (0 first): random in the upper half of `min(max, min · 2^attempt)`. */
function backoff(attempt: number): number {
  const window = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt, 30));
  return Math.floor(window / 2 + (Math.random() * window) / 2);
}

/** `Retry-After` in ms: delta-seconds or an HTTP date. */
function retryAfterOf(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The publish URL for a gateway URL. */
function publishUrl(url: string, bearer: boolean): URL {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new TypeError(`createPublisher: url is not a URL: ${url}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TypeError(`createPublisher: url must be http(s)://, not ${base.protocol}//`);
  if (bearer && base.protocol === 'http:' && !LOOPBACK.test(base.hostname))
    throw new TypeError('createPublisher: bearer keys only over https:// (or to a loopback host); sign instead');
  const path = base.pathname.endsWith(PUBLISH_PATH) ? base.pathname : base.pathname.replace(/\/*$/, PUBLISH_PATH);
  return new URL(path, base.origin);
}

/** A message as sent: with its id. */
interface Outgoing {
  topic: string;
  data: unknown;
  id: string;
}

function outgoing(topic: unknown, data: unknown, id: string | undefined): Outgoing {
  if (typeof topic !== 'string' || topic.length === 0) throw new TypeError('publish: topic must be a topic name');
  if (data === undefined || typeof data === 'function' || typeof data === 'symbol')
    throw new TypeError(`publish: data must be a JSON value (null included), not ${typeof data}`);
  if (id !== undefined && (typeof id !== 'string' || !MESSAGE_ID.test(id)))
    throw new TypeError('publish: id must be 1 to 128 printable ASCII characters without space');
  return { topic, data, id: id ?? randomUUID() };
}

function isReceipt(value: unknown): value is PublishReceipt {
  const r = value as Partial<PublishReceipt> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.seq === 'number' &&
    typeof r.epoch === 'string' &&
    typeof r.duplicate === 'boolean'
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The fields of a refusal body (`{"error","detail","reason"?,"index"?}`), or `bad_response` for anything else. */
function refusal(status: number, text: string, retryAfterMs: number | undefined): PublishFailure {
  const body = parseJson(text) as Record<string, unknown> | undefined;
  const failure: PublishFailure = { status, code: 'bad_response', retryAfterMs };
  if (typeof body !== 'object' || body === null || typeof body['error'] !== 'string')
    return { ...failure, detail: text.trim() === '' ? undefined : text.trim() };
  return {
    ...failure,
    code: body['error'],
    reason: typeof body['reason'] === 'string' ? body['reason'] : undefined,
    index: typeof body['index'] === 'number' ? body['index'] : undefined,
    detail: typeof body['detail'] === 'string' ? body['detail'] : undefined,
  };
}

/** Why the request got no answer, in a few words. */
function networkFailure(error: unknown, timeoutMs: number): PublishFailure {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return { status: 0, code: 'timeout', detail: `no answer within ${timeoutMs} ms`, cause: error };
  const cause = error instanceof Error ? error.cause : undefined;
  const message = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
  return { status: 0, code: 'network', detail: message, cause: error };
}

/**
 * Creates a client of a gateway's publish API (PROTOCOL.md §10).
 * @throws TypeError for a URL that is not http(s), bearer over plain HTTP to another host, a missing key id or
 *   secret, or retries/timeoutMs out of range
 * @example
 * const publisher = createPublisher({ url: 'https://rt.example.com', keyId: 'liveops', secret: process.env.RT_PUBLISH_SECRET! });
 * const { seq } = await publisher.publish('kpis.s2', { crash_free: 99.2 }, { id: 'kpi-2026-12-05T10:00Z' });
 */
export function createPublisher(options: PublisherOptions): Publisher {
  const bearer = options.bearer === true;
  const url = publishUrl(options.url, bearer);
  const { keyId, secret } = options;
  const retries = options.retries ?? 3;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof secret !== 'string' || secret === '') throw new TypeError('createPublisher: secret is required');
  if (!bearer && (typeof keyId !== 'string' || keyId === ''))
    throw new TypeError('createPublisher: keyId is required (or bearer: true)');
  if (!Number.isInteger(retries) || retries < 0) throw new TypeError('createPublisher: retries must be an integer ≥ 0');
  if (!(timeoutMs > 0)) throw new TypeError('createPublisher: timeoutMs must be > 0');

  /** One attempt, signed afresh: the receipts, or why not. */
  async function attempt(
    body: Uint8Array<ArrayBuffer>,
    count: number,
    batch: boolean,
  ): Promise<PublishReceipt[] | PublishFailure> {
    const signed = Buffer.from(body.buffer, body.byteOffset, body.byteLength); // a view: the bytes sent
    const auth = bearer
      ? { Authorization: `Bearer ${secret}` }
      : signPublishRequest({ keyId, secret, body: signed, path: url.pathname });
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const res = await fetchImpl(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...auth },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (error) {
      return networkFailure(error, timeoutMs);
    }
    if (status !== 200) return refusal(status, text, retryAfterOf(retryAfter));
    const answer = parseJson(text) as { results?: unknown } | undefined;
    const receipts = batch ? answer?.results : [answer];
    if (Array.isArray(receipts) && receipts.length === count && receipts.every(isReceipt))
      return receipts.map(({ seq, epoch, duplicate }) => ({ seq, epoch, duplicate }));
    return { status, code: 'bad_response', detail: `not a publish answer: ${text.slice(0, 100)}` };
  }

  async function send(messages: readonly Outgoing[], batch: boolean): Promise<PublishReceipt[]> {
    const body = new TextEncoder().encode(JSON.stringify(batch ? { messages } : messages[0]));
    const ids = messages.map((m) => m.id);
    for (let done = 0; ; done++) {
      const result = await attempt(body, messages.length, batch);
      if (Array.isArray(result)) return result;
      const retryable = result.status === 0 || RETRIED_STATUSES.has(result.status);
      const tooLong = result.retryAfterMs !== undefined && result.retryAfterMs > MAX_RETRY_AFTER_MS;
      if (!retryable || tooLong || done >= retries) throw new PublishError(result, url.href, ids, done + 1);
      // A 429 says when; add a little jitter so publishers refused together do not return together.
      const wait =
        result.retryAfterMs === undefined ? backoff(done) : result.retryAfterMs + Math.random() * BACKOFF_MIN_MS;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  return {
    async publish(topic, data, publishOptions) {
      const receipts = await send([outgoing(topic, data, publishOptions?.id)], false);
      return receipts[0] as PublishReceipt;
    },
    async publishBatch(messages) {
      if (!Array.isArray(messages) || messages.length === 0 || messages.length > MAX_BATCH)
        throw new TypeError(`publishBatch: 1 to ${MAX_BATCH} messages`);
      return send(
        messages.map((m) => outgoing(m.topic, m.data, m.id)),
        true,
      );
    },
  };
}
