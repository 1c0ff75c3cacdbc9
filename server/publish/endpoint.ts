/**
 * `POST /rt/publish` (PROTOCOL.md §10): a backend publishes with one signed request. The order of checks is the
 * documented one: method, draining, media type, credentials (a bearer before the body is read, a signature over
 * the body), shape, then per message the key's topics (403 before 404, so a key learns nothing outside its reach),
 * the registry, the key's rate, then (v1.3) each payload against its topic's schema and PII policy (422); only then
 * is anything published, in order.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext } from '../context.js';
import { sendJson } from '../endpoints/http-util.js';
import type { PublishRefusal, PublishSource } from '../delivery/hub.js';
import { TokenBucket } from '../limits/token-bucket.js';
import type { PublishResult } from '../engines/engine.js';
import { bearerOf, signedHeaders, verifySignature, type CredentialFailure, type Credentials } from './credentials.js';
import { MAX_BODY_BYTES, MAX_MESSAGE_BYTES } from './limits.js';
import { BodyError, parsePublishBody, type PublishBody } from './messages.js';
import { DEFAULT_PUBLISH_RATE, topicAllowed, type PublisherKey, type PublisherKeys } from './publisher-keys.js';
import { PayloadRefused, type Held } from '../contracts/admission.js';
import type { Session } from '../delivery/session.js';
import type { Topic } from '../delivery/topic.js';

/** One message's receipt, as answered. */
interface Receipt {
  seq: number;
  epoch: string;
  duplicate: boolean;
}

/** A message whose payload its topic admitted: what to publish (the payload as sent, or redacted). */
interface Admitted {
  topic: Topic<Session>;
  payload: unknown;
}

/** A refusal on its way to the client: its status, body and headers, and the topic it concerns. */
class Refused extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly topic?: string,
  ) {
    super(String(body['error']));
  }
}

const SOURCE: PublishSource = 'http';

/** What each 401 reason tells the caller to check (PROTOCOL.md §10.2). */
const UNAUTHORIZED: Readonly<Record<CredentialFailure, string>> = {
  missing_credentials: 'send RT-Key-Id, RT-Timestamp, RT-Nonce and RT-Signature, or a bearer key',
  unknown_key: 'no publisher key has this id (or this bearer secret)',
  bad_signature: 'the signature does not match: check the secret, the string to sign and the body bytes',
  stale_timestamp: 'RT-Timestamp is more than 300 s from the gateway clock',
  replay: 'this nonce was used already: sign each request with a new one',
  bearer_not_allowed: 'this key is not allowed as a bearer token: sign the request',
};

/** Reads the body, at most {@link MAX_BODY_BYTES}. */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) throw new Refused(413, { error: 'too_large', detail: 'the body is over 1 MiB' });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Refused(413, { error: 'too_large', detail: 'the body is over 1 MiB' });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The publish API of one gateway. */
export class PublishEndpoint {
  /** Per key id: its bucket, and the rate it was made for (a reloaded key with a new rate gets a new bucket). */
  private readonly buckets = new Map<string, { bucket: TokenBucket; rate: PublisherKey['rate'] }>();

  constructor(
    private readonly context: GatewayContext,
    private readonly keys: PublisherKeys,
  ) {}

  /** Serves one request to `/rt/publish`. */
  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let key: PublisherKey | undefined;
    try {
      const body = await this.accept(req, (k) => (key = k));
      const receipts = await this.publishAll(body, key as PublisherKey);
      sendJson(res, 200, body.batch ? { results: receipts } : receipts[0]);
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      this.refused(error, key);
      for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
      if (error.status === 405) req.resume();
      sendJson(res, error.status, error.body);
    }
  };

  /** Everything but publishing: the request's messages once every check passed. */
  private async accept(req: IncomingMessage, identified: (key: PublisherKey) => void): Promise<PublishBody> {
    if (req.method !== 'POST') throw new Refused(405, { error: 'method_not_allowed' }, { Allow: 'POST' });
    if (this.context.draining)
      throw new Refused(503, { error: 'unavailable', detail: 'the gateway is shutting down; retry' });
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json')
      throw new Refused(415, { error: 'unsupported_media_type', detail: 'send Content-Type: application/json' });

    // Everything the headers can tell is checked before the body is read: a stranger's 1 MiB is never taken in.
    const bearer = bearerOf(req.headers, this.keys);
    if (bearer) this.check(bearer, identified);
    const signed = bearer ? undefined : signedHeaders(req.headers, this.keys, this.context.clock.now());
    if (signed && !signed.ok) this.check(signed, identified);
    const body = await readBody(req);
    if (signed?.ok) {
      // Express strips a router's mount point from `url`; the client signed the whole path.
      const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
      const path = url.split('?')[0] ?? '';
      this.check(await verifySignature(signed.headers, 'POST', path, body, this.context.nonces), identified);
    }
    try {
      return parsePublishBody(body);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      const at = error.index === undefined ? {} : { index: error.index };
      throw new Refused(error.status, { error: error.code, detail: error.message, ...at });
    }
  }

  private check(credentials: Credentials, identified: (key: PublisherKey) => void): void {
    if ('key' in credentials && credentials.key) identified(credentials.key);
    if (credentials.ok) return;
    if (credentials.reason === 'unavailable')
      throw new Refused(503, { error: 'unavailable', detail: 'the replay check cannot be made now; retry' });
    throw new Refused(
      401,
      { error: 'unauthorized', reason: credentials.reason, detail: UNAUTHORIZED[credentials.reason] },
      { 'WWW-Authenticate': 'RT-HMAC-SHA256, Bearer' },
    );
  }

  /** Checks topics and rate, then publishes in order. */
  private async publishAll({ messages, batch }: PublishBody, key: PublisherKey): Promise<Receipt[]> {
    const at = (i: number) => (batch ? { index: i } : {});
    messages.forEach(({ topic }, i) => {
      if (!topicAllowed(key.topics, topic)) {
        const detail = `key ${key.id} may not publish this topic`;
        throw new Refused(403, { error: 'forbidden_topic', detail, ...at(i) }, {}, topic);
      }
      if (!this.context.hub.topic(topic))
        throw new Refused(404, { error: 'unknown_topic', detail: 'no such topic is registered', ...at(i) });
    });
    const topic = messages.length === 1 ? messages[0]?.topic : undefined;
    const bucket = this.bucket(key);
    if (!bucket.take(this.context.clock.now(), messages.length)) {
      const seconds = bucket.secondsUntil(messages.length);
      throw new Refused(
        429,
        { error: 'rate_limited', detail: `key ${key.id} is over its rate; retry in ${seconds} s` },
        { 'Retry-After': String(seconds) },
        topic,
      );
    }
    const admitted = await this.admitAll(messages, key, at);
    const receipts: Receipt[] = [];
    for (const [i, message] of messages.entries()) {
      let result: PublishResult;
      try {
        const { topic, payload } = admitted[i] as Admitted;
        result = await this.context.hub.publishAdmitted(topic, payload, message.id);
      } catch {
        const done = batch && receipts.length > 0 ? { results: receipts } : {};
        const detail = 'the engine cannot sequence now; retry';
        throw new Refused(503, { error: 'unavailable', detail, ...done }, {}, message.topic);
      }
      const duplicate = result.duplicate === true;
      receipts.push({ seq: result.seq, epoch: result.epoch, duplicate });
      this.context.hub.emit('published', {
        source: SOURCE,
        key: key.id,
        topic: message.topic,
        outcome: duplicate ? 'deduped' : 'accepted',
      });
    }
    return receipts;
  }

  /**
   * Every payload through its topic's schema and PII policy before any is published, so a refused batch publishes
   * nothing: 422 `invalid_payload` (the schema's issues: content-free paths and messages) or `pii_refused` (the
   * kinds found and where), with the index of the message at fault in a batch.
   */
  private async admitAll(
    messages: PublishBody['messages'],
    key: PublisherKey,
    at: (i: number) => { index?: number },
  ): Promise<Admitted[]> {
    const admitted: Admitted[] = [];
    const held: Held = []; // findings of messages admitted so far count only once the whole batch is
    for (const [i, { topic: name, data }] of messages.entries()) {
      const topic = this.context.hub.topic(name) as Topic<Session>; // checked above
      try {
        const payload = topic.admission.inert ? data : await topic.admission.check(data, SOURCE, key.id, held);
        // A redaction may be longer than what it replaces (an IP address): the limit holds for what goes out.
        if (payload !== data && Buffer.byteLength(JSON.stringify(payload)) > MAX_MESSAGE_BYTES) {
          const detail = `"data" is over ${MAX_MESSAGE_BYTES} bytes once redacted`;
          throw new Refused(413, { error: 'too_large', detail, ...at(i) }, {}, name);
        }
        admitted.push({ topic, payload });
      } catch (error) {
        if (!(error instanceof PayloadRefused)) throw error;
        const issues = error.issues.map(({ path, message }) => ({ path, message }));
        const body =
          error.reason === 'schema'
            ? { error: 'invalid_payload', detail: `the payload does not match the schema of ${name}`, issues }
            : {
                error: 'pii_refused',
                detail: `the payload carries personal data, which ${name} refuses`,
                kinds: error.kinds,
                issues,
              };
        throw new Refused(422, { ...body, ...at(i) }, {}, name);
      }
    }
    for (const report of held) report();
    return admitted;
  }

  private bucket(key: PublisherKey): TokenBucket {
    const held = this.buckets.get(key.id);
    if (held && held.rate === key.rate) return held.bucket;
    const rate = key.rate ?? DEFAULT_PUBLISH_RATE;
    const bucket = new TokenBucket(rate.burst, rate.perSecond, this.context.clock.now());
    this.buckets.set(key.id, { bucket, rate: key.rate });
    return bucket;
  }

  /** Tells the hub (metrics, audit log). Only a known key's id and a registered topic are named. */
  private refused(error: Refused, key: PublisherKey | undefined): void {
    const reason = String(error.body['reason'] ?? error.body['error']);
    const refusal: PublishRefusal = { source: SOURCE, reason, status: error.status };
    if (key) refusal.key = key.id;
    if (error.topic !== undefined && this.context.hub.topic(error.topic)) refusal.topic = error.topic;
    this.context.hub.emit('publishRefused', refusal);
  }
}
