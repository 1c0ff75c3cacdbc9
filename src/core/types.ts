/**
 * The public shapes of the client: options, connection state, topic state.
 */
import type { MsgFrame } from '../protocol/frames.js';
import type { StandardSchemaV1 } from '../protocol/standard-schema.js';
import type { Ticket } from '../protocol/ticket.js';
import type { TransportName } from '../transports/transport.js';
import type { Logger } from './logger.js';
import type { Reducer } from './reducers.js';
import type { ReadableStore, Unbind } from './store.js';

/**
 * Where tickets come from (a fresh one for every connection attempt):
 * - a URL answering `GET <url>?scopes=a,b` with a ticket as JSON;
 * - a function returning (or resolving with) the endpoint's `Response`: the client checks `ok` / `status`,
 *   then reads `.json()`. This is the recommended form when the request needs headers or credentials;
 * - a function returning (or resolving with) the ticket itself.
 *
 * A 401 or 403 answer (from the URL or the returned `Response`) stops the client with the error; a 5xx or a
 * network error retries with backoff, the error in `status.error` meanwhile. An answer that is not a ticket
 * (a page's `index.html` served by a dev server for an unknown path, `{"error": …}`, no 64-hex `sig`) counts as
 * a refusal: three in a row stop. Each error names the URL and what came back (status, content type, the
 * first 80 characters, where a redirect ended). A function returning a ticket signals "refused for good" by throwing or
 * rejecting with an object whose `status` is 401 or 403; anything else it throws retries. (Calling `.json()`
 * in the function hides the status: a refusal's `{"error": …}` body then counts as a malformed ticket, and
 * only three in a row stop. Return the `Response` instead.)
 * @example auth: '/rt/ticket'
 * @example auth: (scopes) => fetch('/rt/ticket?scopes=' + scopes.join(','), { credentials: 'include' })
 * @example auth: async (scopes) => (await myApi.ticket(scopes)).ticket
 */
export type TicketProvider = string | ((scopes: readonly string[]) => Ticket | Response | Promise<Ticket | Response>);

/** Options of `createClient`. Only `url` is required, plus `auth` or `secret`. */
export interface ClientOptions {
  /** The gateway's WebSocket endpoint, e.g. `ws://localhost:3100/rt`. */
  url: string;
  /** The SSE endpoint (default: derived from `url`, `ws://h/rt` → `http://h/rt/sse`). */
  sseUrl?: string;
  /** The scopes to ask for (default: none). */
  scopes?: readonly string[];
  /** The recommended ticket source: the secret stays on the application's backend. */
  auth?: TicketProvider;
  /** Signs tickets in the page with WebCrypto. Development only (warns once): the secret grants any scope. */
  secret?: string;
  /** Transports in order of preference (default `['websocket', 'sse']`). */
  transports?: readonly TransportName[];
  /** A WebSocket implementation (default: the global one; pass `ws`'s in Node). */
  WebSocket?: typeof WebSocket;
  /** An EventSource implementation (default: the global one). */
  EventSource?: typeof EventSource;
  /** The first backoff window in ms (default 500). */
  minDelay?: number;
  /** The largest backoff window in ms (default 30 000). */
  maxDelay?: number;
  /** The minimum delay after 1013 or 4429 (the gateway is busy or rate-limits), in ms (default 5 000). */
  busyDelay?: number;
  /** Silence in ms after which the link counts as dead (default: twice the gateway's `heartbeatMs`, 30 000). */
  timeout?: number;
  /**
   * How long in ms a new connection may wait for the gateway's `hello` (default 10 000). A server that answers
   * but never says hello (another app's socket) is no gateway: the attempt fails, and `status.error` says so.
   */
  helloTimeout?: number;
  /** How long in ms a connection must stay up to count as healthy: resets backoff and transport failures (default 10 000). */
  stableAfter?: number;
  /** How long in ms a topic stays subscribed after its last listener left (default 1 000). */
  linger?: number;
  /** While on a fallback transport, how long in ms before trying the preferred one again; doubles per failure (default 60 000). */
  probeAfter?: number;
  /**
   * Receives every state change and frame, and each kind of error once as `problem` (which otherwise goes to
   * the console as a `[lydian]` warning).
   */
  logger?: Logger;
  /** Logs every state change and frame to the console when no `logger` is given. */
  debug?: boolean;
  /** Connect at once (default `true`); `false` waits for `connect()`. */
  autoConnect?: boolean;
  /**
   * Share one connection among the tabs of this browser (default `true` where the page has `BroadcastChannel`
   * and Web Locks, unless `WebSocket` or `EventSource` gives an implementation of its own; elsewhere, as in Node
   * or SSR, there is nothing to share). Tabs share when they use the same `url`, `sseUrl`, `scopes`,
   * `transports` and `shareKey`; one of them holds the connection for all. `false`: this client has a
   * connection of its own.
   */
  share?: boolean;
  /** Narrows sharing to the tabs with the same key, e.g. the signed-in user's id when a browser may hold several. */
  shareKey?: string;
}

/** The connection this tab shares with other tabs of the browser. */
export interface SharedState {
  /** Tabs sharing it, this one included (0 while this tab waits to join). */
  tabs: number;
  /** Whether this tab holds the connection for all of them. */
  leader: boolean;
}

/** Why the client stopped, or what went wrong last. */
export interface RealtimeError {
  /**
   * `close`: the gateway closed the connection (4410: access revoked, the client stopped); `ticket`: the ticket
   * provider failed; `transport`: none is available, or the URL did not answer as a Lydian gateway; `refresh`:
   * renewing an open connection's authority failed (the gateway's `refresh.err`, or no ticket), while the
   * connection goes on and the client retries until the authority ends.
   */
  source: 'close' | 'ticket' | 'transport' | 'refresh';
  /**
   * The close code (1006 for no gateway), or the ticket endpoint's HTTP status (0: none, -1: not a ticket); for
   * `refresh`, 4401 when the gateway refused it (the reason names its `refresh.err` code), else the ticket's.
   */
  code: number;
  /** The close reason or error message: for a ticket or no gateway, the URL and what came back. */
  reason: string;
}

/**
 * The connection's phase. On SSE, a stream carries at least one topic: while no topic is wanted the client
 * opens none and stays `connecting` / `reconnecting` until one is.
 */
export type ConnectionPhase = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed';

/** The connection store's value. */
export interface ConnectionState {
  /** `true` while a connection is open and its `hello` arrived. */
  connected: boolean;
  /** The phase. */
  state: ConnectionPhase;
  /** The transport in use or being tried. */
  transport: TransportName | null;
  /**
   * The last error: set when the client stopped because of one, while it retries after a ticket failure
   * (until a ticket comes) or a URL that is no gateway (until a `hello`), and while an open connection's
   * refresh fails (until one succeeds or the connection ends).
   */
  error: RealtimeError | null;
  /**
   * When the open connection's authority ends (`Date.now()` ms, from the gateway's `expiresIn`), or `null`: it
   * never ends, or no connection is open. On WebSocket the client refreshes it well before (between 60 and 80 %
   * of its lifetime, with a fresh ticket from `auth`); on SSE the stream ends then and the client resumes on a
   * new one.
   */
  expiresAt: number | null;
  /** The sharing of the connection among tabs, or `null` when this client has a connection of its own. */
  shared: SharedState | null;
  /** Counters. */
  stats: {
    /** `msg` frames received over the client's life. */
    messagesReceived: number;
    /** Reconnection attempts over the client's life. */
    reconnectCount: number;
    /**
     * Receive latency of the last live message (ms): when it arrived, minus the gateway's `ts`, on the gateway's
     * clock, or `null` before the first. Replayed messages do not count. The offset between the two clocks is
     * learned at `hello` (v1.3 `now`): it counts the hello's own trip as skew, so the figure is low by at most
     * that one-way delay (a few ms on a sound link), which keeps it good for a dashboard and an alert, while the
     * uncorrected difference could be off by minutes of a machine's clock skew. Older gateways send no `now`:
     * the figure then includes the skew. Never below 0.
     */
    latencyMs: number | null;
  };
}

/** A topic's phase. */
export type TopicStatus = 'idle' | 'subscribing' | 'live' | 'error' | 'closed';

/** Why a topic's subscription failed: the `sub.err` code (`forbidden`, `unknown_topic`, `bad_request`). */
export interface TopicError {
  /** The `sub.err` code. */
  code: string;
}

/** A topic store's value. */
export interface TopicState<T> {
  /** The folded data (`undefined` before the first message). */
  data: T | undefined;
  /** The phase. */
  status: TopicStatus;
  /** Set when the gateway refused the subscription. */
  error: TopicError | null;
  /** The last `seq` received (0 before any). */
  seq: number;
  /** The history epoch `seq` belongs to. */
  epoch: string | undefined;
  /** Counters: nothing lost is ever hidden. */
  stats: {
    /** Messages folded in. */
    messagesReceived: number;
    /** `Date.now()` when the last message arrived, or `null`. */
    lastMessageAt: number | null;
    /** Times a `seq` was skipped. */
    gaps: number;
    /** Times the gateway could not resume (`reset`: history gone or epoch changed). */
    resets: number;
    /** Messages the topic's `schema` refused: not folded in, not in `messagesReceived`. */
    invalid: number;
  };
}

/** A per-topic store: subscribing to it subscribes to the topic (ref-counted, with a linger). */
export type TopicStore<T> = ReadableStore<TopicState<T>>;

/**
 * A validator of one message's payload that implements Standard Schema v1 (zod 3.24+, valibot 1.0+, arktype
 * 2.0+), synchronous: its output is what the topic folds.
 */
export type MessageSchema<M> = StandardSchemaV1<unknown, M>;

/** Options of `client.topic()`. The first call for a topic decides them. */
export interface TopicOptions<T, M> {
  /** How messages fold into `data` (default `latest`). */
  reduce?: 'latest' | 'append' | 'merge' | Reducer<T, M>;
  /** For `append`: how many messages to keep (default 100). */
  limit?: number;
  /**
   * Checks each message's payload (synchronously) and types it: its output is the message the topic folds. A
   * message that fails is not folded in but counted in `stats.invalid`, and told once per topic (to the
   * `logger` as a `problem`, else on the console) with the paths of its issues, never its data. A schema that
   * validates asynchronously refuses every message the same way: the client validates synchronously only.
   * @example client.topic('kpis.s2', { schema: z.object({ crash_free: z.number() }) })
   */
  schema?: MessageSchema<M>;
}

/** The client's events. */
export interface ClientEvents {
  /** A message arrived on any topic. */
  message: MsgFrame;
  /** A topic skipped from `expected` to `seq`. */
  gap: { topic: string; expected: number; seq: number };
  /** A topic could not resume; the latest message follows. */
  reset: { topic: string; epoch: string };
  /** The client stopped because of an error. */
  error: RealtimeError;
}

/** The realtime client. */
export interface Client {
  /** The connection store. */
  readonly status: ReadableStore<ConnectionState>;
  /**
   * The store of one topic (the same store for the same name). `data` holds the latest message. With a
   * `schema`, `T` is its output and each message is checked (see {@link TopicOptions.schema}).
   * @throws TypeError when `name` is not a topic name, or `schema` is not a Standard Schema
   * @example const kpis = client.topic<KPIData>('kpis.s2');
   * @example const kpis = client.topic('kpis.s2', { schema: KPISchema }); // TopicStore<z.output<typeof KPISchema>>
   */
  topic<T = unknown>(name: string, options?: { reduce?: 'latest'; schema?: MessageSchema<T> }): TopicStore<T>;
  /**
   * A topic kept as the last `limit` messages, oldest first.
   * @example client.topic<LiveEvent>('liveops.events', { reduce: 'append', limit: 50 })
   */
  topic<M = unknown>(
    name: string,
    options: { reduce: 'append'; limit?: number; schema?: MessageSchema<M> },
  ): TopicStore<M[]>;
  /**
   * A topic whose messages are shallow patches of `T`.
   * @example client.topic<Economy>('economy.patch', { reduce: 'merge' })
   */
  topic<T = unknown>(name: string, options: { reduce: 'merge'; schema?: MessageSchema<T> }): TopicStore<T>;
  /**
   * A topic folded by a custom reducer.
   * @example client.topic<number, Tick>('ticks', { reduce: (n = 0) => n + 1 })
   */
  topic<T, M = unknown>(name: string, options: { reduce: Reducer<T, M>; schema?: MessageSchema<M> }): TopicStore<T>;
  /**
   * Listens to a client event.
   * @returns an unbind
   */
  on<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): Unbind;
  /** (Re)connects after `disconnect()`, a fatal error or `autoConnect: false`. */
  connect(): void;
  /** Closes the connection with 1000 and stops every timer: the user's right to disconnect. */
  disconnect(): void;
}
