/**
 * The seam between the client and a wire: a transport opens one connection, feeds every frame it reads
 * through the one shared parser (`parseServerFrame`) and reports its end exactly once.
 */
import { parseServerFrame, type ClientFrame, type ServerFrame } from '../protocol/frames.js';
import type { SseResume } from '../protocol/sse.js';

/** The transports the client knows, in the order it prefers them by default. */
export type TransportName = 'websocket' | 'sse';

/** What a transport reports to its owner. After `close`, and after its owner called `close()`, it is silent. */
export interface TransportHandlers {
  /** A well-formed gateway frame arrived. */
  frame(frame: ServerFrame): void;
  /**
   * The connection ended: its WebSocket close code; on SSE the close code a refusal maps to (`SSE_REFUSALS`
   * in src/protocol/close-codes.ts), or 1006 for a lost connection. `answer` is set when the URL answered, but
   * not as a Lydian gateway: what came back (`http://h/rt/sse answered 404 text/html "…"`).
   */
  close(code: number, reason: string, answer?: string): void;
}

/** Where and how to connect. */
export interface TransportOptions {
  /** The endpoint without query (`ws://host/rt` or `http://host/rt/sse`). */
  url: string;
  /** The signed ticket as a query string (`ts=…&nonce=…&scopes=…&sig=…`). */
  ticket: string;
  /** The topics to carry and where each resumes (SSE carries them in its URL; WebSocket ignores them). */
  topics: ReadonlyMap<string, SseResume | undefined>;
  /** The WebSocket implementation (default: the global one). */
  WebSocket?: typeof WebSocket | undefined;
  /** The EventSource implementation (default: the global one). */
  EventSource?: typeof EventSource | undefined;
}

/** One open (or opening) connection. */
export interface Transport {
  /** Whether frames can be sent: `true` for WebSocket; SSE is one-way and reopens to change topics. */
  readonly duplex: boolean;
  /** Sends a frame when the connection is open; otherwise drops it (subscriptions are re-sent on `hello`). */
  send(frame: ClientFrame): void;
  /** Closes the connection (code 1000 on WebSocket) without reporting `close` to the handlers. */
  close(): void;
}

/** Opens a transport. It MUST NOT call a handler synchronously, so the caller can store the result first. */
export type TransportFactory = (options: TransportOptions, handlers: TransportHandlers) => Transport;

/** Joins a base URL and a query, whether or not the base already has one. */
export const withQuery = (url: string, query: string): string => url + (url.includes('?') ? '&' : '?') + query;

/** The gateway frame a message event carries, if it is a well-formed one (text only: the protocol is JSON text). */
export const frameOf = (e: MessageEvent): ServerFrame | undefined =>
  typeof e.data === 'string' ? parseServerFrame(e.data) : undefined;
