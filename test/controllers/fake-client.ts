/**
 * A client double for element and controller tests: plain `atom`s the test drives by hand, with the real
 * client's store contract (one store per topic, the first `reduce` decides, active while listened to).
 */
import { atom, type WritableStore } from '../../src/core/store.js';
import type { Client, ConnectionState, TopicOptions, TopicState } from '../../src/core/types.js';
import { isTopicName } from '../../src/protocol/names.js';

/** A fake topic: its store, how it folds, and whether anyone listens. */
export interface FakeTopic {
  store: WritableStore<TopicState<unknown>>;
  options: TopicOptions<unknown, unknown>;
  /** Listeners right now. */
  listeners: number;
}

/** The client double and its controls. */
export interface FakeClient extends Client {
  readonly connection: WritableStore<ConnectionState>;
  readonly topics: Map<string, FakeTopic>;
  readonly calls: { connect: number; disconnect: number };
  /** Patches the connection state (`stats` merges). */
  setStatus(patch: Partial<Omit<ConnectionState, 'stats'>>, stats?: Partial<ConnectionState['stats']>): void;
  /** Publishes a message the way the real client folds it: live, `seq` + 1. */
  publish(topic: string, data: unknown): void;
  /** Patches a topic's state. */
  setTopic(topic: string, patch: Partial<TopicState<unknown>>): void;
}

const idleTopic = (): TopicState<unknown> => ({
  data: undefined,
  status: 'idle',
  error: null,
  seq: 0,
  epoch: undefined,
  stats: { messagesReceived: 0, lastMessageAt: null, gaps: 0, resets: 0, invalid: 0 },
});

/**
 * Creates a client double, `open` by default.
 * @example const client = fakeClient(); client.publish('kpis.s2', { crash_free: 99.2 });
 */
export function fakeClient(state: Partial<ConnectionState> = {}): FakeClient {
  const connection = atom<ConnectionState>({
    connected: true,
    state: 'open',
    transport: 'websocket',
    error: null,
    expiresAt: null,
    shared: null,
    stats: { messagesReceived: 0, reconnectCount: 0, latencyMs: null },
    ...state,
  });
  const topics = new Map<string, FakeTopic>();
  const calls = { connect: 0, disconnect: 0 };

  const entry = (name: string, options: TopicOptions<unknown, unknown> = {}): FakeTopic => {
    let t = topics.get(name);
    if (!t) {
      if (!isTopicName(name)) throw new TypeError(`invalid topic name: ${name}`);
      const store = atom<TopicState<unknown>>(
        idleTopic(),
        () => {
          t!.listeners++;
          store.set({ ...store.get(), status: 'subscribing' });
        },
        () => {
          t!.listeners--;
        },
      );
      topics.set(name, (t = { store, options, listeners: 0 }));
    }
    return t;
  };
  const setTopic = (name: string, patch: Partial<TopicState<unknown>>): void => {
    const { store } = entry(name);
    store.set({ ...store.get(), ...patch });
  };

  return {
    connection,
    topics,
    calls,
    status: { get: connection.get, subscribe: connection.subscribe, listen: connection.listen },
    topic: ((name: string, options?: TopicOptions<unknown, unknown>) => {
      const { store } = entry(name, options);
      return { get: store.get, subscribe: store.subscribe, listen: store.listen };
    }) as Client['topic'],
    on: () => () => {},
    connect: () => void calls.connect++,
    disconnect: () => void calls.disconnect++,
    setStatus(patch, stats) {
      const prev = connection.get();
      connection.set({ ...prev, ...patch, stats: { ...prev.stats, ...stats } });
    },
    publish(name, data) {
      const { store, options } = entry(name);
      const s = store.get();
      const limit = options.limit ?? 100;
      const folded =
        options.reduce === 'append' ? [...((s.data as unknown[] | undefined) ?? []), data].slice(-limit) : data;
      store.set({ ...s, data: folded, status: 'live', seq: s.seq + 1 });
    },
    setTopic,
  };
}
