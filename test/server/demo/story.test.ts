import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDemoStory, EXPERIMENTS, SEASON_EVENTS } from '../../../server/demo/story.js';

/** mulberry32: a seeded random source in [0, 1), so each run tells the same story. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SEEDS = [1, 7, 42, 2024, 99_991];
const TICKS = 400;
const story = (seed: number) => {
  let time = Date.UTC(2026, 0, 1);
  return createDemoStory({ random: seeded(seed), now: () => (time += 1000) });
};

describe('the demo story', () => {
  it('opens the events feed with an event starting', () => {
    for (const seed of SEEDS) assert.equal(story(seed).events().kind, 'event.started', `seed ${seed}`);
  });

  it('ends a season event only after it started, and never starts one that is running', () => {
    for (const seed of SEEDS) {
      const s = story(seed);
      const running = new Set<string>();
      let ended = 0;
      for (let i = 0; i < TICKS; i++) {
        const { kind, name } = s.events();
        if (kind === 'event.started') {
          assert.ok(!running.has(name), `seed ${seed}, tick ${i}: ${name} started twice`);
          assert.ok((SEASON_EVENTS as readonly string[]).includes(name));
          running.add(name);
        } else if (kind === 'event.ended') {
          assert.ok(running.delete(name), `seed ${seed}, tick ${i}: ${name} ended before it started`);
          ended += 1;
        }
      }
      assert.ok(ended > 10, `seed ${seed}: events do end (${ended})`);
    }
  });

  it('gives every message its own id and the clock’s time', () => {
    let time = 5_000;
    const s = createDemoStory({ random: seeded(3), now: () => time });
    const first = s.events();
    time = 6_000;
    const second = s.events();
    assert.deepEqual([first.id, first.when, second.id, second.when], ['evt-1', 5_000, 'evt-2', 6_000]);
    assert.equal(s.kpis().ts, 6_000);
  });

  it('runs one experiment at a time: running, then a verdict, then the next in order', () => {
    for (const seed of SEEDS) {
      const s = story(seed);
      let previous = s.experiments();
      assert.deepEqual([previous.experiment, previous.status], [EXPERIMENTS[0], 'running']);
      let verdicts = 0;
      for (let i = 0; i < TICKS; i++) {
        const next = s.experiments();
        const at = `seed ${seed}, tick ${i}`;
        if (previous.status === 'running') {
          assert.equal(next.experiment, previous.experiment, `${at}: the name changed while running`);
        } else {
          verdicts += 1;
          const following = EXPERIMENTS[(EXPERIMENTS.indexOf(previous.experiment as never) + 1) % EXPERIMENTS.length];
          assert.deepEqual([next.experiment, next.status], [following, 'running'], `${at}: after a verdict`);
        }
        if (next.status !== 'running') {
          assert.equal(next.status, next.uplift > 0 ? 'winner' : 'stopped', `${at}: verdict matches the uplift`);
        }
        assert.equal(next.variant, next.uplift > 0 ? 'B' : 'A', `${at}: the leading variant`);
        previous = next;
      }
      assert.ok(verdicts > 20, `seed ${seed}: experiments do conclude (${verdicts})`);
    }
  });

  it('lets crash-free sessions and GPU frame time cross their targets both ways', () => {
    for (const seed of SEEDS) {
      const s = story(seed);
      const kpis = Array.from({ length: TICKS }, () => s.kpis());
      const crash = kpis.map((k) => k.crash_free);
      const gpu = kpis.map((k) => k.p95_gpu);
      assert.ok(crash.some((v) => v < 99.5) && crash.some((v) => v >= 99.5), `seed ${seed}: crash-free ${crash}`);
      assert.ok(gpu.some((v) => v > 16.6) && gpu.some((v) => v <= 16.6), `seed ${seed}: p95 GPU ${gpu}`);
      assert.ok(crash.every((v) => v >= 98.8 && v <= 99.95));
    }
  });
});
