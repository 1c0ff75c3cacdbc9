/**
 * The embedded engine: sequence, epoch and history of each topic in this process (see {@link TopicHistory}).
 * Publishing delivers synchronously, so `fanout()` can report what it did.
 */
import type { Engine, EngineHealth, EngineSink, EngineStatus, PublishResult, Resume } from './engine.js';
import { PreparedFrame } from '../delivery/prepared-frame.js';
import type { Topic } from '../delivery/topic.js';
import { IdempotencyWindow } from './idempotency-window.js';

/** One gateway, no shared state. */
export class MemoryEngine implements Engine {
  private sink: EngineSink | undefined;
  private readonly keys: IdempotencyWindow;

  /**
   * @param idempotencyWindowMs how long an idempotency key is remembered per topic
   * @param historyTtlMs how long a topic's history outlives its latest message (0: for ever)
   */
  constructor(
    private readonly now: () => number,
    idempotencyWindowMs: number,
    private readonly historyTtlMs = 0,
  ) {
    this.keys = new IdempotencyWindow(idempotencyWindowMs, now);
  }

  publish(topic: Topic, payload: unknown, id?: string): PublishResult {
    const prior = id === undefined ? undefined : this.keys.get(topic.name, id);
    if (prior) return { ...prior, delivered: { sent: 0, dropped: 0 }, duplicate: true };
    this.expireIfIdle(topic);
    const { history } = topic;
    const now = this.now();
    const frame = PreparedFrame.message(topic.name, history.next(), now, payload);
    history.append(frame);
    history.updatedAt = now;
    if (id !== undefined) this.keys.set(topic.name, id, { seq: history.seq, epoch: history.epoch });
    const delivered = this.sink?.deliver(topic, frame) ?? { sent: 0, dropped: 0 };
    return { seq: history.seq, epoch: history.epoch, delivered, duplicate: false };
  }

  resume(topic: Topic, since: number | undefined, epoch: string | undefined): Resume {
    const { history } = topic;
    return { seq: history.seq, epoch: history.epoch, ...history.resume(since, epoch) };
  }

  /**
   * Forgets the history of each topic whose latest message is older than the retention time; its subscribers get
   * `reset` with the new epoch on their open connections (PROTOCOL.md §4), so none waits for a seq that is gone.
   */
  expireIdle(topics: Iterable<Topic>): void {
    for (const topic of topics) this.expireIfIdle(topic);
  }

  private expireIfIdle(topic: Topic): void {
    const { history } = topic;
    if (this.historyTtlMs === 0 || history.updatedAt === undefined) return;
    if (this.now() - history.updatedAt < this.historyTtlMs) return;
    history.restart();
    this.sink?.reset(topic, history.epoch, []);
  }

  watch(): void {}

  health(): EngineHealth {
    return { ok: true };
  }

  status(): EngineStatus {
    return { mode: 'memory', restarts: 0, recovered: { continued: 0, reset: 0 } };
  }

  start(sink: EngineSink): Promise<void> {
    this.sink = sink;
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
