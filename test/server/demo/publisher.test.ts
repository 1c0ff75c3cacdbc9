import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clock } from '../../../server/clock.js';
import { startDemoPublisher } from '../../../server/demo/publisher.js';

/** A clock whose intervals run only when the test advances it, in the order they fall due. */
class StepClock implements Clock {
  time = 1_000_000;
  private readonly timers = new Map<number, { fn: () => void; every: number; next: number }>();
  private handles = 0;
  now(): number {
    return this.time;
  }
  setInterval(fn: () => void, every: number): unknown {
    this.timers.set(++this.handles, { fn, every, next: this.time + every });
    return this.handles;
  }
  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  get pending(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers.values()].filter((t) => t.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      this.time = due.next;
      due.next += due.every;
      due.fn();
    }
    this.time = end;
  }
}

const recorder = () => {
  const sent: { topic: string; payload: unknown; at: number }[] = [];
  return { sent, count: (topic: string) => sent.filter((m) => m.topic === topic).length };
};

describe('startDemoPublisher', () => {
  it('publishes on every topic at once, then each at its own pace, stamped by the clock', () => {
    const clock = new StepClock();
    const { sent, count } = recorder();
    const stop = startDemoPublisher((topic, payload) => sent.push({ topic, payload, at: clock.now() }), {
      intervalMs: 1000,
      clock,
      random: () => 0.5,
    });
    assert.deepEqual(
      sent.map((m) => m.topic),
      ['kpis.s2', 'liveops.events', 'economy.patch', 'ab.status'],
    );
    clock.advance(6000);
    // kpis every 1 s, events every 0.9 s, economy every 1.5 s, A/B every 2 s, plus the first of each.
    assert.deepEqual(['kpis.s2', 'liveops.events', 'economy.patch', 'ab.status'].map(count), [7, 7, 5, 4]);
    for (const { payload, at } of sent) {
      const stamp = (payload as { ts?: number; when?: number }).ts ?? (payload as { when: number }).when;
      assert.equal(stamp, at);
    }
    stop();
  });

  it('stops every timer', () => {
    const clock = new StepClock();
    const { sent } = recorder();
    const stop = startDemoPublisher((topic, payload) => sent.push({ topic, payload, at: 0 }), { clock });
    assert.equal(clock.pending, 4);
    stop();
    assert.equal(clock.pending, 0);
    clock.advance(60_000);
    assert.equal(sent.length, 4);
  });
});
