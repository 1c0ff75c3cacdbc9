/**
 * How long messages take from their publish (`ts`) to the moment they are handed to each subscriber's socket, per
 * topic, in histogram buckets. Recorded once per run of sends with the number of subscribers served, so a fanout
 * to thousands costs a clock read and a few additions, not one observation per socket.
 */

/** Upper bounds of the buckets, in seconds (the seed's target, 100 ms, is one of them). */
export const LATENCY_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** One topic's counts. */
export interface LatencyCounts {
  /** Subscribers served per bucket (not cumulative); the last entry counts those beyond the last bound. */
  readonly buckets: Float64Array;
  /** Sum of the latencies in seconds, one per subscriber served. */
  sum: number;
  /** Subscribers served. */
  count: number;
}

/** Delivery latency per topic on one gateway. */
export class DeliveryLatency {
  private readonly topics = new Map<string, LatencyCounts>();

  /**
   * Counts `subscribers` served `seconds` after the message was published. A negative latency (the publishing
   * gateway's clock ahead of this one's) counts as 0; a message without a known `ts` is not counted.
   */
  record(topic: string, seconds: number, subscribers: number): void {
    if (!(seconds >= 0)) {
      if (Number.isNaN(seconds)) return;
      seconds = 0;
    }
    let counts = this.topics.get(topic);
    if (!counts) {
      counts = { buckets: new Float64Array(LATENCY_BUCKETS.length + 1), sum: 0, count: 0 };
      this.topics.set(topic, counts);
    }
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[bucket] as number)) bucket += 1;
    counts.buckets[bucket] = (counts.buckets[bucket] ?? 0) + subscribers;
    counts.sum += seconds * subscribers;
    counts.count += subscribers;
  }

  /** The counts of each topic that has served anything. */
  entries(): IterableIterator<[topic: string, counts: LatencyCounts]> {
    return this.topics.entries();
  }
}
