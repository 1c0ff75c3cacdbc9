/**
 * The body of `POST /rt/publish` (PROTOCOL.md §10.1): one message or a batch, parsed and checked for shape. Which
 * topics exist and which a key may publish is the endpoint's business.
 */
import { MAX_BATCH, MAX_MESSAGE_BYTES, MESSAGE_ID } from './limits.js';

/** One message to publish. */
export interface OutgoingMessage {
  /** The topic's name (not yet checked against the registry). */
  topic: string;
  /** The payload, as parsed. */
  data: unknown;
  /** The idempotency key, if any. */
  id?: string;
}

/** A parsed body: its messages, and whether it was a batch (the answer's shape follows). */
export interface PublishBody {
  messages: OutgoingMessage[];
  batch: boolean;
}

/** Why a body or one of its messages was refused. */
export class BodyError extends Error {
  override name = 'BodyError';
  /**
   * @param status 400 or 413
   * @param code `malformed` or `too_large`
   * @param index the message at fault, in a batch
   */
  constructor(
    readonly status: 400 | 413,
    readonly code: 'malformed' | 'too_large',
    message: string,
    readonly index?: number,
  ) {
    super(message);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseMessage(value: unknown, index: number | undefined): OutgoingMessage {
  const malformed = (detail: string) => new BodyError(400, 'malformed', detail, index);
  if (!isObject(value)) throw malformed('a message is an object {"topic","data","id"?}');
  const { topic, data, id } = value;
  if (typeof topic !== 'string' || topic.length === 0) throw malformed('"topic" must be a non-empty string');
  if (!('data' in value)) throw malformed('"data" is missing');
  if (id !== undefined && (typeof id !== 'string' || !MESSAGE_ID.test(id)))
    throw malformed('"id" must be 1 to 128 printable ASCII characters without space');
  // Measured as it will be carried: serialized once more, one line.
  if (Buffer.byteLength(JSON.stringify(data)) > MAX_MESSAGE_BYTES)
    throw new BodyError(413, 'too_large', `"data" is over ${MAX_MESSAGE_BYTES} bytes`, index);
  return id === undefined ? { topic, data } : { topic, data, id };
}

/**
 * Parses a request body.
 * @throws BodyError for anything but one well-formed message or a batch of 1 to {@link MAX_BATCH}
 */
export function parsePublishBody(body: Buffer): PublishBody {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BodyError(400, 'malformed', 'the body is not JSON');
  }
  if (isObject(value) && 'messages' in value) {
    const { messages } = value;
    if (!Array.isArray(messages) || messages.length === 0 || messages.length > MAX_BATCH)
      throw new BodyError(400, 'malformed', `"messages" must be an array of 1 to ${MAX_BATCH} messages`);
    return { messages: messages.map((m, i) => parseMessage(m, i)), batch: true };
  }
  return { messages: [parseMessage(value, undefined)], batch: false };
}
