/**
 * The demo's story: what the synthetic live-ops topics say, one message at a time, with no timers of its own.
 * Values drift around their targets (so the dashboard shows a target both met and missed), a season event
 * always starts before it ends, and one A/B experiment runs at a time until it has a winner or is stopped.
 */

/** A `kpis.s2` message. */
export interface KpiMessage {
  /** Percent of sessions without a crash; the target is ≥ 99.5. */
  crash_free: number;
  /** 95th percentile GPU frame time in ms; the budget is ≤ 16.6 (60 fps). */
  p95_gpu: number;
  /** Day-1 retention in percent. */
  retention_d1: number;
  /** Concurrent players. */
  ccu: number;
  /** When it was measured (ms since the epoch). */
  ts: number;
}

/** A `liveops.events` message. */
export interface LiveOpsEvent {
  /** `evt-1`, `evt-2`… */
  id: string;
  /** What happened. */
  kind: 'event.started' | 'event.ended' | 'offer.changed' | 'banner.updated' | 'playlist.rotated';
  /** What it happened to: a season event, an offer, a banner or a playlist. */
  name: string;
  /** When (ms since the epoch). */
  when: number;
}

/** An `economy.patch` message. */
export interface EconomyMessage {
  /** Soft currency earned in the window. */
  earn: number;
  /** Soft currency spent in the window. */
  spend: number;
  /** (earn − spend) / spend, in percent. */
  inflation: number;
  /** When (ms since the epoch). */
  ts: number;
}

/** An `ab.status` message: the one experiment of the moment. */
export interface AbStatusMessage {
  /** Its name. */
  experiment: string;
  /** The variant ahead so far (`B` when the uplift is positive). */
  variant: 'A' | 'B';
  /** `running`, then `winner` (B shipped) or `stopped` (no uplift), then the next experiment runs. */
  status: 'running' | 'winner' | 'stopped';
  /** B's uplift over A in percent. */
  uplift: number;
  /** When (ms since the epoch). */
  ts: number;
}

/** One message per call, for each demo topic. */
export interface DemoStory {
  /** The next `kpis.s2` message. */
  kpis(): KpiMessage;
  /** The next `liveops.events` message. */
  events(): LiveOpsEvent;
  /** The next `economy.patch` message. */
  economy(): EconomyMessage;
  /** The next `ab.status` message. */
  experiments(): AbStatusMessage;
}

/** What a story draws on: a random source in [0, 1) and a clock (tests pass seeded and fixed ones). */
export interface StorySources {
  random: () => number;
  now: () => number;
}

/** Season events: each starts, runs a few ticks of the events topic, then ends; never two of the same at once. */
export const SEASON_EVENTS = ['Winter Rush', 'Double XP Weekend', 'Clan Wars', 'Frost Pass Finale'] as const;
const OTHER_NEWS = [
  ['offer.changed', ['Starter Bundle', 'Night Market', 'Frost Pass']],
  ['banner.updated', ['Season 2 key art', 'Patch 2.4 notes', 'Community spotlight']],
  ['playlist.rotated', ['Ranked Arena', 'Capture the Flag', 'Snowball Brawl']],
] as const;
/** The experiments, run one after another in this order, then again from the first. */
export const EXPERIMENTS = ['onboarding-v3', 'shop-layout-b', 'matchmaking-elo2', 'reward-curve-s2'] as const;

/** Ticks of the events topic a season event runs: between these two. */
const EVENT_TICKS = [4, 9] as const;
/** Ticks of the A/B topic an experiment runs before its verdict: between these two. */
const EXPERIMENT_TICKS = [4, 8] as const;

/**
 * Creates a story.
 * @example const story = createDemoStory({ random: Math.random, now: Date.now }); publish('kpis.s2', story.kpis());
 */
export function createDemoStory({ random, now }: StorySources): DemoStory {
  const between = ([low, high]: readonly [number, number]) => low + Math.floor(random() * (high - low + 1));
  const pickFrom = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  // A random walk pulled back towards `centre`, so it wanders across a target instead of settling far away.
  const walk = (value: number, centre: number, step: number, min: number, max: number) =>
    Math.min(max, Math.max(min, value + (centre - value) * 0.1 + (random() * 2 - 1) * step));
  const round = (value: number, digits: number) => Number(value.toFixed(digits));

  let crashFree = 99.55;
  let p95Gpu = 15.9;
  let retentionD1 = 42.5;
  let ccu = 18_400;
  let earn = 1_250_000;
  let spend = 1_180_000;
  let eventId = 0;
  /** Running season events → ticks left. */
  const running = new Map<string, number>();
  let experiment = 0;
  let experimentTicks = between(EXPERIMENT_TICKS);
  let uplift = 0;
  let concluded = false;

  const seasonNews = (): Pick<LiveOpsEvent, 'kind' | 'name'> | undefined => {
    for (const [name, left] of running) running.set(name, left - 1);
    const due = [...running].find(([, left]) => left <= 0);
    if (due) {
      running.delete(due[0]);
      return { kind: 'event.ended', name: due[0] };
    }
    const idle = SEASON_EVENTS.filter((name) => !running.has(name));
    // The first message starts an event, so the feed opens with the beginning of a story.
    if (idle.length && running.size < 2 && (eventId === 1 || random() < 0.3)) {
      const name = pickFrom(idle);
      running.set(name, between(EVENT_TICKS));
      return { kind: 'event.started', name };
    }
    return undefined;
  };

  return {
    kpis() {
      crashFree = walk(crashFree, 99.5, 0.07, 98.8, 99.95);
      p95Gpu = walk(p95Gpu, 16.3, 0.5, 12, 20);
      retentionD1 = walk(retentionD1, 42.5, 0.3, 35, 50);
      ccu = Math.round(walk(ccu, 20_000, 450, 9_000, 40_000));
      return {
        crash_free: round(crashFree, 2),
        p95_gpu: round(p95Gpu, 1),
        retention_d1: round(retentionD1, 1),
        ccu,
        ts: now(),
      };
    },
    events() {
      eventId += 1;
      const news = seasonNews() ?? (([kind, names]) => ({ kind, name: pickFrom(names) }))(pickFrom(OTHER_NEWS));
      return { id: `evt-${eventId}`, ...news, when: now() };
    },
    economy() {
      earn = Math.round(walk(earn, 1_250_000, 40_000, 800_000, 2_000_000));
      spend = Math.round(walk(spend, 1_200_000, 45_000, 700_000, 2_100_000));
      return { earn, spend, inflation: round(((earn - spend) / spend) * 100, 2), ts: now() };
    },
    experiments() {
      if (concluded) {
        experiment = (experiment + 1) % EXPERIMENTS.length;
        experimentTicks = between(EXPERIMENT_TICKS);
        uplift = 0;
        concluded = false;
      }
      uplift = round(Math.min(9, Math.max(-9, uplift + (random() * 2 - 0.8) * 1.5)), 2);
      experimentTicks -= 1;
      concluded = experimentTicks <= 0;
      const status = !concluded ? 'running' : uplift > 0 ? 'winner' : 'stopped';
      return {
        experiment: EXPERIMENTS[experiment] as string,
        variant: uplift > 0 ? 'B' : 'A',
        status,
        uplift,
        ts: now(),
      };
    },
  };
}
