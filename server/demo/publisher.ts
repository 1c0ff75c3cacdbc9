/**
 * Synthetic live-ops data for the demo: all four seed topics, at a lively pace, with plausible values that
 * drift instead of jumping.
 */
/** Publishes one message; a gateway's `fanout` (its result is not used). */
export type Publish = (topic: string, payload: unknown) => unknown;

/** Options of {@link startDemoPublisher}. */
export interface DemoPublisherOptions {
  /** Base interval in ms (default 2000): KPIs every interval, events about as often, economy ×1.5, A/B ×2. */
  intervalMs?: number;
  /** Random source in [0, 1) (tests inject a fixed one). */
  random?: () => number;
}

const EVENT_KINDS = ['event.started', 'event.ended', 'offer.changed', 'banner.updated', 'playlist.rotated'] as const;
const EVENT_NAMES = ['Winter Rush', 'Double XP Weekend', 'Frost Pass', 'Clan Wars', 'Starter Bundle', 'Night Market'];
const EXPERIMENTS = ['onboarding-v3', 'shop-layout-b', 'matchmaking-elo2', 'reward-curve-s2'];

/**
 * Starts publishing; returns a function that stops every timer.
 * @example const stop = startDemoPublisher(gw.fanout); // later: stop()
 */
export function startDemoPublisher(publish: Publish, options: DemoPublisherOptions = {}): () => void {
  const base = options.intervalMs ?? 2000;
  const random = options.random ?? Math.random;
  const drift = (value: number, step: number, min: number, max: number) =>
    Math.min(max, Math.max(min, value + (random() * 2 - 1) * step));
  const round = (value: number, digits: number) => Number(value.toFixed(digits));

  let crashFree = 99.2;
  let p95Gpu = 15.8;
  let retentionD1 = 42.5;
  let ccu = 18_400;
  let earn = 1_250_000;
  let spend = 1_180_000;
  let eventId = 0;

  const kpis = () => {
    crashFree = drift(crashFree, 0.08, 97.5, 99.95);
    p95Gpu = drift(p95Gpu, 0.6, 11, 24);
    retentionD1 = drift(retentionD1, 0.3, 35, 50);
    ccu = Math.round(drift(ccu, 450, 9_000, 40_000));
    publish('kpis.s2', {
      crash_free: round(crashFree, 2),
      p95_gpu: round(p95Gpu, 1),
      retention_d1: round(retentionD1, 1),
      ccu,
      ts: Date.now(),
    });
  };
  const events = () => {
    eventId += 1;
    const kind = EVENT_KINDS[Math.floor(random() * EVENT_KINDS.length)] as string;
    const name = EVENT_NAMES[Math.floor(random() * EVENT_NAMES.length)] as string;
    publish('liveops.events', { id: `evt-${eventId}`, kind, name, when: Date.now() });
  };
  const economy = () => {
    earn = Math.round(drift(earn, 40_000, 800_000, 2_000_000));
    spend = Math.round(drift(spend, 45_000, 700_000, 2_100_000));
    publish('economy.patch', { earn, spend, inflation: round(((earn - spend) / spend) * 100, 2), ts: Date.now() });
  };
  const experiments = () => {
    const experiment = EXPERIMENTS[Math.floor(random() * EXPERIMENTS.length)] as string;
    const uplift = round((random() * 2 - 0.6) * 5, 2);
    const status = random() < 0.8 ? 'running' : uplift > 0 ? 'winner' : 'stopped';
    publish('ab.status', { experiment, variant: random() < 0.5 ? 'A' : 'B', status, uplift, ts: Date.now() });
  };

  for (const produce of [kpis, events, economy, experiments]) produce();
  const timers = [
    setInterval(kpis, base),
    setInterval(events, base * 0.9),
    setInterval(economy, base * 1.5),
    setInterval(experiments, base * 2),
  ];
  return () => timers.forEach(clearInterval);
}
