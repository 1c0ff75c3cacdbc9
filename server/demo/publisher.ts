/**
 * Publishes the demo's story (story.ts) on all four seed topics at a lively pace.
 */
import { systemClock, type Clock } from '../clock.js';
import { createDemoStory } from './story.js';

/** Publishes one message; a gateway's `fanout` (its result is not used). */
export type Publish = (topic: string, payload: unknown) => unknown;

/** Options of {@link startDemoPublisher}. */
export interface DemoPublisherOptions {
  /** Base interval in ms (default 2000): KPIs every interval, events about as often, economy ×1.5, A/B ×2. */
  intervalMs?: number;
  /** Random source in [0, 1) (default `Math.random`; tests inject a seeded one). */
  random?: () => number;
  /** The clock for timestamps and intervals (default: the system's; tests inject a fake). */
  clock?: Clock;
}

/**
 * Publishes one message on every topic at once, then each at its own pace; returns a function that stops
 * every timer.
 * @example const stop = startDemoPublisher(gw.fanout); // later: stop()
 */
export function startDemoPublisher(publish: Publish, options: DemoPublisherOptions = {}): () => void {
  const base = options.intervalMs ?? 2000;
  const clock = options.clock ?? systemClock;
  const story = createDemoStory({ random: options.random ?? Math.random, now: () => clock.now() });
  const schedule: [topic: string, next: () => unknown, every: number][] = [
    ['kpis.s2', story.kpis, base],
    ['liveops.events', story.events, base * 0.9],
    ['economy.patch', story.economy, base * 1.5],
    ['ab.status', story.experiments, base * 2],
  ];
  for (const [topic, next] of schedule) publish(topic, next());
  const timers = schedule.map(([topic, next, every]) => clock.setInterval(() => publish(topic, next()), every));
  return () => timers.forEach((timer) => clock.clearInterval(timer));
}
