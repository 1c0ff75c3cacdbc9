/**
 * The dead-link rule (PROTOCOL.md §7.1), as a table: when a check runs, what it does. With a limit of 30 s the
 * grace is 5 s: a ping goes out after 25 s of silence, and the link is dead 5 s after an unanswered ping.
 */
import { expect } from '@open-wc/testing';
import { graceFor, linkCheck } from '../../src/core/liveness.js';

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
  });
});
