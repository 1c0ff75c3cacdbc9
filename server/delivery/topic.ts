/**
 * One topic: its name, the scopes it requires, its history and its subscribers. It knows subscribers only
 * through {@link Subscriber}, so sessions can hold topics without topics depending on sessions.
 */
import { Admission } from '../contracts/admission.js';
import { TopicHistory } from './topic-history.js';

/** What delivery relies on in a topic's subscriber (a session, in the gateway). */
export interface Subscriber {
  /** The topics it is subscribed to: a delivery skips a subscriber that has left the topic since it was queued. */
  readonly topics: ReadonlySet<Topic>;
  /** Ends its connection, e.g. with 1012 `resync` when the topic's order was lost. */
  close(code: number, reason: string): void;
}

/**
 * A registered topic: its rules, history and current subscribers.
 * @typeParam S the subscribers' type (the gateway's `Session`)
 */
export class Topic<S extends Subscriber = Subscriber> {
  readonly history: TopicHistory;
  private readonly members = new Set<S>();
  private changes = 0;

  constructor(
    readonly name: string,
    public scopes: readonly string[],
    historySize: number,
    /** v1.3: its payload contract and PII policy, checked at every entry point (default: none, PII `warn`). */
    public admission: Admission = new Admission(name, {}),
  ) {
    this.history = new TopicHistory(historySize);
  }

  /** The subscribers, in the order they subscribed. */
  get subscribers(): ReadonlySet<S> {
    return this.members;
  }

  /** Counts the comings and goings of subscribers: a copy of the list taken at one version is current while it lasts. */
  get version(): number {
    return this.changes;
  }

  /** Adds a subscriber (no change if it is one already). */
  addSubscriber(subscriber: S): void {
    if (this.members.has(subscriber)) return;
    this.members.add(subscriber);
    this.changes += 1;
  }

  /** Removes a subscriber (no change if it is none). */
  removeSubscriber(subscriber: S): void {
    if (this.members.delete(subscriber)) this.changes += 1;
  }
}
