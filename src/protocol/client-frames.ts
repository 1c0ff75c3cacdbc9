/**
 * Reading a client frame (PROTOCOL.md §Frames), as the gateway does and as a leading tab does with what its
 * followers send (tab sharing). A module of its own: a page's client never reads client frames, so its bundle
 * leaves this out.
 */
import { FrameError, SubError } from './errors.js';
import { EPOCH, isSeq, type ClientFrame, type ErrorFrame, type SubErrFrame, type SubFrame } from './frames.js';
import { isTopicName } from './names.js';
import type { Ticket } from './ticket.js';

/** The outcome of {@link parseClientFrame}: a frame, or the frame to answer with. */
export type ClientFrameResult = { ok: true; frame: ClientFrame } | { ok: false; reply: ErrorFrame | SubErrFrame };

function fail(code: FrameError, message: string): ClientFrameResult {
  return { ok: false, reply: { type: 'error', code, message } };
}

/**
 * Parses one client frame. Unknown fields are ignored (forward compatibility); anything else that is off
 * yields the reply the gateway sends: an `error` frame, or `sub.err` with `bad_request` for a `sub` whose topic,
 * `since` or `epoch` is malformed.
 */
export function parseClientFrame(text: string): ClientFrameResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(FrameError.badJson, 'frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(FrameError.badJson, 'frame is not a JSON object');
  }
  const frame = value as Record<string, unknown>;
  switch (frame['type']) {
    case 'ping':
    case 'pong':
      return { ok: true, frame: { type: frame['type'] } };
    case 'unsub': {
      const topic = frame['topic'];
      if (!isTopicName(topic)) return fail(FrameError.badFrame, 'unsub needs a valid topic');
      return { ok: true, frame: { type: 'unsub', topic } };
    }
    case 'sub':
      return parseSub(frame);
    case 'refresh': {
      // Checked field by field where it is verified (parseTicketObject): here only its shape.
      const ticket = frame['ticket'];
      if (typeof ticket !== 'object' || ticket === null || Array.isArray(ticket)) {
        return fail(FrameError.badFrame, 'refresh needs a ticket object');
      }
      return { ok: true, frame: { type: 'refresh', ticket: ticket as Ticket } };
    }
    default:
      return fail(FrameError.badFrame, 'unknown frame type');
  }
}

function parseSub(frame: Record<string, unknown>): ClientFrameResult {
  const { topic, since, epoch } = frame;
  if (typeof topic !== 'string') return fail(FrameError.badFrame, 'sub needs a topic');
  const valid =
    isTopicName(topic) &&
    (since === undefined || isSeq(since)) &&
    (epoch === undefined || (typeof epoch === 'string' && EPOCH.test(epoch)));
  if (!valid) {
    return { ok: false, reply: { type: 'sub.err', topic: topic.slice(0, 128), code: SubError.badRequest } };
  }
  const sub: SubFrame = { type: 'sub', topic };
  if (since !== undefined) sub.since = since as number;
  if (epoch !== undefined) sub.epoch = epoch as string;
  return { ok: true, frame: sub };
}
