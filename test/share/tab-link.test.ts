/**
 * The link between the tabs of a share group, in real Chromium: several "tabs" are several links in one page, each
 * with its own BroadcastChannel (instances of one name deliver to each other, never to themselves).
 */
import { expect } from '@open-wc/testing';
import { parseTabMessage, tabLink, type TabLink, type TabMessage } from '../../src/share/tab-link.js';
import { catchUncaught } from '../helpers/uncaught.js';

const realTimeout = globalThis.setTimeout;

/** Resolves with the first `count` messages `link` delivers from now on; fails after `ms` (a bound, not a wait). */
function receive(link: TabLink, count: number, ms = 3_000): Promise<TabMessage[]> {
  return new Promise((resolve, reject) => {
    const got: TabMessage[] = [];
    const timeout = realTimeout(() => {
      stop();
      reject(new Error(`received ${got.length} of ${count} messages: ${JSON.stringify(got)}`));
    }, ms);
    const stop = link.on((message) => {
      got.push(message);
      if (got.length < count) return;
      stop();
      clearTimeout(timeout);
      resolve(got);
    });
  });
}

const SENTINEL: TabMessage = { kind: 'leave', tab: 'sentinel' };

describe('tabLink', () => {
  let name: string;
  let links: TabLink[];
  const open = (self?: string): TabLink => {
    const link = tabLink(name, self);
    links.push(link);
    return link;
  };
  beforeEach(() => {
    name = `lydian-test:${crypto.randomUUID()}`;
    links = [];
  });
  afterEach(() => links.forEach((l) => l.close()));

  it('carries every kind of message to the other tabs of its group, in order', async () => {
    const [leader, follower, other] = [open('L'), open('F'), open('O')];
    const messages: TabMessage[] = [
      { kind: 'join', tab: 'F' },
      { kind: 'up', tab: 'F', frame: { type: 'sub', topic: 'kpis.s2', since: 4, epoch: 'e1' } },
      { kind: 'down', to: 'F', term: 1, frame: { type: 'sub.ok', topic: 'kpis.s2', seq: 5, epoch: 'e1' } },
      { kind: 'down', term: 1, frame: { type: 'msg', topic: 'kpis.s2', seq: 6, ts: 1, data: { v: [1, 2] } } },
      { kind: 'beat', leader: 'L', tabs: 2, at: 1_700_000_000_000, term: 1 },
      { kind: 'end', code: 4401, reason: 'expired', term: 1 },
      { kind: 'leave', tab: 'F' },
    ];
    const atLeader = receive(leader, 3);
    const atFollower = receive(follower, 4);
    const atOther = receive(other, 6);
    follower.post(messages[0]!);
    follower.post(messages[1]!);
    for (const m of messages.slice(2, 6)) leader.post(m);
    follower.post(messages[6]!);
    expect(await atLeader).to.deep.equal([messages[0], messages[1], messages[6]]);
    expect(await atFollower).to.deep.equal(messages.slice(2, 6));
    // O is a third tab: it hears everything but the down addressed to F.
    expect(await atOther).to.deep.equal([messages[0], messages[1], messages[3], messages[4], messages[5], messages[6]]);
  });

  it('delivers every down to a link opened without a tab', async () => {
    const [leader, all] = [open('L'), open()];
    const got = receive(all, 2);
    const frame = { type: 'pong' } as const;
    leader.post({ kind: 'down', to: 'F', term: 1, frame });
    leader.post({ kind: 'down', to: 'G', term: 1, frame });
    expect((await got).map((m) => m.kind === 'down' && m.to)).to.deep.equal(['F', 'G']);
  });

  it('does not cross to another group', async () => {
    const [a, b] = [open('A'), open('B')];
    const elsewhere = tabLink(`${name}|other`, 'X');
    links.push(elsewhere);
    const heard: TabMessage[] = [];
    elsewhere.on((m) => heard.push(m));
    const got = receive(b, 1);
    elsewhere.post({ kind: 'join', tab: 'X' });
    a.post(SENTINEL);
    await got;
    expect(heard).to.deep.equal([]);
  });

  it('ignores malformed messages and delivers the valid one after them', async () => {
    const link = open('F');
    const raw = new BroadcastChannel(name);
    const got = receive(link, 1);
    const junk: unknown[] = [
      'join',
      null,
      [{ kind: 'join', tab: 'x' }],
      { kind: 'nope', tab: 'x' },
      { kind: 'join' },
      { kind: 'join', tab: '' },
      { kind: 'leave', tab: 7 },
      { kind: 'up', tab: 'x', frame: { type: 'nope' } },
      { kind: 'up', tab: 'x', frame: { type: 'sub', topic: 'bad topic!' } },
      { kind: 'up', frame: { type: 'ping' } },
      { kind: 'up', tab: 'x', frame: 'ping' },
      { kind: 'down', term: 1, frame: { type: 'msg', topic: 'kpis.s2', seq: 0, ts: 1, data: 1 } },
      { kind: 'down', term: 1, frame: { type: 'sub.ok', topic: 'kpis.s2', seq: 1 } },
      { kind: 'down', term: 1, to: 5, frame: { type: 'pong' } },
      { kind: 'down', term: 1, frame: { type: 'msg', topic: 'kpis.s2', seq: 1, ts: 1, data: 10n } },
      { kind: 'beat', leader: 'L', tabs: -1, at: 1 },
      { kind: 'beat', leader: 'L', tabs: 1.5, at: 1 },
      { kind: 'beat', leader: 'L', tabs: 1, at: Infinity },
      { kind: 'beat', tabs: 1, at: 1 },
      { kind: 'end', code: '4401', reason: 'expired' },
      { kind: 'end', code: 4401, term: 1 },
      { kind: 'end', code: 4401, reason: 'expired' },
      { kind: 'down', frame: { type: 'pong' } },
      { kind: 'beat', leader: 'L', tabs: 1, at: 1, term: -1 },
    ];
    for (const message of junk) raw.postMessage(message);
    raw.postMessage(SENTINEL);
    try {
      expect(await got).to.deep.equal([SENTINEL]);
    } finally {
      raw.close();
    }
  });

  it('stops calling a listener once unbound, and only that one', async () => {
    const [a, b] = [open('A'), open('B')];
    const calls: string[] = [];
    const stop = b.on(() => calls.push('first'));
    b.on(() => calls.push('second'));
    stop();
    stop(); // harmless
    const got = receive(b, 1);
    a.post(SENTINEL);
    await got;
    expect(calls).to.deep.equal(['second']);
  });

  it('keeps calling the other listeners when one throws, and reports the error to the page', async () => {
    const uncaught = catchUncaught();
    try {
      const [a, b] = [open('A'), open('B')];
      b.on(() => {
        throw new Error('listener failed');
      });
      const got = receive(b, 1);
      a.post(SENTINEL);
      expect(await got).to.deep.equal([SENTINEL]);
      await uncaught.settle();
      expect(uncaught.errors.map((e) => (e as Error).message)).to.deep.equal(['listener failed']);
    } finally {
      uncaught.restore();
    }
  });

  it('neither posts nor delivers once closed, and closes twice harmlessly', async () => {
    const [a, b, c] = [open('A'), open('B'), open('C')];
    const heardByB: TabMessage[] = [];
    b.on((m) => heardByB.push(m));
    b.close();
    b.close();
    b.post({ kind: 'join', tab: 'B' }); // no throw, nothing sent
    const got = receive(c, 1);
    a.post(SENTINEL);
    expect(await got).to.deep.equal([SENTINEL]);
    expect(heardByB).to.deep.equal([]);
  });
});

describe('parseTabMessage', () => {
  it('keeps only the known fields, of the message and of its frame', () => {
    expect(parseTabMessage({ kind: 'leave', tab: 't1', extra: 1 })).to.deep.equal({ kind: 'leave', tab: 't1' });
    expect(
      parseTabMessage({ kind: 'up', tab: 't1', frame: { type: 'sub', topic: 'kpis.s2', junk: true } }),
    ).to.deep.equal({ kind: 'up', tab: 't1', frame: { type: 'sub', topic: 'kpis.s2' } });
  });

  it('leaves out an absent `to`, so a down to every tab has none', () => {
    expect(parseTabMessage({ kind: 'down', term: 1, frame: { type: 'ping' } })).to.deep.equal({
      kind: 'down',
      term: 1,
      frame: { type: 'ping' },
    });
  });

  it('refuses a frame that cannot be JSON (a cycle)', () => {
    const data: Record<string, unknown> = {};
    data['self'] = data;
    expect(
      parseTabMessage({ kind: 'down', term: 1, frame: { type: 'msg', topic: 'kpis.s2', seq: 1, ts: 1, data } }),
    ).to.equal(undefined);
  });

  it('takes a join with the topics a tab holds, each fresh or with since and epoch, and nothing malformed', () => {
    const topics = [{ topic: 'kpis.s2' }, { topic: 'ab.status', since: 3, epoch: 'e1', x: 1 }];
    expect(parseTabMessage({ kind: 'join', tab: 't1', topics })).to.deep.equal({
      kind: 'join',
      tab: 't1',
      topics: [{ topic: 'kpis.s2' }, { topic: 'ab.status', since: 3, epoch: 'e1' }],
    });
    for (const bad of [
      'kpis.s2',
      [{ topic: 'Bad Topic' }],
      [{ topic: 'kpis.s2', since: 3 }],
      [{ topic: 'kpis.s2', since: -1, epoch: 'e' }],
      [{ topic: 'kpis.s2', since: 1.5, epoch: 'e' }],
      [{ topic: 'kpis.s2', since: 1, epoch: 7 }],
      [null],
    ]) {
      expect(parseTabMessage({ kind: 'join', tab: 't1', topics: bad }), JSON.stringify(bad)).to.equal(undefined);
    }
  });
});
