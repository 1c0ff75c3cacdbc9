/**
 * One topic of the nearest client, subscribed while the host is connected.
 */
import type { Unbind } from '../core/store.js';
import type { Client, TopicOptions, TopicState, TopicStore } from '../core/types.js';
import type { ControllerHost } from './client-consumer.js';
import { StoreController } from './store-controller.js';

/** What a topic element shows. */
export const TopicView = {
  /** No data yet: no client, or subscribing. */
  Loading: 'loading',
  /** Subscribed, and no message has arrived yet. */
  Empty: 'empty',
  /** Subscribed, with data. */
  Live: 'live',
  /** Data from before the connection dropped (or the client stopped). */
  Stale: 'stale',
  /** The gateway refused the subscription (`forbidden`, `unknown_topic`…), or the name is invalid. */
  Error: 'error',
} as const;
/** One of {@link TopicView}. */
export type TopicView = (typeof TopicView)[keyof typeof TopicView];

/** Options of a {@link TopicController}. */
export interface TopicControllerOptions<T> {
  /** The topic name, read before every update (a change resubscribes). */
  topic: () => string | null | undefined;
  /**
   * How the client folds messages (default `latest`). The client keeps one store per topic, and the first
   * caller decides its fold: two elements on one topic should agree.
   */
  reduce?: TopicOptions<T, unknown>['reduce'];
  /** For `append`: messages kept, read when the store is created (default 100). */
  limit?: () => number | undefined;
  /**
   * Called with the state when a new message arrived (`seq` moved forward, and the topic's schema did not refuse
   * it), and for the first data seen.
   */
  onMessage?: (state: TopicState<T>) => void;
}

/**
 * Holds the state of one topic of the nearest client.
 * @example
 * class KpiTile extends LitElement {
 *   private readonly kpis = new TopicController<KPIData>(this, { topic: () => 'kpis.s2' });
 *   render() { return html`${this.kpis.data?.crash_free ?? '…'}`; }
 * }
 */
export class TopicController<T = unknown> extends StoreController {
  /** The topic store's value (`undefined` until subscribed). */
  state: TopicState<T> | undefined;
  private invalid = false;

  constructor(
    host: ControllerHost,
    private readonly options: TopicControllerOptions<T>,
  ) {
    super(host);
  }

  /** The folded data. */
  get data(): T | undefined {
    return this.state?.data;
  }

  /** The refusal code (`forbidden`, `unknown_topic`, `bad_request`, or `invalid_topic` for a bad name). */
  get error(): string | undefined {
    return this.invalid ? 'invalid_topic' : this.state?.error?.code;
  }

  /** What to show. */
  get view(): TopicView {
    const s = this.state;
    const live = s?.status === 'live';
    return this.error ? 'error' : s?.data === undefined ? (live ? 'empty' : 'loading') : live ? 'live' : 'stale';
  }

  protected override key(): unknown {
    return this.options.topic();
  }

  protected open(client: Client | undefined): Unbind | undefined {
    const { topic, reduce = 'latest', limit, onMessage } = this.options;
    const name = topic();
    this.state = undefined;
    this.invalid = false;
    if (!client || !name) return undefined;
    let store: TopicStore<T>;
    try {
      store = (client.topic as (n: string, o: TopicOptions<T, unknown>) => TopicStore<T>)(name, {
        reduce,
        limit: limit?.(),
      });
    } catch {
      this.invalid = true;
      return undefined;
    }
    return store.subscribe((state) => {
      const was = this.state;
      this.state = state;
      this.host.requestUpdate();
      // The first data seen, then every `seq` that moves forward (a `reset` moves it back to 0: no message),
      // unless the schema refused that message (its `seq` counts, its data does not).
      if (state.data !== undefined && (!was || (state.seq > was.seq && state.stats.invalid === was.stats.invalid)))
        onMessage?.(state);
    });
  }
}
