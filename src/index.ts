/**
 * `@lydian/realtime`: the framework-agnostic core client. Only re-exports; importing it has no side effect and
 * touches no DOM, so it is safe during server-side rendering and in workers.
 */
export { createClient } from './core/client.js';
export type {
  Client,
  ClientEvents,
  ClientOptions,
  ConnectionPhase,
  ConnectionState,
  MessageSchema,
  RealtimeError,
  TicketProvider,
  TopicError,
  TopicOptions,
  TopicState,
  TopicStatus,
  TopicStore,
} from './core/types.js';
export { atom, type Listener, type ReadableStore, type Unbind, type WritableStore } from './core/store.js';
export { backoff, timer, type Timer } from './core/backoff.js';
export { CLOSE_ACTIONS, closeAction, MAX_AUTH_REFUSALS, type CloseAction } from './protocol/close-codes.js';
export { hmacSha256Hex, signTicket, type BytesLike, type SignOptions } from './core/signer.js';
export { append, latest, merge, type Reducer, type ReduceMode } from './core/reducers.js';
export { consoleLogger, type Logger, type LogLevel } from './core/logger.js';
export type { TransportName } from './transports/transport.js';
export type { Ticket } from './protocol/ticket.js';
export type { StandardSchemaV1 } from './protocol/standard-schema.js';
export type { MsgFrame, ServerFrame } from './protocol/frames.js';
