/**
 * A topic's sequence, epoch and bounded history (PROTOCOL.md §4): what makes resume after a reconnect lose
 * nothing and deliver nothing twice.
 */
import { randomBytes } from 'node:crypto';
import type { PreparedFrame } from './prepared-frame.js';

/** What a subscriber receives after `sub.ok`: an optional `reset`, then these messages in order. */
export interface ResumePlan {
  reset: boolean;
  frames: PreparedFrame[];
}

/** A fresh epoch: 12 random bytes, base64url. */
export function createEpoch(): string {
  return randomBytes(12).toString('base64url');
}

/** Sequence numbers and the last `capacity` messages of one topic, in a ring buffer. */
export class TopicHistory {
  /** The latest seq assigned (0 before the first message). */
  seq = 0;
  /** When the latest message was appended (the engine's clock, ms), for retention; `undefined` before any. */
  updatedAt: number | undefined;
  private ring: (PreparedFrame | undefined)[];
  private current: string;

  /**
   * @param capacity messages held (at least 1: the latest message is always retained)
   * @param epoch the history's epoch (fresh by default)
   */
  constructor(
    readonly capacity: number,
    epoch: string = createEpoch(),
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('history capacity must be an integer >= 1');
    this.ring = new Array<PreparedFrame | undefined>(capacity);
    this.current = epoch;
  }

  /** The history's epoch: it changes when the history starts over. */
  get epoch(): string {
    return this.current;
  }

  /** Forgets every message and starts a new epoch at seq 0 (retention: the topic was idle too long). */
  restart(): void {
    this.ring = new Array<PreparedFrame | undefined>(this.capacity);
    this.current = createEpoch();
    this.seq = 0;
    this.updatedAt = undefined;
  }

  /** Assigns the next seq. The caller builds the frame with it and {@link append}s it. */
  next(): number {
    return this.seq + 1;
  }

  /** Stores the message of seq {@link next}, evicting the oldest when full. */
  append(frame: PreparedFrame): void {
    this.seq += 1;
    this.ring[this.seq % this.capacity] = frame;
  }

  /** The latest message, if any. */
  latest(): PreparedFrame | undefined {
    return this.seq === 0 ? undefined : this.ring[this.seq % this.capacity];
  }

  /** The oldest seq still held (1 before anything is evicted; `seq + 1` when empty). */
  get oldest(): number {
    return Math.max(1, this.seq - this.capacity + 1);
  }

  /**
   * What to send a subscriber that holds everything up to `since` of `epoch`.
   * No `since`: the latest message. A resumable `since`: every later message. Otherwise: `reset` and the latest.
   */
  resume(since?: number, epoch?: string): ResumePlan {
    const latest = this.latest();
    if (since === undefined) return { reset: false, frames: latest ? [latest] : [] };
    const sameEpoch = epoch === undefined || epoch === this.epoch;
    if (!sameEpoch || since > this.seq || since < this.oldest - 1) {
      return { reset: true, frames: latest ? [latest] : [] };
    }
    const frames: PreparedFrame[] = [];
    for (let seq = since + 1; seq <= this.seq; seq++) frames.push(this.ring[seq % this.capacity] as PreparedFrame);
    return { reset: false, frames };
  }
}
