/**
 * What the React, Vue and Svelte adapters share: the seed's per-topic shape `{ data, connected, error, stats }`
 * built from the core stores, with snapshots that stay the same object until something they show changes
 * (what `useSyncExternalStore` needs, and what spares Vue and Svelte needless renders). No framework, no DOM.
 */
import type { Unbind } from '../core/store.js';
import type {
  Client,
  ConnectionState,
  MessageSchema,
  RealtimeError,
  TopicOptions,
  TopicState,
  TopicStatus,
} from '../core/types.js';

/** The client an adapter reads, and the scopes its tickets carry (when known, hooks check theirs against them). */
export interface RealtimeContext {
  /** The client, created by the application or by the adapter. */
  client: Client;
  /**
   * The scopes `client` was created with. When given, a hook asking for a scope outside them reports
   * `missing scope: …` instead of subscribing; when omitted, the gateway alone decides (`forbidden`).
   */
  scopes?: readonly string[] | undefined;
}

/** Options of the per-topic hooks, composables and stores. */
export interface RealtimeOptions<T = unknown> {
  /**
   * The scopes the caller needs (the seed's option). A ticket's scopes are fixed per connection, so these are
   * checked against the context's scopes, never added to them.
   */
  scopes?: readonly string[];
  /** How messages fold into `data` (default `latest`); the first user of a topic decides. See `client.topic()`. */
  reduce?: TopicOptions<T, unknown>['reduce'];
  /** For `reduce: 'append'`: how many messages to keep (default 100). */
  limit?: number;
  /**
   * Checks each message (a Standard Schema: zod, valibot, arktype); the first user of a topic decides. See
   * `client.topic()`. `T` is not inferred from it (the fold decides what `data` is): give `T` (with zod,
   * `z.output<typeof Schema>`, or an array of it for `append`), and the schema's output is checked against it.
   */
  schema?: MessageSchema<T extends readonly (infer M)[] ? M | T : T>;
}

/** One topic as every adapter returns it: the seed's `{ data, connected, error, stats }` plus `status`. */
export interface RealtimeTopic<T> {
  /** The folded data, `undefined` before the first message. */
  data: T | undefined;
  /** `true` while the connection is open and the gateway confirmed this topic (status `live`). */
  connected: boolean;
  /**
   * What went wrong, as a string (renders as is), or `null`; the first that applies: `missing scope: …`, the
   * reason the client stopped (`scope revoked`, `/rt/ticket?scopes=ops.admin answered 401 application/json "…"`),
   * the gateway's `sub.err` code (`forbidden`, `unknown_topic`).
   */
  error: string | null;
  /** The topic's phase: `idle`, `subscribing`, `live`, `error` or `closed`. */
  status: TopicStatus;
  /** Counters: `messagesReceived`, `lastMessageAt`, `gaps`, `resets`, `invalid`. */
  stats: TopicState<T>['stats'];
}

/** The connection as every adapter returns it: the core's `ConnectionState` with `error` as a string. */
export type RealtimeConnection = Omit<ConnectionState, 'error'> & {
  /** The reason the client stopped, or `null`. */
  error: string | null;
};

/** A derived external store: `listen` for changes, `get` a stable snapshot, `initial` the server's snapshot. */
export interface View<V> {
  /** Calls `onChange` (no arguments) when the snapshot may have changed. */
  listen(onChange: () => void): Unbind;
  /** The current snapshot: the same object until what it shows changes. */
  get(): V;
  /** The snapshot before any connection: what the server renders and hydration starts from. */
  initial(): V;
}

/** A stopped client's error as text. */
export const errorText = (e: RealtimeError | null): string | null => e && (e.reason || `${e.source} ${e.code}`);

/** What a topic shows before any connection (only the fields an entry reads). */
const IDLE = {
  status: 'idle',
  error: null,
  stats: { messagesReceived: 0, lastMessageAt: null, gaps: 0, resets: 0, invalid: 0 },
} as Omit<TopicState<never>, 'seq' | 'epoch'> as TopicState<never>;

/** The connection before anything happened (the server's snapshot). */
const INITIAL: RealtimeConnection = {
  connected: false,
  state: 'closed',
  transport: null,
  error: null,
  expiresAt: null,
  shared: null,
  stats: { messagesReceived: 0, reconnectCount: 0, latencyMs: null },
};

/** Remembers the last result and returns it while every argument is the same object as last time. */
const memo = <A extends unknown[], R>(fn: (...args: A) => R): ((...args: A) => R) => {
  let last: A | undefined;
  let result: R;
  return (...args) => (last && args.every((a, i) => a === last![i]) ? result : ((last = args), (result = fn(...args))));
};

/**
 * A view of several topics as `{ [topic]: RealtimeTopic }`, rebuilt only when a topic's state or the client's
 * error changed (the connection's counters moving on every message do not count).
 */
export function topicsView<T>(
  { client, scopes }: RealtimeContext,
  names: readonly string[],
  options: RealtimeOptions<T> = {},
): View<Record<string, RealtimeTopic<T>>> {
  const missing = scopes && options.scopes?.filter((s) => !scopes.includes(s)).join(', ');
  const denied = missing ? 'missing scope: ' + missing : null;
  const stores = names.map((n) => client.topic<T>(n, options as { reduce?: 'latest' }));
  const entry = (s: TopicState<T>, err: RealtimeError | null): RealtimeTopic<T> => ({
    data: s.data,
    connected: s.status === 'live',
    error: denied ?? errorText(err) ?? s.error?.code ?? null,
    status: s.status,
    stats: s.stats,
  });
  const build = (err: RealtimeError | null, ...states: TopicState<T>[]) =>
    Object.fromEntries(names.map((n, i) => [n, entry(states[i]!, err)]));
  const map = memo(build);
  const initial = memo(() => build(null, ...stores.map(() => IDLE)));
  return {
    listen(onChange) {
      if (denied) return () => {};
      const stops = [client.status.listen(onChange), ...stores.map((s) => s.listen(onChange))];
      return () => stops.forEach((stop) => stop());
    },
    get() {
      return denied ? initial() : map(client.status.get().error, ...stores.map((s) => s.get()));
    },
    initial,
  };
}

/** A view of one topic: an entry of {@link topicsView}. */
export function topicView<T>(ctx: RealtimeContext, name: string, options?: RealtimeOptions<T>): View<RealtimeTopic<T>> {
  const view = topicsView(ctx, [name], options);
  return { listen: view.listen, get: () => view.get()[name]!, initial: () => view.initial()[name]! };
}

/** A view of the connection, `error` as text. */
export function connectionView(client: Client): View<RealtimeConnection> {
  const view = memo((s: ConnectionState): RealtimeConnection => ({ ...s, error: errorText(s.error) }));
  return { listen: client.status.listen, get: () => view(client.status.get()), initial: () => INITIAL };
}
