/**
 * The frames of wire protocol v1 (PROTOCOL.md §Frames): JSON text, one object per frame, a `type` in each.
 * The same JSON travels over WebSocket messages and SSE `data:` lines.
 */
import type { FrameError, RefreshError, SubError } from './errors.js';
import { isTopicName } from './names.js';
import type { Ticket } from './ticket.js';

/** Protocol version announced in `hello`. */
export const PROTOCOL_VERSION = 1;

/** Largest client frame the gateway reads (bytes); a larger one closes the connection with 1009. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/** An epoch: 1–64 characters of `A-Z a-z 0-9 _ -`. */
export const EPOCH = /^[A-Za-z0-9_-]{1,64}$/;

/** Client → gateway: subscribe to a topic, optionally resuming after `since` in `epoch`. */
export interface SubFrame {
  type: 'sub';
  topic: string;
  /** The last `seq` the client holds; every later message still in history is replayed. */
  since?: number;
  /** The epoch `since` belongs to; when it is not the topic's current epoch the answer is `reset`. */
  epoch?: string;
}

/** Client → gateway: stop receiving a topic. */
export interface UnsubFrame {
  type: 'unsub';
  topic: string;
}

/** Either direction: a liveness probe; the other side answers `pong`. */
export interface PingFrame {
  type: 'ping';
}

/** Either direction: the answer to `ping`. */
export interface PongFrame {
  type: 'pong';
}

/**
 * Client → gateway (v1.1, WebSocket): a fresh ticket for the open connection, before its authority ends. The
 * gateway checks it as at connect; on success its scopes and end replace the connection's.
 */
export interface RefreshFrame {
  type: 'refresh';
  /** The ticket exactly as the application's ticket endpoint returned it. */
  ticket: Ticket;
}

/** Any frame a client may send. */
export type ClientFrame = SubFrame | UnsubFrame | PingFrame | PongFrame | RefreshFrame;

/** Gateway → client, first frame of every connection. */
export interface HelloFrame {
  type: 'hello';
  /** Protocol version (1). */
  v: number;
  /** Connection id, for logs and support. */
  id: string;
  /** The scopes the ticket granted. */
  scopes: string[];
  /** How often the gateway sends `ping`; silence for twice this long means the link is dead. */
  heartbeatMs: number;
  /**
   * v1.1: milliseconds from this frame until the connection's authority ends (its ticket's `exp`, or the
   * gateway's maximum connection age); absent when it never ends. Refresh before it (WebSocket) or expect the
   * gateway to close with 4401 `expired`.
   */
  expiresIn?: number;
  /**
   * v1.3: the gateway's clock (ms since the Unix epoch) when it sent this frame, the clock of every message's
   * `ts`. A client learns its offset from it (`now` minus its own clock on receipt) to tell delivery latency
   * from clock skew. Absent from older gateways; a value that is not a non-negative integer is ignored.
   */
  now?: number;
}

/** Gateway → client (v1.1): the `refresh` was applied; the connection now holds these scopes until its new end. */
export interface RefreshOkFrame {
  type: 'refresh.ok';
  /** The scopes the new ticket granted. */
  scopes: string[];
  /** Milliseconds from this frame until the new end; absent when it never ends. */
  expiresIn?: number;
}

/** Gateway → client (v1.1): the `refresh` was refused; the connection keeps the authority it had. */
export interface RefreshErrFrame {
  type: 'refresh.err';
  code: RefreshError;
}

/**
 * Gateway → client (v1.1, SSE only): the last frame of a stream the gateway ends, with the close code and reason
 * a WebSocket would have got (4401 `expired`, 4410 `revoked`, 1012 `service_restart`).
 */
export interface CloseFrame {
  type: 'close';
  code: number;
  reason: string;
}

/** Gateway → client: the subscription is active. */
export interface SubOkFrame {
  type: 'sub.ok';
  topic: string;
  /** The topic's latest `seq` (0 before its first message). */
  seq: number;
  /** The topic's history epoch. */
  epoch: string;
}

/** Gateway → client: the subscription was refused; other topics are unaffected. */
export interface SubErrFrame {
  type: 'sub.err';
  topic: string;
  code: SubError;
}

/** Gateway → client: the subscription is gone. */
export interface UnsubOkFrame {
  type: 'unsub.ok';
  topic: string;
}

/** Gateway → client: one message of a topic. */
export interface MsgFrame<T = unknown> {
  type: 'msg';
  topic: string;
  /** Per topic, from 1, one more for every message. */
  seq: number;
  /** When the gateway accepted the message (ms since the Unix epoch). */
  ts: number;
  data: T;
}

/** Gateway → client: the requested `since` cannot be served; the latest message (if any) follows. */
export interface ResetFrame {
  type: 'reset';
  topic: string;
  /** The topic's current epoch. */
  epoch: string;
}

/** Gateway → client: a frame was not understood; the connection stays up. */
export interface ErrorFrame {
  type: 'error';
  code: FrameError;
  message: string;
}

/** Any frame the gateway may send. */
export type ServerFrame =
  | HelloFrame
  | SubOkFrame
  | SubErrFrame
  | UnsubOkFrame
  | MsgFrame
  | ResetFrame
  | PingFrame
  | PongFrame
  | ErrorFrame
  | RefreshOkFrame
  | RefreshErrFrame
  | CloseFrame;

/** Tells whether `value` is a valid `seq` / `since`: a non-negative safe integer. */
export function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Parses one gateway frame, as a client reads it from a WebSocket message or an SSE `data:` line. Unknown
 * fields are kept but ignored (forward compatibility); an unknown `type`, a frame missing a field it needs,
 * text that is not a JSON object: all yield `undefined`, which a client SHOULD ignore.
 * @example parseServerFrame('{"type":"sub.ok","topic":"kpis.s2","seq":57,"epoch":"e1"}')?.type // 'sub.ok'
 */
export function parseServerFrame(text: string): ServerFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const f = value as Record<string, unknown>;
  return hasItsFields(f) ? (f as unknown as ServerFrame) : undefined;
}

/** Tells whether a gateway frame of a known `type` has the fields that type needs. */
function hasItsFields(f: Record<string, unknown>): boolean {
  const topic = isTopicName(f['topic']);
  const epoch = typeof f['epoch'] === 'string' && EPOCH.test(f['epoch']);
  switch (f['type']) {
    case 'hello':
      return (
        typeof f['v'] === 'number' &&
        typeof f['id'] === 'string' &&
        Array.isArray(f['scopes']) &&
        isSeq(f['heartbeatMs'])
      );
    case 'sub.ok':
      return topic && epoch && isSeq(f['seq']);
    case 'sub.err':
      return topic && typeof f['code'] === 'string';
    case 'unsub.ok':
      return topic;
    case 'msg':
      return topic && isSeq(f['seq']) && (f['seq'] as number) > 0 && typeof f['ts'] === 'number' && 'data' in f;
    case 'reset':
      return topic && epoch;
    case 'error':
    case 'refresh.err':
      return typeof f['code'] === 'string';
    case 'refresh.ok':
      return Array.isArray(f['scopes']) && (f['expiresIn'] === undefined || isSeq(f['expiresIn']));
    case 'close':
      return typeof f['code'] === 'number' && typeof f['reason'] === 'string';
    case 'ping':
    case 'pong':
      return true;
    default:
      return false;
  }
}
