/**
 * Type tests: checked by `tsc -p tsconfig.json` (npm run typecheck), never executed.
 */
import {
  createClient,
  type Client,
  type ConnectionState,
  type StandardSchemaV1,
  type TopicState,
  type TopicStore,
} from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T | undefined => undefined;

interface KPIData {
  crash_free: number;
}
interface LiveEvent {
  id: string;
}

/** A schema as zod, valibot and arktype declare theirs: input and output types, and `validate`. */
declare function schemaOf<I, O>(): StandardSchemaV1<I, O>;

export function typeTests(client: Client): void {
  const kpis = client.topic<KPIData>('kpis.s2');
  assertType<Equal<typeof kpis, TopicStore<KPIData>>>();
  assertType<Equal<ReturnType<typeof kpis.get>['data'], KPIData | undefined>>();

  const events = client.topic<LiveEvent>('liveops.events', { reduce: 'append', limit: 50 });
  assertType<Equal<typeof events, TopicStore<LiveEvent[]>>>();

  const economy = client.topic<{ gold: number; gems: number }>('economy.patch', { reduce: 'merge' });
  assertType<Equal<ReturnType<typeof economy.get>['data'], { gold: number; gems: number } | undefined>>();

  const count = client.topic<number, LiveEvent>('liveops.events', { reduce: (n = 0, e) => n + e.id.length });
  assertType<Equal<typeof count, TopicStore<number>>>();

  // @ts-expect-error: a reducer's message type is checked
  client.topic<number, LiveEvent>('liveops.events', { reduce: (n = 0, e: number) => n + e });
  // @ts-expect-error: unknown reduce mode
  client.topic('kpis.s2', { reduce: 'sum' });

  // A schema types the data by its output (its input may differ: a transform), whatever the fold.
  const KPI = schemaOf<{ crash_free: string }, KPIData>();
  const checked = client.topic('kpis.s2', { schema: KPI });
  assertType<Equal<typeof checked, TopicStore<KPIData>>>();
  const checkedEvents = client.topic('liveops.events', { schema: schemaOf<unknown, LiveEvent>(), reduce: 'append' });
  assertType<Equal<typeof checkedEvents, TopicStore<LiveEvent[]>>>();
  const patched = client.topic('economy.patch', { schema: schemaOf<unknown, { gold?: number }>(), reduce: 'merge' });
  assertType<Equal<typeof patched, TopicStore<{ gold?: number }>>>();
  const lengths = client.topic('liveops.events', {
    schema: schemaOf<unknown, LiveEvent>(),
    reduce: (n: number | undefined, e) => (n ?? 0) + e.id.length,
  });
  assertType<Equal<typeof lengths, TopicStore<number>>>();
  lengths.subscribe((s) => assertType<Equal<typeof s.stats.invalid, number>>());
  // @ts-expect-error: an explicit type must be the schema's output
  client.topic<LiveEvent>('kpis.s2', { schema: KPI });
  // @ts-expect-error: a schema is a Standard Schema
  client.topic('kpis.s2', { schema: (v: unknown) => v });

  client.status.subscribe((s) => assertType<Equal<typeof s, ConnectionState>>());
  client.status.subscribe((s) => assertType<Equal<typeof s.stats.latencyMs, number | null>>());
  client.status.subscribe((s) => assertType<Equal<typeof s.expiresAt, number | null>>());
  client.on('error', (e) => assertType<Equal<typeof e.source, 'close' | 'ticket' | 'transport' | 'refresh'>>());
  kpis.subscribe((s) => assertType<Equal<typeof s, TopicState<KPIData>>>());
  client.on('gap', (g) => assertType<Equal<typeof g.seq, number>>());
  // @ts-expect-error: unknown event
  client.on('nope', () => {});

  // Svelte's store contract: subscribe returns an unbind, methods work detached.
  const { subscribe } = kpis;
  const unbind: () => void = subscribe(() => {});
  unbind();

  // @ts-expect-error: auth or secret is required by the runtime; url by the type
  createClient({ auth: '/rt/ticket' });
}
