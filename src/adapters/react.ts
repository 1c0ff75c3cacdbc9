/**
 * `@lydian/realtime/react`: the seed's hooks (`useRealtime`, `useRealtimeMulti`, `useRealtimeConnection`) over
 * the core stores with `useSyncExternalStore`, and a `RealtimeProvider` that supplies the client. React is an
 * optional peer dependency. Safe in server rendering (nothing touches the DOM at import or render; the server
 * snapshot is the state before any connection) and under StrictMode (topics linger before `unsub`, so a double
 * mount never reaches the wire twice).
 */
import {
  createContext,
  createElement,
  useContext,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
  type ReactElement,
  type ReactNode,
} from 'react';
import { createClient } from '../core/client.js';
import type { Client, ClientOptions } from '../core/types.js';
import {
  connectionView,
  topicsView,
  type RealtimeConnection,
  type RealtimeContext,
  type RealtimeOptions,
  type RealtimeTopic,
  type View,
} from './shared.js';

export type { RealtimeConnection, RealtimeContext, RealtimeOptions, RealtimeTopic } from './shared.js';

const Context = createContext<RealtimeContext | null>(null);

/**
 * Props of {@link RealtimeProvider}: an application-owned `client` (and the `scopes` it was created with, to
 * check the hooks' `scopes` against), or `options` for a client the provider owns.
 */
export type RealtimeProviderProps = { children?: ReactNode } & (
  | {
      /** A client the application created and keeps (the provider never disconnects it). */
      client: Client;
      /** The scopes `client` was created with; when given, hooks check their `scopes` against them. */
      scopes?: readonly string[];
    }
  | {
      /**
       * Options of a client the provider creates on first render (read once, like `useState`'s initial value),
       * connects after mount and disconnects on unmount (`autoConnect` is ignored). Never connects during
       * server rendering.
       */
      options: ClientOptions;
    }
);

/**
 * Supplies the realtime client to the hooks below it.
 * @example
 * const client = createClient({ url: 'wss://rt.example.com/rt', auth: '/rt/ticket', scopes: ['ops.admin'] });
 * root.render(<RealtimeProvider client={client} scopes={['ops.admin']}><App /></RealtimeProvider>);
 * @example
 * <RealtimeProvider options={{ url: 'wss://rt.example.com/rt', auth: '/rt/ticket', scopes: ['ops.admin'] }}>
 */
export function RealtimeProvider(props: RealtimeProviderProps): ReactElement {
  const own = 'options' in props ? props.options : undefined;
  // Created without connecting: render may run on a server, or twice under StrictMode.
  const [owned] = useState(() => own && createClient({ ...own, autoConnect: false }));
  useEffect(() => {
    if (!owned) return;
    // Connected per mount and disconnected per unmount, so StrictMode's remount finds a connecting client.
    owned.connect();
    return owned.disconnect;
  }, [owned]);
  const client = owned ?? (props as { client: Client }).client;
  const scopes = own ? (own.scopes ?? []) : (props as { scopes?: readonly string[] }).scopes;
  const key = scopes?.join();
  const value = useMemo<RealtimeContext>(() => ({ client, scopes }), [client, key]);
  return createElement(Context.Provider, { value }, props.children);
}

/**
 * The context's client and scopes, for code that needs the client itself (`client.on('gap', …)`).
 * @throws outside a {@link RealtimeProvider}
 * @example const { client } = useRealtimeClient();
 */
export function useRealtimeClient(): RealtimeContext {
  const ctx = useContext(Context);
  if (!ctx) throw new Error('[lydian] no <RealtimeProvider>');
  return ctx;
}

const useView = <V>(view: View<V>): V => useSyncExternalStore(view.listen, view.get, view.initial);

type IsAny<T> = 0 extends 1 & T ? true : false;

/**
 * The map {@link useRealtimeMulti} returns. Keyed by the topic names when they are inferred as literals; with an
 * explicit `any` (as in the seed) every entry reads as `any`, so `topics['kpis.s2'].data?.x` compiles under
 * `noUncheckedIndexedAccess`.
 */
export type RealtimeTopics<T, K extends string = string> =
  IsAny<T> extends true
    ? string extends K
      ? // eslint-disable-next-line @typescript-eslint/no-explicit-any -- only for a caller's own `any` (the seed's)
        Record<string, any>
      : { [P in K]: RealtimeTopic<T> }
    : { [P in K]: RealtimeTopic<T> };

/**
 * Several topics at once, as `{ [topic]: { data, connected, error, stats, status } }`. The map is the same
 * object until one of its topics changes; changing the list (by value, not identity) swaps the subscriptions.
 * @example
 * const topics = useRealtimeMulti<any>(['kpis.s2', 'liveops.events'], { scopes: ['ops.admin', 'liveops.admin'] });
 * topics['kpis.s2'].data?.crash_free;
 */
export function useRealtimeMulti<T = unknown, K extends string = string>(
  topics: readonly K[],
  options?: RealtimeOptions<T>,
): RealtimeTopics<T, K> {
  const ctx = useRealtimeClient();
  const key = topics.join('\n') + '\n' + options?.scopes?.join();
  return useView(useMemo(() => topicsView(ctx, topics, options), [ctx, key])) as RealtimeTopics<T, K>;
}

/**
 * One topic: `{ data, connected, error, stats, status }`, the same object until it changes. `error` is a string.
 * @example
 * const { data, connected, error, stats } = useRealtime<KPIData>('kpis.s2', { scopes: ['ops.admin'] });
 */
export function useRealtime<T = unknown>(topic: string, options?: RealtimeOptions<T>): RealtimeTopic<T> {
  return (useRealtimeMulti<T>([topic], options) as Record<string, RealtimeTopic<T>>)[topic]!;
}

/**
 * The connection: `{ connected, state, transport, error, expiresAt, stats }` (`stats.reconnectCount`,
 * `stats.messagesReceived`, `stats.latencyMs`); `error` is a string.
 * @example const { connected, stats } = useRealtimeConnection();
 */
export function useRealtimeConnection(): RealtimeConnection {
  const { client } = useRealtimeClient();
  return useView(useMemo(() => connectionView(client), [client]));
}
