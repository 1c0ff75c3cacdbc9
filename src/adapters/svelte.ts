/**
 * `@lydian/realtime/svelte`: readable stores for Svelte 5 (and 4). The core stores already follow the store
 * contract (`$topic` works on `client.topic()`); these add the seed's per-topic shape
 * `{ data, connected, error, stats, status }`, the connection store, and the client through component context.
 * A store subscribes to its topic only while something (`$store`) reads it. Svelte is an optional peer.
 */
import { getContext, setContext } from 'svelte';
import type { Readable } from 'svelte/store';
import type { Client } from '../core/types.js';
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

const KEY = Symbol('lydian-realtime');

/**
 * Supplies the client to the calling component's descendants (call during component initialisation).
 * @param scopes - the scopes `client` was created with (optional: stores then check theirs against them)
 * @example setRealtimeClient(client, ['ops.admin']);
 */
export function setRealtimeClient(client: Client, scopes?: readonly string[]): void {
  setContext<RealtimeContext>(KEY, { client, scopes });
}

/**
 * The client and scopes from {@link setRealtimeClient} (call during component initialisation).
 * @throws when no ancestor set one
 */
export function getRealtimeClient(): RealtimeContext {
  const ctx = getContext<RealtimeContext | undefined>(KEY);
  if (!ctx) throw new Error('[lydian] no setRealtimeClient()');
  return ctx;
}

/** A readable over a view: subscribes on the first subscriber, and calls `run` only on real changes. */
function readable<V>(view: View<V>): Readable<V> {
  return {
    subscribe(run) {
      let last: V | undefined;
      const emit = (): void => {
        const value = view.get();
        if (value !== last) run((last = value));
      };
      const stop = view.listen(emit);
      emit();
      return stop;
    },
  };
}

/**
 * A readable of one topic: `$kpis.data`, `$kpis.connected`, `$kpis.error` (a string), `$kpis.stats`.
 * @param context - defaults to the component context; pass `{ client }` outside components
 * @example
 * const kpis = realtime<KPIData>('kpis.s2', { scopes: ['ops.admin'] });
 * // with a changing name (runes): const kpis = $derived(realtime(topic));
 */
export function realtime<T = unknown>(
  topic: string,
  options?: RealtimeOptions<T>,
  context: RealtimeContext = getRealtimeClient(),
): Readable<RealtimeTopic<T>> {
  return readable(topicView(context, topic, options));
}

/**
 * A readable of several topics: `$topics['kpis.s2']?.data`.
 * @param context - defaults to the component context; pass `{ client }` outside components
 */
export function realtimeMulti<T = unknown>(
  topics: readonly string[],
  options?: RealtimeOptions<T>,
  context: RealtimeContext = getRealtimeClient(),
): Readable<Record<string, RealtimeTopic<T>>> {
  return readable(topicsView(context, topics, options));
}

/**
 * A readable of the connection: `$conn.connected`, `$conn.stats.reconnectCount`, `$conn.error` (a string).
 * @param context - defaults to the component context; pass `{ client }` outside components
 */
export function realtimeConnection(context: RealtimeContext = getRealtimeClient()): Readable<RealtimeConnection> {
  return readable(connectionView(context.client));
}
