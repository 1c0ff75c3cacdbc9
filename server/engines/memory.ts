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

  /** @param idempotencyWindowMs how long an idempotency key is remembered per topic */
  constructor(
    private readonly now: () => number,
    idempotencyWindowMs: number,
  ) {
    this.keys = new IdempotencyWindow(idempotencyWindowMs, now);
  }

  publish(topic: Topic, payload: unknown, id?: string): PublishResult {
    const prior = id === undefined ? undefined : this.keys.get(topic.name, id);
    if (prior) return { ...prior, delivered: { sent: 0, dropped: 0 }, duplicate: true };
    const { history } = topic;
    const frame = PreparedFrame.message(topic.name, history.next(), this.now(), payload);
    history.append(frame);
    if (id !== undefined) this.keys.set(topic.name, id, { seq: history.seq, epoch: history.epoch });
    const delivered = this.sink?.deliver(topic, frame) ?? { sent: 0, dropped: 0 };
    return { seq: history.seq, epoch: history.epoch, delivered, duplicate: false };
  }

  resume(topic: Topic, since: number | undefined, epoch: string | undefined): Resume {
    const { history } = topic;
    return { seq: history.seq, epoch: history.epoch, ...history.resume(since, epoch) };
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
