/**
 * The topics a gateway serves and the scopes each requires. A `Map`, so a topic named `__proto__` or
 * `constructor` is simply unknown.
 */
import { isScopeName, isTopicName } from '../../src/protocol/index.js';
import { Topic, type Subscriber } from './topic.js';

/** How a topic is registered. */
export interface TopicSpec {
  /** Scopes a connection must hold, all of them, to subscribe (empty: any authenticated connection). */
  scopes: readonly string[];
}

/** The seed's topics and the scopes they require. */
export const SEED_TOPICS: Readonly<Record<string, TopicSpec>> = {
  'kpis.s2': { scopes: ['ops.admin'] },
  'liveops.events': { scopes: ['liveops.admin'] },
  'economy.patch': { scopes: ['economy.admin'] },
  'ab.status': { scopes: ['liveops.admin'] },
};

/**
 * `/rt/stats` reports `total` (and cluster-wide `gateways`) beside the topic counts, and a `__proto__` key
 * cannot be set on a plain object: no topic may take these names.
 */
const RESERVED = new Set(['total', 'gateways', '__proto__']);

/**
 * Topics by name.
 * @typeParam S the subscribers' type (the gateway's `Session`)
 */
export class TopicRegistry<S extends Subscriber = Subscriber> {
  private readonly topics = new Map<string, Topic<S>>();

  /** @param historySize messages kept per topic for resume (default 100) */
  constructor(readonly historySize = 100) {}

  /**
   * Registers a topic, or updates the scopes of a registered one (its history and subscribers stay).
   * @throws TypeError for a malformed topic or scope name, or a reserved name (`total`, `gateways`, `__proto__`)
   */
  register(name: string, spec: TopicSpec): Topic<S> {
    if (!isTopicName(name) || RESERVED.has(name))
      throw new TypeError(`registerTopic: invalid topic name ${JSON.stringify(name)}`);
    if (!spec.scopes.every(isScopeName)) throw new TypeError(`registerTopic: invalid scope for ${name}`);
    const scopes = Object.freeze([...spec.scopes]);
    const existing = this.topics.get(name);
    if (existing) {
      existing.scopes = scopes;
      return existing;
    }
    const topic = new Topic<S>(name, scopes, this.historySize);
    this.topics.set(name, topic);
    return topic;
  }

  /** The topic named `name`, if registered. */
  get(name: string): Topic<S> | undefined {
    return this.topics.get(name);
  }

  /** Every registered topic. */
  all(): IterableIterator<Topic<S>> {
    return this.topics.values();
  }
}
