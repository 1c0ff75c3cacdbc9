/**
 * Per-connection backpressure (PROTOCOL.md §8). Frames go straight to the transport while its send buffer is
 * under `bufferLimitBytes`; beyond that they wait in a queue of at most `queueLimit` frames, the oldest droppable
 * one giving way when it is full, and the queue is flushed every `flushMs` as the socket drains. A consumer that
 * stops reading therefore costs at most the buffer limit plus the queue, never more.
 */
import type { PreparedFrame } from './prepared-frame.js';

/** The transport side of a connection, as the queue sees it. */
export interface Peer {
  /** Bytes accepted but not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** Writes one frame. */
  write(frame: PreparedFrame): void;
}

/** Backpressure limits; defaults are the seed's. */
export interface BackpressureOptions {
  /** Send at once while the transport buffers less than this (default 1 MiB). */
  bufferLimitBytes?: number;
  /** Frames held beyond that (default 200). */
  queueLimit?: number;
  /** How often a backed-up queue retries (default 50 ms). */
  flushMs?: number;
}

/** Resolved {@link BackpressureOptions}. */
export const BACKPRESSURE_DEFAULTS: Required<BackpressureOptions> = {
  bufferLimitBytes: 1024 * 1024,
  queueLimit: 200,
  flushMs: 50,
};

/** Fills in the defaults once, so every connection's queue can share the result. */
export function resolveBackpressure(options: BackpressureOptions = {}): Required<BackpressureOptions> {
  return { ...BACKPRESSURE_DEFAULTS, ...options };
}

function isResolved(limits: BackpressureOptions): limits is Required<BackpressureOptions> {
  return limits.bufferLimitBytes !== undefined && limits.queueLimit !== undefined && limits.flushMs !== undefined;
}

/** What became of one frame handed to {@link OutboundQueue.push}. */
export const Outcome = {
  /** Written to the transport. */
  sent: 0,
  /** Queued, nothing dropped. */
  queued: 1,
  /** Queued, and an older frame was dropped to make room. */
  queuedDropped: 2,
  /** Queue full of frames that must not be dropped: the connection is beyond saving. */
  overflow: 3,
} as const;

/** A value of {@link Outcome}. */
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** The outbound side of one connection. */
export class OutboundQueue {
  /** Frames dropped on this connection so far. */
  dropped = 0;
  private readonly queue: PreparedFrame[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly limits: Required<BackpressureOptions>;

  constructor(
    private readonly peer: Peer,
    limits: BackpressureOptions = {},
  ) {
    // Resolved limits are shared by every queue of a gateway rather than copied into each.
    this.limits = isResolved(limits) ? limits : { ...BACKPRESSURE_DEFAULTS, ...limits };
  }

  /** Frames waiting. */
  get length(): number {
    return this.queue.length;
  }

  /** Sends `frame` now if the transport has room and nothing waits ahead of it; queues it otherwise. */
  push(frame: PreparedFrame): Outcome {
    if (this.queue.length === 0 && this.peer.bufferedAmount < this.limits.bufferLimitBytes) {
      this.peer.write(frame);
      return Outcome.sent;
    }
    let outcome: Outcome = Outcome.queued;
    if (this.queue.length >= this.limits.queueLimit) {
      const victim = this.queue.findIndex((f) => f.droppable);
      if (victim === -1) return Outcome.overflow;
      this.queue.splice(victim, 1);
      this.dropped += 1;
      outcome = Outcome.queuedDropped;
    }
    this.queue.push(frame);
    this.schedule();
    return outcome;
  }

  /** Writes queued frames while the transport has room. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0 && this.peer.bufferedAmount < this.limits.bufferLimitBytes) {
      this.peer.write(this.queue.shift() as PreparedFrame);
    }
    if (this.queue.length > 0) this.schedule();
  }

  /** Drops everything and stops the flush timer (the connection is gone). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), this.limits.flushMs);
  }
}
