/**
 * Which tab of a share group holds the gateway connection (tab sharing, issue 17): the one holding the group's
 * Web Lock. The browser releases a lock when its tab closes or crashes, and grants it to the next tab in line,
 * so those failovers need no timer. A tab frozen in the background keeps its lock while running nothing: its
 * followers notice the silence of its heartbeat on the wall clock and take the lock from it (`steal`).
 */
import { timer } from '../core/backoff.js';
import { notify, type Unbind } from '../core/store.js';
import type { TabId } from './relay.js';
import type { TabLink, Term } from './tab-link.js';

export { sharingAvailable } from './available.js';

/** How a tab takes part in the election of its share group. */
export interface ElectionOptions {
  /** The lock's name, the same in every tab of the group (the tab link's channel name fits). */
  name: string;
  /** This tab, as named in its beats. */
  tab: TabId;
  /** The group's link: the leader beats on it, followers listen to it. */
  link: TabLink;
  /** This tab now leads: it opens the connection and serves the group. */
  onLead: () => void;
  /** This tab led and another took the lock from it (it was silent too long): it drops its connection. */
  onLose?: () => void;
  /** How many tabs the leader serves, itself included, for its beats (default: 1). */
  tabs?: () => number;
  /** How often the leader beats, in ms (default 500). */
  beatMs?: number;
  /** How long a follower waits without a beat before it takes the lock, in ms (default 2000). */
  silenceMs?: number;
}

/** A tab's part in the election. */
export interface Election {
  /** Tells whether this tab holds the lock now. */
  leading(): boolean;
  /** The term of the leadership this tab holds (the one it came to lead with), or else of the latest heard of. */
  term(): Term;
  /**
   * Leaves the election for good: a leader releases the lock (the next tab in line is granted it), a follower
   * leaves the line. Calling it again is harmless; to take part again, `elect` anew.
   */
  resign(): void;
}

/**
 * Enters this tab in the election of the group `name`: it queues for the group's lock and leads once granted,
 * until it resigns, its page goes away, or a follower takes the lock from it after `silenceMs` without a beat.
 * A tab that lost the lock queues again, as a follower. A second lock, `<name>|steal`, lets one follower at a
 * time take over. Browsers only: check {@link sharingAvailable} first.
 * @example
 * const election = elect({ name, tab, link, onLead: () => connect(), onLose: () => drop(), tabs: () => relay.tabCount });
 * // on disconnect(): election.resign();
 */
export function elect(options: ElectionOptions): Election {
  const { name, tab, link, onLead, onLose, tabs = () => 1, beatMs = 500, silenceMs = 2000 } = options;
  const locks = navigator.locks;
  const beats = timer();
  const watch = timer();
  let state: 'following' | 'leading' | 'resigned' = 'following';
  let lastBeat = Date.now(); // a leader that is there gets `silenceMs` to show itself
  let request: object | undefined; // the lock request in force; the callbacks of any other are stale
  let queued: AbortController | undefined; // withdraws a request still in line
  let release: (() => void) | undefined; // lets go of the held lock

  let heard = 0; // the term of the latest leadership heard of
  let mine = 0; // this tab's own, from when it came to lead: a woken leader still speaks with it
  const beat = (): void => {
    link.post({ kind: 'beat', leader: tab, tabs: tabs(), at: Date.now(), term: mine });
    beats.set(beat, beatMs);
  };

  const check = (): void => {
    if (state !== 'following') return;
    const left = lastBeat + silenceMs - Date.now();
    if (left > 0) watch.set(check, left);
    else takeOver();
  };

  const follow = (): void => {
    state = 'following';
    lastBeat = Date.now();
    check();
    void ask(false);
  };

  /**
   * Takes the lock from a silent leader. Followers that went without the same beats decide in the same instant:
   * a second lock lets one of them steal, while the others give the leader-to-be a new silence to show itself
   * (it beats as soon as it leads), instead of stealing from each other in turn.
   */
  const takeOver = (): void => {
    void locks.request(`${name}|steal`, { ifAvailable: true }, async (token) => {
      if (state !== 'following') return;
      if (!token) lastBeat = Date.now();
      // Without the token, or with a beat heard while asking for it: the silence starts over.
      if (!token || lastBeat + silenceMs > Date.now()) return check();
      await ask(true); // holds the token until this tab leads (or was refused)
    });
  };

  /**
   * Asks for the lock: in line behind the holder, or stealing it from a holder that went silent.
   * @returns a promise that settles once the lock was granted, or refused
   */
  const ask = (steal: boolean): Promise<void> => {
    // A request left in line would be granted to this tab later, which would then take the lock from itself.
    queued?.abort();
    const self = {};
    request = self;
    queued = steal ? undefined : new AbortController();
    let held = false;
    let answered!: () => void;
    const answer = new Promise<void>((resolve) => (answered = resolve));
    // `steal` cannot go with `signal` (NotSupportedError): a steal is granted at once, nothing to withdraw.
    const how: LockOptions = queued ? { signal: queued.signal } : { steal: true };
    locks
      .request(name, how, () => {
        answered();
        if (request !== self || state !== 'following') return undefined; // superseded: let go at once
        held = true;
        state = 'leading';
        mine = Math.max(Date.now(), heard + 1);
        queued = undefined;
        watch.clear();
        notify(onLead, undefined);
        beat();
        return new Promise<void>((resolve) => (release = resolve));
      })
      .catch(() => {
        answered();
        if (request !== self) return; // withdrawn: a steal or a resign replaced it
        if (!held) {
          // Refused for another reason (the page is going away): try again after a silence, not in a loop.
          lastBeat = Date.now();
          if (state === 'following') watch.set(check, silenceMs);
          return;
        }
        if (state !== 'leading') return;
        // A follower took the lock (an AbortError): the callback's promise no longer holds anything.
        beats.clear();
        release?.();
        release = undefined;
        if (onLose) notify(onLose, undefined);
        follow();
      });
    return answer;
  };

  const beatAt = (at: number): void => {
    // A beat's own time, not its arrival: a tab that wakes reads old beats late. Never ahead of this clock.
    lastBeat = Math.max(lastBeat, Math.min(at, Date.now()));
  };
  const unlisten: Unbind = link.on((message) => {
    if (message.kind !== 'beat' || message.term < heard) return; // a leader that was taken over and woke
    heard = message.term;
    if (message.leader !== tab && state === 'following') beatAt(message.at);
  });

  // Timers of a background tab are throttled: when the page shows again, check without waiting for them, but
  // after one beat's time, for the beats that queued up while this tab was frozen to be read first.
  const wake = timer();
  const onVisible = (): void => {
    if (document.visibilityState === 'visible' && state === 'following') wake.set(check, beatMs);
  };
  document.addEventListener('visibilitychange', onVisible);

  follow();
  return {
    leading: () => state === 'leading',
    term: () => (state === 'leading' ? mine : heard),
    resign() {
      if (state === 'resigned') return;
      state = 'resigned';
      request = undefined;
      for (const t of [beats, watch, wake]) t.clear();
      unlisten();
      document.removeEventListener('visibilitychange', onVisible);
      queued?.abort();
      release?.();
      release = undefined;
    },
  };
}
