/**
 * Write batching: a socket written to is corked, and every socket corked is uncorked together once the turn's
 * work is done, so the frames a socket gets from a burst of small fanouts leave in one system call. The first
 * frame waits too: writing it at once cost more server CPU for no latency gain we could measure (BENCHMARKS.md).
 *
 * A large fanout does not wait for the turn's end: it writes what it has corked every chunk ({@link WriteBatch.flush}),
 * because the system calls are most of a send's cost and its time budget must see them. Several messages for one
 * subscriber still leave together when the fanout gathers them (fanout-queue.ts).
 */
import type { Duplex } from 'node:stream';

/** The sockets one gateway has corked in the current turn (each gateway has its own: see `Hub.writes`). */
export class WriteBatch {
  private batch = 1;
  /** Sockets corked in the current batch, uncorked by {@link flush}. */
  private readonly corked: Duplex[] = [];
  private flushScheduled = false;

  /** Numbers the batches: a socket corked in an earlier batch has been uncorked since. */
  get current(): number {
    return this.batch;
  }

  /** Adds a socket its writer has just corked to the current batch, written at the latest when the turn ends. */
  holdUntilTurnEnds(socket: Duplex): void {
    this.corked.push(socket);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.endTurn);
    }
  }

  private readonly endTurn = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  /** Writes every socket of the current batch now, and starts a new batch. */
  flush(): void {
    if (this.corked.length === 0) return;
    this.batch += 1;
    for (const socket of this.corked.splice(0)) {
      try {
        socket.uncork();
      } catch {
        // Write errors reach the socket's `error` listener; one socket must not keep the others corked.
      }
    }
  }
}
