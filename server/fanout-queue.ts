/**
 * Fanout in slices, so one message to a crowd never holds the event loop for long (a `socket.write` costs ~5 µs
 * here: 10 000 recipients in one go would block heartbeats and handshakes for 50–100 ms). A topic with at most
 * `sliceSize` subscribers is delivered at once; a larger one is delivered `sliceSize` sends per turn of the event
 * loop. Messages of one topic stay in order: each waits behind the topic's earlier slices.
 */
import type { FanoutResult } from './engine.js';
import type { PreparedFrame } from './prepared-frame.js';
import type { Session } from './session.js';
import type { Topic } from './topic-registry.js';

/** What sending one frame to one session did. */
export const Sent = { written: 0, dropped: 1, skipped: 2 } as const;

/** A value of {@link Sent}. */
export type Sent = (typeof Sent)[keyof typeof Sent];

/** Sends one frame to one subscriber of a topic. */
export type SendTo = (session: Session, topic: Topic, frame: PreparedFrame) => Sent;

interface Delivery {
  frame: PreparedFrame;
  /** The subscribers when the message was published: a later subscriber gets it from history instead. */
  targets: Session[];
  next: number;
}

/** Delivers messages to topics' subscribers, in order, in slices. */
export class FanoutQueue {
  private readonly backlog = new Map<Topic, Delivery[]>();

  /**
   * @param sendTo sends one frame to one subscriber
   * @param onSlice called after each slice with its counts (for gateway totals)
   * @param sliceSize sends per turn of the event loop (default 2 500: about 20 ms at ~7 µs a write)
   * @param maxBacklog messages a topic may have waiting; beyond, the backlog is delivered at once (default 64)
   */
  constructor(
    private readonly sendTo: SendTo,
    private readonly onSlice: (result: FanoutResult) => void,
    readonly sliceSize = 2500,
    readonly maxBacklog = 64,
  ) {}

  /** Whether `topic` has messages still being delivered. */
  busy(topic: Topic): boolean {
    return this.backlog.has(topic);
  }

  /**
   * Delivers `frame` to `topic`'s subscribers: all at once when they are few and nothing waits, else in slices.
   * @returns the subscribers it goes to (`sent`) and the drops of what was delivered at once
   */
  deliver(topic: Topic, frame: PreparedFrame): FanoutResult {
    const queue = this.backlog.get(topic);
    if (!queue && topic.subscribers.size <= this.sliceSize) {
      const result = { sent: 0, dropped: 0 };
      for (const session of topic.subscribers) this.count(result, this.sendTo(session, topic, frame));
      this.onSlice(result);
      return result;
    }
    const delivery: Delivery = { frame, targets: [...topic.subscribers], next: 0 };
    if (queue) {
      queue.push(delivery);
      // Publishing outruns delivery: catch up at once rather than let the backlog grow without bound. The
      // loop blocks meanwhile, and the per-connection limits decide what each subscriber can still take.
      if (queue.length > this.maxBacklog) while (this.backlog.has(topic)) this.slice(topic, false);
      return { sent: delivery.targets.length, dropped: 0 };
    }
    this.backlog.set(topic, [delivery]);
    const first = this.slice(topic);
    return { sent: delivery.targets.length, dropped: first.dropped };
  }

  private slice(topic: Topic, schedule = true): FanoutResult {
    const result = { sent: 0, dropped: 0 };
    const queue = this.backlog.get(topic);
    if (!queue) return result; // caught up meanwhile
    let budget = this.sliceSize;
    while (budget > 0 && queue.length > 0) {
      const delivery = queue[0] as Delivery;
      while (budget > 0 && delivery.next < delivery.targets.length) {
        const session = delivery.targets[delivery.next++] as Session;
        budget -= 1;
        // Gone or unsubscribed since the message was published: nothing more for it.
        if (session.topics.has(topic)) this.count(result, this.sendTo(session, topic, delivery.frame));
      }
      if (delivery.next === delivery.targets.length) queue.shift();
    }
    this.onSlice(result);
    if (queue.length === 0) this.backlog.delete(topic);
    else if (schedule) setImmediate(() => this.slice(topic));
    return result;
  }

  private count(result: FanoutResult, sent: Sent): void {
    if (sent === Sent.skipped) return;
    result.sent += 1;
    if (sent === Sent.dropped) result.dropped += 1;
  }
}
