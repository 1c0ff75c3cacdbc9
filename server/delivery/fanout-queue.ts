/**
 * Fanout on a time budget, so messages to crowds never hold the event loop for long: a few messages to thousands of
 * subscribers each, published in one turn, would otherwise keep heartbeats and handshakes waiting behind their writes
 * (costs measured in BENCHMARKS.md). Sends go out at once while the turn's budget lasts; the rest waits for the next
 * turn, which spends a budget of its own, oldest message first. Every `chunk` sends the corked writes are flushed and
 * the clock is read, so the budget counts the system calls, and subscribers start receiving before the fanout ends.
 * Messages of one topic stay in order: each waits behind the topic's earlier messages.
 */
import type { FanoutResult } from '../engines/engine.js';
import type { PreparedFrame } from './prepared-frame.js';
import type { Session } from './session.js';
import type { Topic } from './topic.js';

/** What sending one frame to one session did. */
export const Sent = { written: 0, dropped: 1, skipped: 2 } as const;

/** A value of {@link Sent}. */
export type Sent = (typeof Sent)[keyof typeof Sent];

/** Sends one frame to one subscriber of a topic. */
export type SendTo = (session: Session, topic: Topic<Session>, frame: PreparedFrame) => Sent;

/** Tuning of a {@link FanoutQueue}. */
export interface FanoutOptions {
  /**
   * Milliseconds per turn of the event loop spent on fanout sends before the rest waits for the next turn
   * (default 5: the turn also runs the chunk that overruns it, the writes flushed when it ends and its other work,
   * so a smaller budget keeps the event loop's delay lower for the same delivery latency, see BENCHMARKS.md; a
   * catch-up past `maxBacklog` may take longer).
   */
  budgetMs?: number;
  /** Sends between two looks at the clock, each look after a flush of the corked writes (default 128, about a millisecond of sends). */
  chunk?: number;
  /**
   * Messages a topic may have waiting; beyond, the oldest waiting are delivered at once until it is back within
   * the bound (default 64).
   */
  maxBacklog?: number;
}

/** What a {@link FanoutQueue} works with besides its options. */
export interface FanoutHooks {
  /** Sends one frame to one subscriber. */
  sendTo: SendTo;
  /** Counts what was delivered (gateway totals), after each run of sends. */
  onSent: (result: FanoutResult) => void;
  /**
   * `count` more subscribers of `topic` were handed `frame` (written or queued) since the last call for it: told
   * once per frame per run of sends, so the delivery latency is measured per subscriber at the cost of one clock
   * read per run.
   */
  onHanded?: (topic: Topic<Session>, frame: PreparedFrame, count: number) => void;
  /** `frame`'s fanout on this gateway is complete, in this turn or a later one: `result` is final. */
  onDelivered?: (topic: Topic<Session>, frame: PreparedFrame, result: FanoutResult) => void;
  /** Writes what the sends have corked (default: nothing to write). */
  flush?: () => void;
  /** The clock the budget is read on, in milliseconds (default `performance.now`). */
  now?: () => number;
}

/**
 * Messages one delivery may gather: enough to write a subscriber several at once under load, few enough that the
 * catch-up past `maxBacklog`, which finishes a delivery at a time, stays short (a delivery costs one write per
 * subscriber, however many messages it gathers; see BENCHMARKS.md).
 */
const GATHER_LIMIT = 16;

/** One message's fanout on this gateway, as {@link FanoutQueue.deliver} returns it. */
interface Counts {
  /** Starts with every subscriber it goes to; one that left before its turn came is taken off. */
  sent: number;
  dropped: number;
  /** Subscribers still to be visited. */
  pending: number;
}

/** One message's fanout, counted as it goes: its {@link Counts} stay up to date while it spills into later turns. */
class Tally {
  readonly counts: Counts;
  /** Handed the frame since the last {@link FanoutHooks.onHanded}. */
  unreported = 0;

  constructor(
    readonly frame: PreparedFrame,
    subscribers: number,
  ) {
    this.counts = { sent: subscribers, dropped: 0, pending: subscribers };
  }
}

/** Messages of one topic on their way to the same subscribers. */
interface Delivery {
  topic: Topic<Session>;
  /** In publishing order. A message joins the last delivery of its topic while nobody has got that one yet. */
  frames: PreparedFrame[];
  /** Each frame's tally, in the same order. */
  tallies: Tally[];
  /** Who is still to get them: the subscribers when they were published (later ones resume from history). */
  targets: Session[];
  /** The topic's {@link Topic.version} the targets were copied at; −1 when they are only the rest of a list. */
  version: number;
  next: number;
}

/** A topic's messages waiting. */
interface Backlog {
  messages: number;
  last: Delivery;
}

/** Delivers messages to topics' subscribers, in order per topic, within a time budget per turn. */
export class FanoutQueue {
  readonly budgetMs: number;
  readonly chunk: number;
  readonly maxBacklog: number;
  private readonly sendTo: SendTo;
  private readonly onSent: (result: FanoutResult) => void;
  private readonly onHanded: NonNullable<FanoutHooks['onHanded']>;
  private readonly onDelivered: NonNullable<FanoutHooks['onDelivered']>;
  private readonly flush: () => void;
  private readonly now: () => number;
  /** Deliveries waiting, oldest first, whatever their topic. */
  private readonly waiting: Delivery[] = [];
  private readonly backlogs = new Map<Topic<Session>, Backlog>();
  /** When this turn's first send went out (read while `nextTurn` is set). */
  private turnStart = 0;
  private spent = false;
  private sinceLook = 0;
  /** Ends this turn: set exactly while a turn is open. */
  private nextTurn: NodeJS.Immediate | undefined;

  constructor(hooks: FanoutHooks, options: FanoutOptions = {}) {
    this.sendTo = hooks.sendTo;
    this.onSent = hooks.onSent;
    this.onHanded = hooks.onHanded ?? (() => {});
    this.onDelivered = hooks.onDelivered ?? (() => {});
    this.flush = hooks.flush ?? (() => {});
    this.now = hooks.now ?? (() => performance.now());
    this.budgetMs = checked('budgetMs', options.budgetMs ?? 5, 0);
    this.chunk = checked('chunk', options.chunk ?? 128, 1);
    this.maxBacklog = checked('maxBacklog', options.maxBacklog ?? 64, 1);
  }

  /** Whether `topic` has messages still being delivered. */
  busy(topic: Topic<Session>): boolean {
    return this.backlogs.has(topic);
  }

  /**
   * Delivers `frame` to `topic`'s subscribers: at once while the turn's budget lasts and the topic has nothing
   * waiting, the rest in later turns.
   * @returns the subscribers it goes to (`sent`) and the drops it caused: a live count while `pending` subscribers
   *   wait for a later turn, final when `pending` is 0 (and {@link FanoutHooks.onDelivered} is told)
   */
  deliver(topic: Topic<Session>, frame: PreparedFrame): FanoutResult {
    const tally = new Tally(frame, topic.subscribers.size);
    const backlog = this.backlogs.get(topic);
    if (backlog) {
      const { last } = backlog;
      // Under load the messages of a topic gather here, and a subscriber gets them in one write.
      if (last.next === 0 && last.version === topic.version && last.frames.length < GATHER_LIMIT) {
        last.frames.push(frame);
        last.tallies.push(tally);
        backlog.messages += 1;
      } else this.enqueue(topic, [frame], [tally], [...topic.subscribers], topic.version);
      // Publishing outruns delivery: catch up at once, oldest delivery first (each of at most GATHER_LIMIT
      // messages), until the topic is back within its bound, rather than let the backlog grow. The loop blocks
      // meanwhile, and the per-connection limits decide what each subscriber can still take.
      if (backlog.messages > this.maxBacklog) this.send(() => backlog.messages <= this.maxBacklog);
      return tally.counts;
    }
    this.beginTurn();
    if (this.spent) {
      // Nothing goes at once this turn: waiting with all its subscribers, the next message may join it.
      this.enqueue(topic, [frame], [tally], [...topic.subscribers], topic.version);
      return tally.counts;
    }
    const result = { sent: 0, dropped: 0 };
    const subscribers = topic.subscribers.values();
    for (let step = subscribers.next(); !step.done; step = subscribers.next()) {
      if (this.spent) {
        // Only now, and only for those still to come, is the subscriber list copied.
        this.enqueue(topic, [frame], [tally], [step.value, ...subscribers], -1);
        break;
      }
      const sent = this.sendTo(step.value, topic, frame);
      this.count(result, sent);
      this.tally(tally, sent);
      this.afterSends(1);
    }
    this.onSent(result);
    this.report(topic, tally);
    return tally.counts;
  }

  private enqueue(
    topic: Topic<Session>,
    frames: PreparedFrame[],
    tallies: Tally[],
    targets: Session[],
    version: number,
  ): void {
    const delivery: Delivery = { topic, frames, tallies, targets, version, next: 0 };
    this.waiting.push(delivery);
    const backlog = this.backlogs.get(topic);
    if (backlog) {
      backlog.messages += frames.length;
      backlog.last = delivery;
    } else this.backlogs.set(topic, { messages: frames.length, last: delivery });
    this.beginTurn(); // a turn is due, to carry on with it
  }

  /** Starts the budget of this turn at its first send, and makes sure a next turn comes to end it. */
  private beginTurn(): void {
    if (this.nextTurn) return;
    this.turnStart = this.now();
    this.spent = false;
    this.sinceLook = 0;
    this.nextTurn = setImmediate(this.onNextTurn);
  }

  private readonly onNextTurn = (): void => {
    this.nextTurn = undefined;
    if (this.waiting.length === 0) return;
    this.beginTurn();
    this.send(() => this.spent);
  };

  /** Sends what is waiting, oldest first, until `enough` (read before each subscriber). */
  private send(enough: () => boolean): void {
    const result = { sent: 0, dropped: 0 };
    while (this.waiting.length > 0 && !enough()) {
      const delivery = this.waiting[0] as Delivery;
      const { topic, frames, tallies, targets } = delivery;
      while (delivery.next < targets.length && !enough()) {
        const session = targets[delivery.next++] as Session;
        if (!session.topics.has(topic)) {
          // Gone or unsubscribed since the messages were published: nothing more for it.
          for (const tally of tallies) this.tally(tally, Sent.skipped);
          continue;
        }
        for (let i = 0; i < frames.length; i++) {
          const sent = this.sendTo(session, topic, frames[i] as PreparedFrame);
          this.count(result, sent);
          this.tally(tallies[i] as Tally, sent);
        }
        this.afterSends(frames.length);
      }
      for (const tally of tallies) this.report(topic, tally);
      if (delivery.next < targets.length) break;
      this.waiting.shift();
      const backlog = this.backlogs.get(topic) as Backlog;
      backlog.messages -= frames.length;
      if (backlog.last === delivery) this.backlogs.delete(topic);
    }
    this.onSent(result);
  }

  /** Every `chunk` sends: write them, then see whether the turn's budget is spent. */
  private afterSends(sends: number): void {
    this.sinceLook += sends;
    if (this.sinceLook < this.chunk) return;
    this.sinceLook = 0;
    this.flush();
    if (this.now() - this.turnStart >= this.budgetMs) this.spent = true;
  }

  private count(result: FanoutResult, sent: Sent): void {
    if (sent === Sent.skipped) return;
    result.sent += 1;
    if (sent === Sent.dropped) result.dropped += 1;
  }

  private tally(tally: Tally, sent: Sent): void {
    const { counts } = tally;
    counts.pending -= 1;
    if (sent === Sent.skipped) counts.sent -= 1;
    else {
      tally.unreported += 1;
      if (sent === Sent.dropped) counts.dropped += 1;
    }
  }

  /** Tells who was handed `tally`'s frame since last time, and when its fanout is complete, that it is. */
  private report(topic: Topic<Session>, tally: Tally): void {
    if (tally.unreported > 0) {
      this.onHanded(topic, tally.frame, tally.unreported);
      tally.unreported = 0;
    }
    if (tally.counts.pending === 0) this.onDelivered(topic, tally.frame, tally.counts);
  }

  /**
   * Drops `topic`'s messages still waiting (its order was reset: subscribers learn of the loss by `reset`, and
   * none may get an older message after it). Their fanouts end with what was sent.
   */
  discard(topic: Topic<Session>): void {
    if (!this.backlogs.delete(topic)) return;
    const kept: Delivery[] = [];
    for (const delivery of this.waiting) {
      if (delivery.topic !== topic) kept.push(delivery);
      else for (const tally of delivery.tallies) this.end(topic, tally);
    }
    this.waiting.splice(0, this.waiting.length, ...kept);
  }

  /** Drops what is waiting and the next turn (the gateway is closing: its connections are going). */
  dispose(): void {
    if (this.nextTurn) clearImmediate(this.nextTurn);
    this.nextTurn = undefined;
    for (const delivery of this.waiting) for (const tally of delivery.tallies) this.end(delivery.topic, tally);
    this.waiting.length = 0;
    this.backlogs.clear();
  }

  /** Ends a fanout cut short: the subscribers not visited are not counted as sent. */
  private end(topic: Topic<Session>, tally: Tally): void {
    const { counts } = tally;
    if (counts.pending === 0) return; // already told, e.g. the rest of a delivery broken off at a budget
    counts.sent -= counts.pending;
    counts.pending = 0;
    this.report(topic, tally);
  }
}

/** An option's value, when it is a finite number ≥ `min`. */
function checked(name: keyof FanoutOptions, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) throw new TypeError(`fanout.${name} must be a finite number ≥ ${min}`);
  return value;
}
