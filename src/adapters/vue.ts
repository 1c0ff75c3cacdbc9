/**
 * `@lydian/realtime/vue`: Vue 3 composables over the core stores. Each returns a read-only `shallowRef` that is
 * replaced (never mutated) on change and unsubscribed when the calling effect scope (the component) is disposed.
 * Topic names may be refs or getters: a change swaps the subscription. Vue is an optional peer dependency.
 */
import {
  inject,
  onScopeDispose,
  provide,
  shallowRef,
  ssrContextKey,
  toValue,
  watch,
  type App,
  type InjectionKey,
  type MaybeRefOrGetter,
  type ShallowRef,
} from 'vue';
import type { Unbind } from '../core/store.js';
import {
  connectionView,
  topicsView,
  topicView,
  type RealtimeConnection,
  type RealtimeContext,
  type RealtimeOptions,
  type RealtimeTopic,
  type View,
} from './shared.js';

export type { RealtimeConnection, RealtimeContext, RealtimeOptions, RealtimeTopic } from './shared.js';

/** The injection key of the realtime context (for `provide`/`inject` by hand). */
export const realtimeKey: InjectionKey<RealtimeContext> = Symbol('lydian-realtime');

/**
 * A plugin supplying the client to every component of the app. The application owns the client.
 * @param context - the client, and the scopes it was created with (optional: hooks then check theirs)
 * @example createApp(App).use(createRealtime({ client, scopes: ['ops.admin'] })).mount('#app');
 */
export function createRealtime(context: RealtimeContext): { install(app: App): void } {
  return { install: (app) => void app.provide(realtimeKey, context) };
}

/**
 * Supplies a client to the calling component's descendants (call in `setup`).
 * @example provideRealtime({ client });
 */
export function provideRealtime(context: RealtimeContext): void {
  provide(realtimeKey, context);
}

/**
 * The injected client and scopes (call in `setup`).
 * @throws without {@link createRealtime} or {@link provideRealtime} above
 * @example const { client } = useRealtimeClient();
 */
export function useRealtimeClient(): RealtimeContext {
  const ctx = inject(realtimeKey, null);
  if (!ctx) throw new Error('[lydian] no createRealtime()/provideRealtime()');
  return ctx;
}

/** Binds a view to a shallow ref for the current scope; a new `key` makes a new view. */
function useView<V>(key: () => string, make: () => View<V>): Readonly<ShallowRef<V>> {
  // On the server: the snapshot before any connection, and no subscription to leak.
  const ssr = inject(ssrContextKey, null);
  const ref = shallowRef() as ShallowRef<V>;
  let stop: Unbind | undefined;
  watch(
    key,
    () => {
      const view = make();
      stop?.();
      stop = ssr ? undefined : view.listen(() => (ref.value = view.get()));
      ref.value = ssr ? view.initial() : view.get();
    },
    { immediate: true },
  );
  onScopeDispose(() => stop?.(), true);
  return ref;
}

/**
 * One topic as a ref of `{ data, connected, error, stats, status }` (`error` is a string).
 * @param topic - a name, or a ref or getter of one: when it changes, the old topic is released
 * @example
 * const kpis = useRealtime<KPIData>('kpis.s2', { scopes: ['ops.admin'] });
 * // template: {{ kpis.data?.crash_free }} · {{ kpis.connected ? 'Live' : 'Offline' }}
 */
export function useRealtime<T = unknown>(
  topic: MaybeRefOrGetter<string>,
  options?: RealtimeOptions<T>,
): Readonly<ShallowRef<RealtimeTopic<T>>> {
  const ctx = useRealtimeClient();
  return useView(
    () => toValue(topic),
    () => topicView(ctx, toValue(topic), options),
  );
}

/**
 * Several topics as a ref of `{ [topic]: { data, connected, error, stats, status } }`.
 * @example const topics = useRealtimeMulti(['kpis.s2', 'liveops.events']); // topics.value['kpis.s2']?.data
 */
export function useRealtimeMulti<T = unknown>(
  topics: MaybeRefOrGetter<readonly string[]>,
  options?: RealtimeOptions<T>,
): Readonly<ShallowRef<Record<string, RealtimeTopic<T>>>> {
  const ctx = useRealtimeClient();
  return useView(
    () => toValue(topics).join('\n'),
    () => topicsView(ctx, toValue(topics), options),
  );
}

/**
 * The connection as a ref of `{ connected, state, transport, error, expiresAt, stats }` (`error` is a string).
 * @example const conn = useRealtimeConnection(); // {{ conn.stats.reconnectCount }}
 */
export function useRealtimeConnection(): Readonly<ShallowRef<RealtimeConnection>> {
  const { client } = useRealtimeClient();
  return useView(
    () => '',
    () => connectionView(client),
  );
}
