/**
 * Where sequence numbers, history and cross-gateway delivery live. The in-memory engine keeps them in the
 * process (one gateway); the Redis engine shares them between gateways. The hub does the local part either way.
 */
import type { PreparedFrame } from '../delivery/prepared-frame.js';
import type { Topic } from '../delivery/topic.js';

/** What a subscriber gets after `sub.ok`, with the topic's state at that moment. */
export interface Resume {
  /** The topic's latest seq. */
  seq: number;
  /** The topic's history epoch. */
  epoch: string;
  /** Whether the requested `since` could not be served. */
  reset: boolean;
  /** Messages to replay, in order. */
  frames: PreparedFrame[];
}

/**
 * What one delivery did on this gateway: connections written or queued to, and frames dropped to make room. A
 * fanout past the turn's budget goes on in later turns, and the same object keeps counting: final once `pending`
 * is 0 (or absent).
 */
export interface FanoutResult {
  /**
   * Subscribers on this gateway it goes to: written or queued now, or in a later turn past the fanout budget (one
   * that leaves before its turn comes is taken off).
   */
  sent: number;
  /** Connections whose backpressure queue dropped an older frame to make room for it, over the whole fanout. */
  dropped: number;
  /** Subscribers still waiting for a later turn (0 or absent: the counts are final). */
  readonly pending?: number;
}

/** The receipt of a publish. */
export interface PublishResult {
  /** The seq the message got: per topic, from 1, one more per message (PROTOCOL.md §4). */
  seq: number;
  /** The topic's history epoch the seq belongs to (PROTOCOL.md §4). */
  epoch: string;
  /** This gateway's delivery, when the engine delivered synchronously (the in-memory engine). */
  delivered?: FanoutResult;
  /**
   * The message carried an idempotency key already published on this topic within the window: nothing was
   * published, and `seq`/`epoch` are those of the first publish (PROTOCOL.md §10.4).
   */
  duplicate?: boolean;
}

/** The default idempotency window: a day (PROTOCOL.md §10.4). */
export const DEFAULT_IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** An engine's health, for `/health`. */
export type EngineHealth =
  | {
      /** The engine works: connections are admitted. */
      ok: true;
    }
  | {
      /** The engine cannot serve (Redis unreachable): new connections get 1013 / 503, `/health` answers 503. */
      ok: false;
      /** Why, for `/health` and the logs (e.g. `redis_unavailable`). */
      reason: string;
    };

/** Where an engine keeps its state, and what it recovered after Redis outages (`/health`, metrics, logs). */
export interface EngineStatus {
  /** `memory` (one gateway), `redis` (one Redis server) or `redis-cluster` (sharded Pub/Sub). */
  mode: 'memory' | 'redis' | 'redis-cluster';
  /** Redis restarts or failovers this gateway came back from. */
  restarts: number;
  /** Topics checked after outages: `continued` with nothing lost, or `reset` in-band (history lost or went back). */
  recovered: {
    /** Topics whose subscribers went on without a gap. */
    continued: number;
    /** Topics whose subscribers got a `reset` frame on their open connection. */
    reset: number;
  };
}

/** The pluggable part of a gateway. */
export interface Engine {
  /**
   * Assigns the next seq, appends to history and delivers to every subscriber of every gateway sharing the engine.
   * Local delivery goes through {@link EngineSink.deliver}. With an idempotency key `id`, a message whose key was
   * already published on the topic within the window is not published again (atomically with the sequencing).
   */
  publish(topic: Topic, payload: unknown, id?: string): PublishResult | Promise<PublishResult>;
  /** What to send a subscriber that holds everything up to `since` of `epoch` (PROTOCOL.md §4). */
  resume(topic: Topic, since: number | undefined, epoch: string | undefined): Resume | Promise<Resume>;
  /**
   * Forgets the history of those `topics` idle past the retention time, resetting their subscribers in-band
   * (engines that keep history in process; Redis expires its keys itself). The hub calls it before a subscriber
   * joins, so the newcomer's `sub.ok` already names the new epoch.
   */
  expireIdle?(topics: Iterable<Topic>): void;
  /** Called when a topic is registered after start (the Redis engine subscribes to its channel). */
  watch(topic: Topic): void;
  /** Health for `/health`. */
  health(): EngineHealth;
  /** Mode and recovery counts for `/health` and metrics. */
  status(): EngineStatus;
  /** Starts (connects) the engine. */
  start(sink: EngineSink): Promise<void>;
  /** Stops the engine and releases its connections. */
  close(): Promise<void>;
}

/** Where an engine delivers messages to this gateway's subscribers. */
export interface EngineSink {
  /** Sends `frame` to this gateway's subscribers of `topic`. */
  deliver(topic: Topic, frame: PreparedFrame): FanoutResult;
  /**
   * This gateway cannot go on from what it delivered on `topic` (its history was lost, went back, or no longer
   * reaches back): its subscribers get a `reset` frame with `epoch` on their open connections, then `frames`
   * (the latest message as the epoch began, and every one after it), then live messages.
   */
  reset(topic: Topic, epoch: string, frames: readonly PreparedFrame[]): void;
  /** Looks a topic up by name. */
  topic(name: string): Topic | undefined;
}
