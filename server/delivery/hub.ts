/**
 * Sessions, subscriptions and local delivery: the part of the gateway that cares neither about transports nor
 * about where sequence numbers and history live (that is the {@link Engine}'s job).
 */
import { EventEmitter } from 'node:events';
import { CloseCode, SubError, type SubFrame } from '../../src/protocol/index.js';
import { rbacHas } from '../admission/tickets.js';
import type { Engine, EngineSink, FanoutResult, PublishResult, Resume } from '../engines/engine.js';
import type { Logger } from '../ops/log.js';
import { DeliveryLatency } from './delivery-latency.js';
import { FanoutQueue, Sent, type FanoutOptions } from './fanout-queue.js';
import { Outcome } from './backpressure.js';
import { PreparedFrame } from './prepared-frame.js';
import type { Session, TransportKind } from './session.js';
import type { Topic } from './topic.js';
import type { TopicRegistry, TopicSpec } from './topic-registry.js';
import { WriteBatch } from './write-batch.js';
import { MESSAGE_ID } from '../publish/limits.js';
import type { PayloadRefusal, PiiFinding } from '../contracts/admission.js';

export type { FanoutResult };

/** `/rt/stats`, the seed's shape: `total` connections and subscribers per topic. */
export type Stats = {
  /** Open connections, both transports: this gateway's, or every live gateway's for the cluster-wide stats. */
  total: number;
} & Record<string, number>;

/** Gateway-wide counters for `/health`. */
export interface Counters {
  /** Open connections on this gateway, per transport. */
  connections: {
    /** Open WebSocket connections. */
    websocket: number;
    /** Open SSE connections. */
    sse: number;
  };
  /** Messages written or queued to connections since start, one per connection (`rt_messages_sent_total`). */
  messagesSent: number;
  /** Older queued frames dropped by backpressure since start to make room (`rt_messages_dropped_total`). */
  messagesDropped: number;
}

/** A connection attempt the gateway turned down. */
export interface Refusal {
  transport: TransportKind;
  /** The close reason / error code (`bad_sig`, `forbidden_origin`, `unavailable`, `rate_limited`…). */
  reason: string;
  /** The WebSocket close code it got (or would have got). */
  closeCode: number;
  /** The HTTP status it got (or would have got) on SSE. */
  status: number;
}

/** Which limit a rate-limit hit was. */
export type RateLimitKind = 'connections_per_ip' | 'frames' | 'subscriptions' | 'global_connections' | 'refreshes';

/**
 * Events of a {@link Hub}, the gateway's one source of security and lifecycle events (metrics, the audit log and
 * tests listen here). No payloads, no addresses: only ids, scopes, topics and reasons.
 */
export interface HubEvents {
  /** A session was accepted. */
  connect: [session: Session];
  /** A session ended (`code`: its WebSocket close code, when known). */
  disconnect: [session: Session, code?: number];
  /** A connection attempt was refused. */
  refuse: [refusal: Refusal];
  /** A subscription was refused. */
  subRefused: [session: Session, topic: string, code: SubError];
  /** A rate limit was hit. */
  rateLimited: [kind: RateLimitKind, transport: TransportKind];
  /**
   * A message was published to the local subscribers of `topic`, holding the event loop `seconds` (what did not fit
   * the turn's fanout budget goes out in later turns; only timed while someone listens).
   */
  fanout: [topic: string, seconds: number];
  /** The engine reset `topic`'s order (its history was lost or went back) and its subscribers got `reset`. */
  reset: [topic: string];
  /** A connection's authority changed or ended (v1.1): expiry, refresh, revocation, forced disconnect. */
  authority: [session: Session, change: AuthorityChange];
  /** An operator revoked access through this gateway (API, HTTP or CLI); every gateway applies it. */
  revocation: [revocation: Revocation];
  /** v1.2: a message from the publish API or the ingest stream was sequenced, or recognized as a retry. */
  published: [publication: Publication];
  /** v1.2: a publish request or a stream entry was refused. */
  publishRefused: [refusal: PublishRefusal];
  /** v1.3: a payload was refused by its topic's schema or PII policy (paths and kinds, never content). */
  payloadRefused: [refusal: PayloadRefusal];
  /** v1.3: the PII guard found personal data in a payload: one event per kind, with the count and what was done. */
  piiFound: [finding: PiiFinding];
}

/** Where a backend's message came in: `POST /rt/publish`, or the Redis ingest stream (PROTOCOL.md §10). */
export type PublishSource = 'http' | 'stream';

/** A message a backend published. */
export interface Publication {
  source: PublishSource;
  /** The publisher key's id (`stream` for the ingest stream). */
  key: string;
  /** The (registered) topic. */
  topic: string;
  /** `accepted`: sequenced and delivered; `deduped`: its idempotency key was already published, nothing sent. */
  outcome: 'accepted' | 'deduped';
}

/** A publish refused: no payload, and only names the gateway knows. */
export interface PublishRefusal {
  source: PublishSource;
  /** The 401's reason, else the error code (`forbidden_topic`, `rate_limited`, `unknown_topic`, `malformed`…). */
  reason: string;
  /** The HTTP status answered (for the stream: what the API would have answered). */
  status: number;
  /** The publisher key's id, when it named a known key (`stream` for the ingest stream). */
  key?: string;
  /** The topic, only when it is registered. */
  topic?: string;
}

/** What happened to a connection's authority. */
export interface AuthorityChange {
  /**
   * `expired`: it ended without a valid refresh (closed 4401); `refreshed`: a refresh applied; `refresh_refused`:
   * a refresh was refused (the authority stays); `narrowed`: an operator took scopes from it; `disconnected`: an
   * operator ended it (closed 4410).
   */
  event: 'expired' | 'refreshed' | 'refresh_refused' | 'narrowed' | 'disconnected';
  /** The refusal reason, or the operator's reason. */
  reason?: string;
}

/** An operator's command, as logs and the audit log see it: subjects only as digests. */
export interface Revocation {
  /** `disconnect` ends connections; `revoke` takes scopes from them. */
  op: 'disconnect' | 'revoke';
  /** What it targets: `subject` (with `subjectDigest`), `connection` or `scope`. */
  kind: 'subject' | 'connection' | 'scope';
  /** The subject's digest, for a subject. */
  subjectDigest?: string;
  /** The scopes it revoked (`revoke`), or the scope it targets. */
  scopes?: string[];
  /** The operator's reason. */
  reason: string;
  /** Connections it ended or narrowed on this gateway. */
  applied: number;
}

/** Live messages held per topic for a subscriber whose resume is still being fetched. */
const PENDING_LIMIT = 1000;

/** Routes messages to this gateway's subscribed sessions. */
export class Hub extends EventEmitter<HubEvents> implements EngineSink {
  /** Every open session. */
  readonly sessions = new Set<Session>();
  /** This gateway's corked sockets, written together when the turn ends or a large fanout flushes. */
  readonly writes = new WriteBatch();
  /** Delivery latency per topic, from each message's `ts` to the moment each socket is handed it. */
  readonly latency = new DeliveryLatency();
  private sent = 0;
  private dropped = 0;
  private readonly fanoutQueue: FanoutQueue;

  constructor(
    readonly registry: TopicRegistry<Session>,
    readonly engine: Engine,
    private readonly logger: Logger,
    /** Topics one session may hold. */
    private readonly maxSubscriptions = Number.POSITIVE_INFINITY,
    /** The time budget of fanout per turn of the event loop. */
    fanout: FanoutOptions = {},
    /** The gateway's clock (ms since the epoch), which stamps each message's `ts`. */
    now: () => number = Date.now,
  ) {
    super();
    const onSent = ({ sent, dropped }: FanoutResult) => {
      this.sent += sent;
      this.dropped += dropped;
    };
    const sendTo = (session: Session, topic: Topic<Session>, frame: PreparedFrame) =>
      this.sendTo(session, topic, frame);
    const onHanded = (topic: Topic<Session>, frame: PreparedFrame, count: number) =>
      this.latency.record(topic.name, (now() - frame.ts) / 1000, count);
    // Not even the string is built per message unless someone reads fanout lines.
    const onDelivered = (topic: Topic<Session>, _frame: PreparedFrame, { sent, dropped }: FanoutResult) => {
      if (this.logger.level === 'debug') this.logger.debug('Fanout', `${topic.name}: sent=${sent}, dropped=${dropped}`);
    };
    const flush = () => this.writes.flush();
    this.fanoutQueue = new FanoutQueue({ sendTo, onSent, onHanded, onDelivered, flush }, fanout);
  }

  /** Drops the messages still waiting to go out (on close, once the connections are gone). */
  dispose(): void {
    this.fanoutQueue.dispose();
  }

  /** Registers a topic (see {@link TopicRegistry.register}). */
  registerTopic(name: string, spec: TopicSpec): void {
    const known = this.registry.get(name) !== undefined;
    const topic = this.registry.register(name, spec);
    if (!known) this.engine.watch(topic);
  }

  /** Looks a topic up by name. */
  topic(name: string): Topic<Session> | undefined {
    return this.registry.get(name);
  }

  /** Adds an authenticated session. */
  add(session: Session): void {
    this.sessions.add(session);
    this.emit('connect', session);
  }

  /** Removes a session and all its subscriptions. */
  remove(session: Session, code?: number): void {
    if (!this.sessions.delete(session)) return;
    for (const topic of session.topics) topic.removeSubscriber(session);
    session.topics.clear();
    session.dispose();
    this.emit('disconnect', session, code);
  }

  /**
   * Subscribes a session: RBAC, then `sub.ok`, then the replay PROTOCOL.md §4 prescribes, all before any later
   * live message of the topic can reach it.
   */
  subscribe(session: Session, sub: SubFrame): void {
    const topic = this.registry.get(sub.topic);
    if (!topic) return this.refuseSub(session, sub.topic, SubError.unknownTopic);
    if (!rbacHas(session.scopes, topic.scopes)) return this.refuseSub(session, topic.name, SubError.forbidden);
    if (!session.topics.has(topic) && session.topics.size >= this.maxSubscriptions) {
      this.emit('rateLimited', 'subscriptions', session.transport);
      return this.refuseSub(session, topic.name, SubError.tooMany);
    }
    const { tag } = session;
    this.engine.expireIdle?.([topic]); // before it joins: its `sub.ok` names the new epoch, with no `reset` first
    topic.addSubscriber(session);
    session.topics.add(topic);
    const resume = this.engine.resume(topic, sub.since, sub.epoch);
    if (resume instanceof Promise) {
      // A repeated `sub` while the first is still being fetched keeps what was already held.
      session.pending ??= new Map();
      if (!session.pending.has(topic)) session.pending.set(topic, []);
      resume.then(
        (r) => this.completeSubscribe(session, topic, r),
        () => session.close(CloseCode.tryAgainLater, 'unavailable'),
      );
    } else {
      this.completeSubscribe(session, topic, resume);
    }
    this.logger.info(tag, 'Subscribed:', { id: session.id, topic: topic.name });
  }

  /**
   * Answers `sub.err` and reports it. The log names the topic only when it is registered: an unknown name is
   * whatever the client typed (`jane.doe.private`) and could carry anything.
   */
  refuseSub(session: Session, topic: string, code: SubError): void {
    const named = this.registry.get(topic) ? { topic } : {};
    this.logger.info(session.tag, 'Subscribe refused:', { id: session.id, ...named, code });
    this.emit('subRefused', session, topic, code);
    session.sendFrame({ type: 'sub.err', topic, code });
  }

  private completeSubscribe(session: Session, topic: Topic<Session>, resume: Resume): void {
    if (session.isClosed || !session.topics.has(topic)) return; // gone or unsubscribed meanwhile
    const held = session.pending?.get(topic);
    session.pending?.delete(topic);
    session.sendFrame({ type: 'sub.ok', topic: topic.name, seq: resume.seq, epoch: resume.epoch });
    if (resume.reset) session.sendFrame({ type: 'reset', topic: topic.name, epoch: resume.epoch });
    for (const frame of resume.frames) session.send(frame);
    if (!held) {
      // Messages of this topic still waiting to go out may include ones the replay just sent.
      if (this.fanoutQueue.busy(topic)) (session.lastSeq ??= new Map()).set(topic, resume.seq);
      return;
    }
    let last = resume.seq;
    for (const frame of held) {
      if (frame.seq === 0) {
        // An in-band reset that came while the resume was fetched (see `reset`): whatever follows it is new.
        session.send(frame);
        last = 0;
        continue;
      }
      if (frame.seq <= last) continue;
      session.send(frame);
      last = frame.seq;
    }
    (session.lastSeq ??= new Map()).set(topic, last);
  }

  /**
   * Ends the subscriptions `session`'s scopes no longer cover (after a refresh with fewer scopes, or a
   * revocation): each gets `sub.err` `forbidden`, unasked, and no message published after it follows.
   * @returns how many ended
   */
  narrow(session: Session): number {
    let ended = 0;
    for (const topic of [...session.topics]) {
      if (rbacHas(session.scopes, topic.scopes)) continue;
      topic.removeSubscriber(session);
      session.topics.delete(topic);
      session.pending?.delete(topic);
      session.lastSeq?.delete(topic);
      this.refuseSub(session, topic.name, SubError.forbidden);
      ended += 1;
    }
    return ended;
  }

  /** Unsubscribes a session (idempotent) and confirms with `unsub.ok`. */
  unsubscribe(session: Session, topicName: string): void {
    const topic = this.registry.get(topicName);
    if (topic) {
      topic.removeSubscriber(session);
      session.topics.delete(topic);
      session.pending?.delete(topic);
      session.lastSeq?.delete(topic);
    }
    session.sendFrame({ type: 'unsub.ok', topic: topicName });
  }

  /**
   * Publishes `payload` on `topic` through the engine. With the in-memory engine delivery is synchronous and the
   * result says what this gateway did; with a shared engine (Redis) it is a promise of the assigned seq, which
   * rejects when the engine cannot take it (also logged, so an ignored promise never crashes the process).
   * @throws Error for an unregistered topic; TypeError for a payload JSON cannot carry, or a topic whose schema
   *   validates asynchronously (use `publish()`); `PayloadRefused` (a TypeError) when the topic's schema or PII
   *   policy refuses the payload (v1.3)
   */
  fanout(topicName: string, payload: unknown): FanoutResult | Promise<PublishResult> {
    const topic = this.publishable(topicName, payload);
    const admitted = topic.admission.inert ? payload : topic.admission.checkSync(payload, 'fanout');
    const published = this.engine.publish(topic, admitted);
    if (published instanceof Promise) {
      published.catch((error: unknown) =>
        this.logger.error('Fanout', `${topicName}: publish failed`, {
          error: error instanceof Error ? error.message : 'unknown',
        }),
      );
      return published;
    }
    return published.delivered ?? { sent: 0, dropped: 0 };
  }

  /**
   * Publishes `payload` on `topic` with either engine and resolves with the assigned seq and epoch. With an
   * idempotency key `id`, a retry within the window is not published again and resolves as the first publish did.
   * @throws Error for an unregistered topic; TypeError for a payload JSON cannot carry or a malformed `id`
   *   (synchronously). Rejects with `PayloadRefused` when the topic's schema (awaited when asynchronous) or
   *   PII policy refuses the payload (v1.3).
   */
  publish(topicName: string, payload: unknown, id?: string): Promise<PublishResult> {
    if (id !== undefined && !MESSAGE_ID.test(id))
      throw new TypeError('publish: id must be 1 to 128 printable ASCII characters without space');
    const topic = this.publishable(topicName, payload);
    if (topic.admission.inert) return Promise.resolve(this.engine.publish(topic, payload, id));
    let verdict: { payload: unknown } | Promise<unknown>;
    try {
      verdict = topic.admission.admit(payload, 'fanout');
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (verdict instanceof Promise) return verdict.then((admitted) => this.engine.publish(topic, admitted, id));
    // Published in this turn when the schema is synchronous: `publish(a); fanout(b)` keeps its order.
    return Promise.resolve(this.engine.publish(topic, verdict.payload, id));
  }

  /**
   * Publishes a payload its topic's admission already passed (`topic.admission.check`): the publish API checks a
   * whole batch before it publishes any of it.
   * @internal
   */
  publishAdmitted(topic: Topic<Session>, payload: unknown, id?: string): Promise<PublishResult> {
    return Promise.resolve(this.engine.publish(topic, payload, id));
  }

  private publishable(topicName: string, payload: unknown): Topic<Session> {
    const topic = this.registry.get(topicName);
    if (!topic) throw new Error(`fanout: unknown topic ${JSON.stringify(topicName)}`);
    if (payload === undefined || typeof payload === 'function' || typeof payload === 'symbol') {
      throw new TypeError('fanout: payload must be JSON-serializable');
    }
    return topic;
  }

  /** Sends `frame` to this gateway's subscribers of `topic` (called by the engine), serialized once for all. */
  deliver(topic: Topic<Session>, frame: PreparedFrame): FanoutResult {
    const started = this.listenerCount('fanout') > 0 ? performance.now() : -1;
    const result = this.fanoutQueue.deliver(topic, frame);
    if (started >= 0) this.emit('fanout', topic.name, (performance.now() - started) / 1000);
    return result;
  }

  /** Sends one message to one subscriber, minding a resume in progress and what its resume already sent. */
  private sendTo(session: Session, topic: Topic<Session>, frame: PreparedFrame): Sent {
    if (session.isClosed) return Sent.skipped; // until its socket's close event, it is still subscribed
    // A delivery waiting for a later turn holds the subscribers it was published to: one may have left since.
    if (!session.topics.has(topic)) return Sent.skipped;
    if (session.pending !== undefined || session.lastSeq !== undefined) {
      const held = session.pending?.get(topic);
      if (held) {
        // A resume this slow has lost track: the client resumes anew rather than miss messages silently.
        if (held.length >= PENDING_LIMIT) session.close(CloseCode.serviceRestart, 'resync');
        else held.push(frame);
        return Sent.skipped;
      }
      const last = session.lastSeq?.get(topic);
      if (last !== undefined) {
        if (frame.seq <= last) return Sent.skipped; // already sent by its resume
        session.lastSeq?.set(topic, frame.seq);
      }
    }
    const outcome = session.send(frame);
    if (outcome === Outcome.overflow) return Sent.skipped;
    return outcome === Outcome.queuedDropped ? Sent.dropped : Sent.written;
  }

  /**
   * The engine cannot go on from what it delivered on `topic` (PROTOCOL.md §8): every subscriber gets, on its open
   * connection, `reset` with the epoch, then `frames` (the latest message as the epoch began, and those after it),
   * then live messages. Nothing older than the reset reaches it after it. A subscriber whose resume is still being
   * fetched gets it after the resume.
   */
  reset(topic: Topic<Session>, epoch: string, frames: readonly PreparedFrame[]): void {
    this.fanoutQueue.discard(topic);
    const reset = PreparedFrame.control({ type: 'reset', topic: topic.name, epoch });
    for (const session of topic.subscribers) {
      if (session.isClosed) continue;
      const held = session.pending?.get(topic);
      if (held) {
        // Its resume is still being fetched: the reset follows it, in place of the live messages held so far.
        held.splice(0, held.length, reset, ...frames);
        continue;
      }
      session.lastSeq?.delete(topic);
      session.send(reset);
      for (const frame of frames) session.send(frame);
    }
    this.emit('reset', topic.name);
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
