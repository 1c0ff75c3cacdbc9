/**
 * Leader election with Web Locks, in real Chromium: several "tabs" are several candidates in one page, each with its
 * own link (BroadcastChannel) and its own lock requests; Web Locks are per origin, so they contend as tabs would.
 * Lock grants and messages are real; waits are for events, each bounded. Where a test needs silence, it is a
 * short real one (`silenceMs` 300) or a fake clock's jump.
 */
import { expect } from '@open-wc/testing';
import { elect, sharingAvailable, type Election, type ElectionOptions } from '../../src/share/election.js';
import { tabLink, type TabLink, type TabMessage } from '../../src/share/tab-link.js';
import { installClock, type FakeClock } from '../helpers/fake-clock.js';
import { eventually, untilEvent } from '../helpers/until.js';

// Saved before any fake clock replaces them: the bounds of the waits below are real time.
const realTimeout = globalThis.setTimeout;
const realClear = globalThis.clearTimeout;
const realNow = Date.now;

/** Resolves as `promise` does, or fails after `ms` of real time, naming `what`. */
function within<T>(promise: Promise<T>, what: string, ms = 3_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timeout = realTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms);
    promise.then(
      (value) => (realClear(timeout), resolve(value)),
      (error: unknown) => (realClear(timeout), reject(error)),
    );
  });
}

/** A simulated tab: its link, its election, and what happened to it. */
interface Tab {
  id: string;
  /** Its link, unaffected by `frozen`. */
  link: TabLink;
  election: Election;
  /** A frozen tab runs nothing: it posts no beat, yet keeps its lock. */
  frozen: boolean;
  leads: number;
  loses: number;
  /** Beats this tab heard from a leader, and the `at` of the latest. */
  beats: number;
  lastBeatAt: number;
  /** When it last began to lead (real wall clock). */
  ledAt: number;
  /** Dispatches `lead`, `lose` and `beat` as they happen. */
  events: EventTarget;
}

const BEAT_MS = 50;
const SILENCE_MS = 300;

describe('elect', () => {
  let name: string;
  let tabs: Tab[];
  let links: TabLink[];

  const tab = (id: string, options: Partial<ElectionOptions> = {}): Tab => {
    const link = tabLink(name, id);
    links.push(link);
    const events = new EventTarget();
    const t: Tab = {
      ...{ id, link, frozen: false, leads: 0, loses: 0, beats: 0, lastBeatAt: 0, ledAt: 0, events },
      election: undefined as never,
    };
    link.on((m: TabMessage) => {
      if (m.kind !== 'beat') return;
      t.beats++;
      t.lastBeatAt = Math.max(t.lastBeatAt, m.at);
      events.dispatchEvent(new Event('beat'));
    });
    // Freezing drops what the tab posts: its beat timer is as good as stopped, its lock still held.
    const frozenLink: TabLink = { ...link, post: (m) => t.frozen || link.post(m) };
    t.election = elect({
      name,
      tab: id,
      link: frozenLink,
      beatMs: BEAT_MS,
      silenceMs: SILENCE_MS,
      onLead: () => {
        t.leads++;
        t.ledAt = realNow();
        events.dispatchEvent(new Event('lead'));
      },
      onLose: () => {
        t.loses++;
        events.dispatchEvent(new Event('lose'));
      },
      ...options,
    });
    tabs.push(t);
    return t;
  };

  /** Resolves once `t` has led `count` times in all. */
  const leads = (t: Tab, count = 1): Promise<void> =>
    within(
      untilEvent(t.events, 'lead', () => t.leads >= count),
      `${t.id} leads`,
    );
  /** Resolves with the first of `candidates` to lead from now on. */
  const anyLeads = (candidates: Tab[]): Promise<Tab> => {
    const before = candidates.map((t) => t.leads);
    return within(
      Promise.race(candidates.map((t, i) => untilEvent(t.events, 'lead', () => t.leads > before[i]!).then(() => t))),
      'one of them leads',
    );
  };
  const leaders = (): string[] => tabs.filter((t) => t.election.leading()).map((t) => t.id);
  /** Resolves with the same tabs once one leads: the leader first, then the followers in their order. */
  const elected = async <T extends Tab[]>(candidates: [...T]): Promise<T> => {
    const leader = await anyLeads(candidates);
    return [leader, ...candidates.filter((t) => t !== leader)] as T;
  };
  /**
   * Resolves once the browser's lock manager shows `held` holders of the lock and `pending` tabs in line. Polled:
   * Chromium sends a request to its lock manager after a check of its own, so a query may overtake it.
   */
  const lockShows = (held: number, pending: number): Promise<void> =>
    eventually(
      async () => {
        const state = await navigator.locks.query();
        const ours = (infos: LockInfo[] = []) => infos.filter((l) => l.name === name).length;
        return ours(state.held) === held && ours(state.pending) === pending;
      },
      { what: `the lock held ${held}, ${pending} in line` },
    );

  beforeEach(() => {
    name = `lydian-test:${crypto.randomUUID()}`;
    tabs = [];
    links = [];
  });
  afterEach(() => {
    for (const t of tabs) t.election.resign();
    for (const l of links) l.close();
  });

  it('is available in a page with BroadcastChannel and Web Locks', () => {
    expect(sharingAvailable()).to.be.true;
  });

  it('elects exactly one of four tabs, and the others wait in line', async () => {
    const [leader] = await elected([tab('a'), tab('b'), tab('c'), tab('d')]);
    await lockShows(1, 3);
    expect(leaders()).to.deep.equal([leader.id]);
  });

  it('keeps its leader while it beats: followers hear beats for longer than the silence, and none takes over', async () => {
    const [leader, ...followers] = await elected([tab('a'), tab('b'), tab('c')]);
    const listener = followers[1]!;
    // More beats than fit in a follower's silence, twice over.
    const enough = Math.ceil(SILENCE_MS / BEAT_MS) * 2;
    await within(
      untilEvent(listener.events, 'beat', () => listener.beats >= enough),
      `${enough} beats`,
    );
    expect(tabs.map((t) => [t.id, t.leads, t.loses])).to.deep.equal(tabs.map((t) => [t.id, t === leader ? 1 : 0, 0]));
    expect(leaders()).to.deep.equal([leader.id]);
  });

  it('hands over at once when the leader resigns: a tab in line leads, one who left the line does not', async () => {
    const [leader, quitter, ...inLine] = await elected([tab('a'), tab('b'), tab('c'), tab('d')]);
    quitter.election.resign(); // leaves the line before its turn
    leader.election.resign();
    leader.election.resign(); // harmless
    const next = await anyLeads(inLine);
    await lockShows(1, 1);
    expect(leaders()).to.deep.equal([next.id]);
    expect([leader.loses, quitter.leads]).to.deep.equal([0, 0]);
  });

  it('replaces a frozen leader: a follower steals the lock after the silence, and the old leader loses it', async () => {
    const [leader, ...followers] = await elected([tab('a'), tab('b'), tab('c'), tab('d')]);
    await within(
      untilEvent(followers[0]!.events, 'beat', () => followers[0]!.beats > 0),
      'a beat',
    );
    leader.frozen = true;
    const lost = within(
      untilEvent(leader.events, 'lose', () => leader.loses > 0),
      'the old leader loses the lock',
    );
    const next = await anyLeads(followers);
    await lost;
    // The silence counts from the last beat the followers heard (its `at`), however late the timers ran.
    const lastBeat = Math.max(...followers.map((t) => t.lastBeatAt));
    expect(next.ledAt - lastBeat).to.be.at.least(SILENCE_MS);
    expect(leader.election.leading()).to.be.false;
    // The old leader queues again behind the new one, as a follower.
    await lockShows(1, 3);
    // One follower stole; the others saw it busy and waited for its beats instead of stealing in turn.
    expect(leaders()).to.deep.equal([next.id]);
    expect(followers.map((t) => t.leads).sort()).to.deep.equal([0, 0, 1]);
  });

  it('lets a tab that lost the lock lead again when its turn comes', async () => {
    const [first, second] = await elected([tab('a'), tab('b')]);
    first.frozen = true;
    await leads(second);
    first.frozen = false;
    second.election.resign();
    await leads(first, 2);
    expect([first.loses, leaders()]).to.deep.equal([1, [first.id]]);
  });

  it('does not call onLose when it resigns, and lets go of the lock for a newcomer', async () => {
    const a = tab('a');
    await leads(a);
    a.election.resign();
    const b = tab('b');
    await leads(b);
    expect([a.loses, a.election.leading(), leaders()]).to.deep.equal([0, false, ['b']]);
  });

  describe('on a wall clock that jumps (timers throttled in a background tab)', () => {
    let clock: FakeClock;
    beforeEach(() => (clock = installClock(realNow())));
    afterEach(() => clock.uninstall());

    const show = (): void => {
      Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
      try {
        document.dispatchEvent(new Event('visibilitychange'));
      } finally {
        delete (document as { visibilityState?: unknown }).visibilityState;
      }
    };

    it('takes the lock from a silent leader once the page shows again', async () => {
      const [leader, follower] = await elected([tab('a'), tab('b')]);
      leader.frozen = true;
      clock.jump(SILENCE_MS); // no timer ran meanwhile
      const checks = (): number => clock.pending().filter((ms) => ms === BEAT_MS).length;
      expect(checks()).to.equal(0);
      show();
      expect(checks()).to.equal(1, 'a check one beat after the page shows');
      await clock.tick(BEAT_MS);
      await leads(follower);
      expect(leader.loses).to.equal(1);
    });

    it('reads the beats that queued up while it slept before judging the leader', async () => {
      const [leader, follower] = await elected([tab('a'), tab('b')]);
      leader.frozen = true;
      clock.jump(SILENCE_MS);
      show();
      // A beat sent just now, read after the page showed: the leader is alive.
      const at = clock.now();
      leader.link.post({ kind: 'beat', leader: leader.id, tabs: 2, at, term: leader.election.term() });
      await within(
        untilEvent(follower.events, 'beat', () => follower.lastBeatAt >= at),
        'the late beat',
      );
      await clock.tick(BEAT_MS);
      await navigator.locks.query(); // after a steal request, if one went out
      await clock.settle();
      expect([leader.loses, follower.leads, leaders()]).to.deep.equal([0, 0, [leader.id]]);
    });
  });
});
