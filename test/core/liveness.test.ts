/**
 * The dead-link rule (PROTOCOL.md §7.1), as a table: when a check runs, what it does. With a limit of 30 s the
 * grace is 5 s: a ping goes out after 25 s of silence, and the link is dead 5 s after an unanswered ping. Then
 * the watch that applies it to a connection, on a fake clock.
 */
import { expect } from '@open-wc/testing';
import { graceFor, linkCheck, watchLink, type LinkWatch } from '../../src/core/liveness.js';
import { installClock, type FakeClock } from '../helpers/fake-clock.js';

const MIN = 60_000;

describe('linkCheck', () => {
  const rows: [rule: string, now: number, heardAt: number, pingedAt: number, limit: number, does: string | number][] = [
    ['just heard: checks again when the silence nears the limit', 0, 0, 0, 30_000, 25_000],
    ['silent for a while: checks again at limit − grace', 10_000, 0, 0, 30_000, 15_000],
    ['silent up to limit − grace: pings', 25_000, 0, 0, 30_000, 'ping'],
    ['a check that runs ten minutes late only pings, never counts the link dead', 10 * MIN, 0, 0, 30_000, 'ping'],
    ['a ping out: waits for the grace', 27_000, 0, 25_000, 30_000, 3_000],
    ['a ping unanswered for the grace: dead', 30_000, 0, 25_000, 30_000, 'dead'],
    ['a ping unanswered long after (a late check): dead', 10 * MIN, 0, 25_000, 30_000, 'dead'],
    ['a frame after the ping answers it: silence counts from that frame', 27_000, 26_000, 25_000, 30_000, 24_000],
    ['a frame in the same instant as the ping counts as its answer', 27_000, 25_000, 25_000, 30_000, 23_000],
    ['a short heartbeat (3 s): ping after 4 s of silence', 4_000, 0, 0, 6_000, 'ping'],
    ['a short heartbeat (3 s): dead 2 s after the ping', 6_000, 0, 4_000, 6_000, 'dead'],
  ];
  for (const [rule, now, heardAt, pingedAt, limit, does] of rows) {
    it(rule, () => expect(linkCheck(now, heardAt, pingedAt, limit)).to.equal(does));
  }
});

describe('graceFor', () => {
  it('is a third of the limit, at most 5 s', () => {
    expect(graceFor(30_000)).to.equal(5_000);
    expect(graceFor(600_000)).to.equal(5_000);
    expect(graceFor(6_000)).to.equal(2_000);
    expect(graceFor(60)).to.equal(20);
    expect(graceFor(10_000)).to.equal(3_333); // whole ms
  });
});

describe('watchLink', () => {
  let clock: FakeClock;
  let pings: number[];
  let deaths: number[];
  let link: LinkWatch;

  beforeEach(() => {
    clock = installClock();
    pings = [];
    deaths = [];
    link = watchLink(
      () => pings.push(clock.now()),
      (silentMs) => deaths.push(silentMs),
    );
  });
  afterEach(() => {
    link.stop();
    clock.uninstall();
  });
  const since = (start: number, times: number[]): number[] => times.map((t) => t - start);

  it('pings at limit − grace of silence and declares the link dead a grace after an unanswered ping', async () => {
    const start = clock.now();
    link.start(30_000);
    await clock.tick(24_999);
    expect(pings).to.deep.equal([]);
    await clock.tick(1);
    expect(since(start, pings)).to.deep.equal([25_000]);
    await clock.tick(4_999);
    expect(deaths).to.deep.equal([]);
    await clock.tick(1);
    expect(deaths).to.deep.equal([30_000]);
    expect(clock.pending()).to.deep.equal([]); // nothing more until the next start
  });

  it('counts silence from the last frame heard', async () => {
    const start = clock.now();
    link.start(30_000);
    await clock.tick(20_000);
    link.heard();
    await clock.tick(25_000);
    expect(since(start, pings)).to.deep.equal([45_000]);
  });

  it('takes a frame after a ping as its answer: no death, the next ping after another limit − grace', async () => {
    const start = clock.now();
    link.start(30_000);
    await clock.tick(27_000); // pinged at 25 s
    link.heard();
    await clock.tick(10_000);
    expect(deaths).to.deep.equal([]);
    await clock.tick(15_000);
    expect(since(start, pings)).to.deep.equal([25_000, 52_000]);
  });

  it('only pings when its timer fires late, then waits for the grace', async () => {
    link.start(30_000);
    clock.jump(10 * 60_000); // a sleeping laptop: the check is ten minutes overdue
    await clock.tick(0);
    expect(pings.length).to.equal(1);
    expect(deaths).to.deep.equal([]);
    expect(clock.pending()).to.deep.equal([5_000]);
  });

  it('checks at once when asked (the page became visible again)', () => {
    link.start(30_000);
    clock.jump(26_000);
    link.check();
    expect(pings.length).to.equal(1);
  });

  it('pings on demand and checks again after the grace', async () => {
    link.start(6_000); // grace 2 s
    await clock.tick(1_000);
    link.ping(); // a ping in the instant of the last frame would count as answered: one second later
    expect(pings.length).to.equal(1);
    expect(clock.pending()).to.deep.equal([2_000]);
    await clock.tick(2_000);
    expect(deaths).to.deep.equal([3_000]);
  });

  it('does nothing while stopped, whatever is asked of it', async () => {
    link.check();
    link.start(30_000);
    link.stop();
    expect(clock.pending()).to.deep.equal([]);
    clock.jump(60_000);
    link.check();
    await clock.tick(60_000);
    expect(pings).to.deep.equal([]);
    expect(deaths).to.deep.equal([]);
  });

  it('starts over with a new limit: silence counts from the start and an earlier ping is forgotten', async () => {
    const start = clock.now();
    link.start(30_000);
    await clock.tick(26_000); // pinged at 25 s
    link.start(6_000); // a hello with a 3 s heartbeat
    await clock.tick(3_999);
    expect(since(start, pings)).to.deep.equal([25_000]);
    await clock.tick(1);
    expect(since(start, pings)).to.deep.equal([25_000, 30_000]);
    await clock.tick(2_000);
    expect(deaths).to.deep.equal([6_000]);
  });
});
