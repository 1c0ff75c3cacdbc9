/**
 * Type tests of the adapters: checked by `tsc -p tsconfig.json` (npm run typecheck), never executed. The seed's
 * own examples are checked as written in seed-examples.tsx.
 */
import { createElement } from 'react';
import type { Readable } from 'svelte/store';
import type { ShallowRef } from 'vue';
import * as react from '../../src/adapters/react.js';
import * as svelte from '../../src/adapters/svelte.js';
import * as vue from '../../src/adapters/vue.js';
import type { Client, ClientOptions, StandardSchemaV1, TopicStatus } from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T | undefined => undefined;

interface KPIData {
  crash_free: number;
}

export function reactTypes(client: Client, options: ClientOptions): void {
  const one = react.useRealtime<KPIData>('kpis.s2', { scopes: ['ops.admin'] });
  assertType<Equal<typeof one.data, KPIData | undefined>>();
  assertType<Equal<typeof one.error, string | null>>();
  assertType<Equal<typeof one.connected, boolean>>();
  assertType<Equal<typeof one.status, TopicStatus>>();
  assertType<Equal<typeof one.stats.messagesReceived, number>>();

  // Topic names inferred as literals: every entry is known to exist.
  const inferred = react.useRealtimeMulti(['kpis.s2', 'liveops.events']);
  assertType<
    Equal<typeof inferred, { 'kpis.s2': react.RealtimeTopic<unknown>; 'liveops.events': react.RealtimeTopic<unknown> }>
  >();
  // An explicit data type and both names.
  const typed = react.useRealtimeMulti<KPIData, 'kpis.s2'>(['kpis.s2']);
  assertType<Equal<(typeof typed)['kpis.s2']['data'], KPIData | undefined>>();
  // An explicit data type alone: a string-keyed map, so an entry may be missing.
  const loose = react.useRealtimeMulti<KPIData>(['kpis.s2']);
  assertType<Equal<typeof loose, { [topic: string]: react.RealtimeTopic<KPIData> }>>();
  // @ts-expect-error: the name is not in the list
  void react.useRealtimeMulti(['kpis.s2'])['liveops.events'];

  // A schema is checked against the data type given (not inferred: the fold decides what `data` is).
  const KPI = {} as StandardSchemaV1<unknown, KPIData>;
  const checked = react.useRealtime<KPIData>('kpis.s2', { schema: KPI });
  assertType<Equal<typeof checked.data, KPIData | undefined>>();
  assertType<Equal<typeof checked.stats.invalid, number>>();
  const list = react.useRealtime<KPIData[]>('kpis.s2', { schema: KPI, reduce: 'append' });
  assertType<Equal<typeof list.data, KPIData[] | undefined>>();
  // @ts-expect-error: the schema's output is not the data type given
  react.useRealtime<{ other: string }>('kpis.s2', { schema: KPI });

  const conn = react.useRealtimeConnection();
  assertType<Equal<typeof conn.stats.reconnectCount, number>>();
  assertType<Equal<typeof conn.error, string | null>>();

  createElement(react.RealtimeProvider, { client });
  createElement(react.RealtimeProvider, { client, scopes: ['ops.admin'] });
  createElement(react.RealtimeProvider, { options });
  // @ts-expect-error: a client or options is required
  createElement(react.RealtimeProvider, {});
  // @ts-expect-error: scopes are a list
  react.useRealtime('kpis.s2', { scopes: 'ops.admin' });
}

export function vueTypes(client: Client): void {
  vue.createRealtime({ client, scopes: ['ops.admin'] });
  const kpis = vue.useRealtime<KPIData>(() => 'kpis.s2');
  assertType<Equal<typeof kpis, Readonly<ShallowRef<vue.RealtimeTopic<KPIData>>>>>();
  assertType<Equal<typeof kpis.value.error, string | null>>();
  // @ts-expect-error: the ref is read-only
  kpis.value = kpis.value;
  const many = vue.useRealtimeMulti(['kpis.s2']);
  assertType<Equal<typeof many.value, Record<string, vue.RealtimeTopic<unknown>>>>();
  assertType<Equal<typeof vue.useRealtimeConnection, () => Readonly<ShallowRef<vue.RealtimeConnection>>>>();
}

export function svelteTypes(client: Client): void {
  const kpis = svelte.realtime<KPIData>('kpis.s2', {}, { client });
  assertType<Equal<typeof kpis, Readable<svelte.RealtimeTopic<KPIData>>>>();
  const conn = svelte.realtimeConnection({ client });
  conn.subscribe((c) => assertType<Equal<typeof c.stats.reconnectCount, number>>());
  // The core stores stay usable as Svelte stores too.
  const store: Readable<unknown> = client.topic('kpis.s2');
  void store;
}
