/**
 * Write batching: a socket written to is corked, and every socket corked is uncorked together once the turn's
 * work is done, so the frames a socket gets from a burst of small fanouts leave in one system call. The first
 * frame waits too: writing it at once was measured (BENCHMARKS.md, 5k connections) to cost 10–15 % more server
 * CPU, for no latency gain we could measure.
 *
 * A large fanout does not wait for the turn's end: it writes what it has corked every chunk ({@link flushWrites}),
 * because the system calls are most of a send's cost and its time budget must see them. Several messages for one
 * subscriber still leave together when the fanout gathers them (fanout-queue.ts).
 */
import type { Duplex } from 'node:stream';

let batch = 1;
/** Sockets corked in the current batch, uncorked by {@link flushWrites}. */
const corked: Duplex[] = [];
let flushScheduled = false;

/** Numbers the batches: a socket corked in an earlier batch has been uncorked since. */
export function currentBatch(): number {
  return batch;
}

/** Adds a socket its writer has just corked to the current batch, written at the latest when the turn ends. */
export function holdUntilTurnEnds(socket: Duplex): void {
  corked.push(socket);
  if (!flushScheduled) {
    flushScheduled = true;
    process.nextTick(endTurn);
  }
}

function endTurn(): void {
  flushScheduled = false;
  flushWrites();
}

/** Writes every socket of the current batch now, and starts a new batch. */
export function flushWrites(): void {
  if (corked.length === 0) return;
  batch += 1;
  for (const socket of corked.splice(0)) {
    try {
      socket.uncork();
    } catch {
      // Write errors reach the socket's `error` listener; one socket must not keep the others corked.
    }
  }
}
