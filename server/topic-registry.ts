/**
 * The topics a gateway serves and the scopes each requires. A `Map`, so a topic named `__proto__` or
 * `constructor` is simply unknown.
 */
import { isScopeName, isTopicName } from '../src/protocol/index.js';
import type { Session } from './session.js';
import { TopicHistory } from './topic-history.js';

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

/** A registered topic: its rules, history and current subscribers. */
export class Topic {
  readonly history: TopicHistory;
  private readonly members = new Set<Session>();
  private changes = 0;

  constructor(
    readonly name: string,
    public scopes: readonly string[],
    historySize: number,
  ) {
    this.history = new TopicHistory(historySize);
  }

  /** The sessions subscribed here. */
  get subscribers(): ReadonlySet<Session> {
    return this.members;
  }

  /** Counts the comings and goings of subscribers: a copy of the list taken at one version is current while it lasts. */
  get version(): number {
    return this.changes;
  }

  /** Adds a subscriber (no change if it is one already). */
  addSubscriber(session: Session): void {
    if (this.members.has(session)) return;
    this.members.add(session);
    this.changes += 1;
  }

  /** Removes a subscriber (no change if it is none). */
  removeSubscriber(session: Session): void {
    if (this.members.delete(session)) this.changes += 1;
  }
}

/** Topics by name. */
export class TopicRegistry {
  private readonly topics = new Map<string, Topic>();

  /** @param historySize messages kept per topic for resume (default 100) */
  constructor(readonly historySize = 100) {}

  /**
   * Registers a topic, or updates the scopes of a registered one (its history and subscribers stay).
   * @throws TypeError for a malformed topic or scope name, or a reserved name (`total`, `gateways`, `__proto__`)
   */
  register(name: string, spec: TopicSpec): Topic {
    if (!isTopicName(name) || RESERVED.has(name)) throw new TypeError(`registerTopic: invalid topic name ${JSON.stringify(name)}`);
    if (!spec.scopes.every(isScopeName)) throw new TypeError(`registerTopic: invalid scope for ${name}`);
    const scopes = Object.freeze([...spec.scopes]);
    const existing = this.topics.get(name);
    if (existing) {
      existing.scopes = scopes;
      return existing;
    }
    const topic = new Topic(name, scopes, this.historySize);
    this.topics.set(name, topic);
    return topic;
  }

  /** The topic named `name`, if registered. */
  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  /** Every registered topic. */
  all(): IterableIterator<Topic> {
    return this.topics.values();
  }
}
