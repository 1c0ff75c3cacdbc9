/**
 * Sessions, subscriptions and fanout: the part of the gateway that does not care about transports.
 */
import { EventEmitter } from 'node:events';
import { SubError, type SubFrame } from '../src/protocol/index.js';
import { rbacHas } from './auth.js';
import type { Logger } from './log.js';
import { Outcome } from './outbound-queue.js';
import { PreparedFrame } from './prepared-frame.js';
import type { Session } from './session.js';
import type { TopicRegistry, TopicSpec } from './topic-registry.js';

/** What one fanout did: connections written or queued to, and frames dropped to make room. */
export interface FanoutResult {
  sent: number;
  dropped: number;
}

/** `/rt/stats`, the seed's shape: `total` connections and subscribers per topic. */
export type Stats = { total: number } & Record<string, number>;

/** Gateway-wide counters for `/health`. */
export interface Counters {
  connections: { websocket: number; sse: number };
  messagesSent: number;
  messagesDropped: number;
}

/** Events of a {@link Hub}: a session joined or left (for metrics, audit logs and tests). */
export interface HubEvents {
  connect: [session: Session];
  disconnect: [session: Session];
}

/** Routes messages from publishers to subscribed sessions. */
export class Hub extends EventEmitter<HubEvents> {
  /** Every open session. */
  readonly sessions = new Set<Session>();
  private sent = 0;
  private dropped = 0;

  constructor(
    readonly registry: TopicRegistry,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  /** Registers a topic (see {@link TopicRegistry.register}). */
  registerTopic(name: string, spec: TopicSpec): void {
    this.registry.register(name, spec);
  }

  /** Adds an authenticated session. */
  add(session: Session): void {
    this.sessions.add(session);
    this.emit('connect', session);
  }

  /** Removes a session and all its subscriptions. */
  remove(session: Session): void {
    if (!this.sessions.delete(session)) return;
    for (const topic of session.topics) topic.subscribers.delete(session);
    session.topics.clear();
    session.dispose();
    this.emit('disconnect', session);
  }

  /**
   * Subscribes a session: RBAC, then `sub.ok`, then the replay PROTOCOL.md §4 prescribes, all before any later
   * live message of the topic can reach it.
   */
  subscribe(session: Session, sub: SubFrame): void {
    const topic = this.registry.get(sub.topic);
    if (!topic) return session.sendFrame({ type: 'sub.err', topic: sub.topic, code: SubError.unknownTopic });
    if (!rbacHas(session.scopes, topic.scopes)) {
      this.logger.info(session.transport === 'sse' ? 'SSE' : 'WS', 'Subscribe refused:', { id: session.id, topic: topic.name });
      return session.sendFrame({ type: 'sub.err', topic: topic.name, code: SubError.forbidden });
    }
    topic.subscribers.add(session);
    session.topics.add(topic);
    const { history } = topic;
    session.sendFrame({ type: 'sub.ok', topic: topic.name, seq: history.seq, epoch: history.epoch });
    const plan = history.resume(sub.since, sub.epoch);
    if (plan.reset) session.sendFrame({ type: 'reset', topic: topic.name, epoch: history.epoch });
    for (const frame of plan.frames) session.send(frame);
    this.logger.info(session.transport === 'sse' ? 'SSE' : 'WS', 'Subscribed:', { id: session.id, topic: topic.name });
  }

  /** Unsubscribes a session (idempotent) and confirms with `unsub.ok`. */
  unsubscribe(session: Session, topicName: string): void {
    const topic = this.registry.get(topicName);
    if (topic) {
      topic.subscribers.delete(session);
      session.topics.delete(topic);
    }
    session.sendFrame({ type: 'unsub.ok', topic: topicName });
  }

  /**
   * Publishes `payload` on `topic`: assigns the next seq, keeps it in history, and sends it, serialized once, to
   * every subscriber.
   * @throws Error for an unregistered topic; TypeError for a payload JSON cannot carry
   */
  fanout(topicName: string, payload: unknown): FanoutResult {
    const topic = this.registry.get(topicName);
    if (!topic) throw new Error(`fanout: unknown topic ${JSON.stringify(topicName)}`);
    if (payload === undefined || typeof payload === 'function' || typeof payload === 'symbol') {
      throw new TypeError('fanout: payload must be JSON-serializable');
    }
    const frame = PreparedFrame.message(topic.name, topic.history.next(), this.now(), payload);
    topic.history.append(frame);
    let sent = 0;
    let dropped = 0;
    for (const session of topic.subscribers) {
      const outcome = session.send(frame);
      if (outcome === Outcome.overflow) continue;
      sent += 1;
      if (outcome === Outcome.queuedDropped) dropped += 1;
    }
    this.sent += sent;
    this.dropped += dropped;
    this.logger.debug('Fanout', `${topic.name}: sent=${sent}, dropped=${dropped}`);
    return { sent, dropped };
  }

  /** Connections and subscribers per topic, in the seed's `/rt/stats` shape. */
  stats(): Stats {
    const stats: Stats = { total: this.sessions.size };
    for (const topic of this.registry.all()) stats[topic.name] = topic.subscribers.size;
    return stats;
  }

  /** Totals since start. */
  counters(): Counters {
    const connections = { websocket: 0, sse: 0 };
    for (const session of this.sessions) connections[session.transport] += 1;
    return { connections, messagesSent: this.sent, messagesDropped: this.dropped };
  }
}
