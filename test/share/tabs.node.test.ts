/**
 * Issue 17 for real: several pages (tabs) of one origin in one headless Chromium share one connection to a real
 * gateway. What the gateway sees comes from its `/rt/stats` (`total` connections, subscribers per topic) and its
 * sessions; what each tab sees from its client (test/share/fixtures/tab-app.ts). Harness:
 * test/share/fixtures/tabs-harness.ts. Needs Chromium (`CHROME_PATH`, default `/usr/bin/chromium`).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Page } from 'puppeteer-core';
import type { Gateway } from '../../server/index.js';
import type { TabApi } from './fixtures/tab-app.js';
import type { TabQuery } from './fixtures/tabs-harness.js';
import { Browsers, call, eventually, startGateway, stats, waitIn } from './fixtures/tabs-harness.js';

const SCOPES = ['tabs'];
const TOPIC = 'tabs.live';
const OTHER = 'tabs.other';

/** Waits until `condition` holds in every page. */
async function everyPage<A extends unknown[] | []>(
  pages: Page[],
  what: string,
  condition: (tab: TabApi, ...args: A) => boolean,
  args: A,
): Promise<void> {
  await Promise.all(pages.map((page, i) => waitIn(page, `tab ${i}: ${what}`, condition, args)));
}

/** Every tab's connection state. */
const statuses = (pages: Page[]) => Promise.all(pages.map((page) => call(page, 'status')));

/**
 * Waits until every tab is connected and checks that its status says whether it shares (`shared`, an object or
 * `null`): a client without sharing fails here at once, rather than after every wait for the tabs to share.
 */
async function connectedWithShared(pages: Page[]): Promise<void> {
  await everyPage(pages, 'connected', (tab) => tab.status().connected, []);
  for (const [i, status] of (await statuses(pages)).entries()) {
    assert.notEqual(
      status.shared,
      undefined,
      `tab ${i}: client.status has no \`shared\`: sharing is not wired in (#17)`,
    );
  }
}

// Each test well within its own bound (every wait is bounded by WAIT_MS); the suite's bound is their sum.
describe('tabs of one browser (issue 17, real Chromium and gateway)', { timeout: 300_000 }, () => {
  let browsers: Browsers;
  let running: Gateway | undefined;

  before(async () => {
    browsers = await Browsers.start();
  });
  afterEach(async () => {
    await browsers?.closeAll();
    await running?.close();
    running = undefined;
  });
  after(async () => {
    await browsers?.stop();
  });

  /** A fresh gateway serving TOPIC and OTHER, and the query of a tab holding TOPIC on it. */
  const world = async (query: Partial<TabQuery> = {}): Promise<{ gw: Gateway; query: TabQuery }> => {
    const gw = (running = await startGateway({ [TOPIC]: SCOPES, [OTHER]: SCOPES }));
    return { gw, query: { gw: gw.url, scopes: SCOPES, topics: [TOPIC], ...query } };
  };

  /** Publishes on `topic`; resolves once every page took the message in. */
  const publishSeen = async (g: Gateway, pages: Page[], topic: string, data: unknown): Promise<number> => {
    const { seq } = await g.publish(topic, data);
    await everyPage(pages, `got ${topic} #${seq}`, (tab, t, s) => tab.seqs(t).includes(s), [topic, seq]);
    return seq;
  };

  it('share: false: 8 pages, 8 connections', { timeout: 45_000 }, async () => {
    const { gw, query } = await world({ share: 'off' });
    const pages = await browsers.open(8, query);
    await everyPage(pages, `${TOPIC} live`, (tab, t) => tab.state(t).status === 'live', [TOPIC]);
    const seen = await eventually(
      '8 connections, 8 subscribers',
      () => stats(gw),
      (s) => s.total === 8,
    );
    assert.equal(seen[TOPIC], 8);
    for (const status of await statuses(pages)) assert.equal(status.shared ?? null, null, 'not sharing');
    const seq = await publishSeen(gw, pages, TOPIC, { n: 1 });
    for (const page of pages)
      assert.deepEqual(await call(page, 'state', TOPIC).then((s) => [s.seq, s.data]), [seq, { n: 1 }]);
  });

  for (const transport of ['websocket', 'sse'] as const) {
    it(`8 pages over ${transport}: 1 connection, every page live, one leader`, { timeout: 45_000 }, async () => {
      const { gw, query } = await world(transport === 'sse' ? { transport: 'sse' } : {});
      const pages = await browsers.open(8, query);
      await connectedWithShared(pages);
      await everyPage(
        pages,
        `${TOPIC} live, 8 tabs sharing`,
        (tab, t) => tab.state(t).status === 'live' && tab.status().connected && tab.status().shared?.tabs === 8,
        [TOPIC],
      );
      const seen = await eventually(
        '1 connection',
        () => stats(gw),
        (s) => s.total === 1,
      );
      assert.equal(seen[TOPIC], 1, 'one subscriber: the shared connection');
      const all = await statuses(pages);
      assert.deepEqual(
        all.map((s) => s.transport),
        pages.map(() => transport),
      );
      assert.equal(all.filter((s) => s.shared?.leader).length, 1, 'exactly one leader');
      const seq = await publishSeen(gw, pages, TOPIC, { n: 1 });
      for (const page of pages)
        assert.deepEqual(await call(page, 'state', TOPIC).then((s) => [s.seq, s.data]), [seq, { n: 1 }]);
      assert.equal((await stats(gw)).total, 1);
    });
  }

  for (const transport of ['websocket', 'sse'] as const) {
    it(
      `closing the leader over ${transport} while messages flow: no gap, no duplicate, a new connection`,
      { timeout: 45_000 },
      async (ctx) => {
        const { gw, query } = await world(transport === 'sse' ? { transport: 'sse' } : {});
        const pages = await browsers.open(4, query);
        await connectedWithShared(pages);
        await everyPage(
          pages,
          `${TOPIC} live, 4 tabs sharing`,
          (tab, t) => tab.state(t).status === 'live' && tab.status().shared?.tabs === 4,
          [TOPIC],
        );
        await eventually(
          '1 connection',
          () => stats(gw),
          (s) => s.total === 1,
        );
        const [old] = gw.hub.sessions;
        assert.ok(old, 'the shared connection');
        const leader = (await statuses(pages)).findIndex((s) => s.shared?.leader);
        assert.ok(leader >= 0, 'a leader');
        const connects: number[] = [];
        gw.hub.on('connect', (session) => session !== old && connects.push(Date.now()));

        // A few messages a second, a bounded number; the leader closes after the first three reached every tab.
        const COUNT = 20;
        const published: number[] = [];
        const publishing = (async () => {
          // Stops early if the test failed and its gateway is gone.
          for (let n = 1; n <= COUNT && running === gw; n++) {
            published.push((await gw.publish(TOPIC, { n })).seq);
            if (n < COUNT) await new Promise((resolve) => setTimeout(resolve, 200));
          }
        })();
        publishing.catch(() => {}); // awaited below; not unhandled if the test fails before
        await everyPage(pages, 'got 3 messages', (tab, t) => tab.seqs(t).length >= 3, [TOPIC]);
        const closedAt = Date.now();
        await browsers.close(pages[leader]!);
        const rest = pages.filter((_, i) => i !== leader);

        await eventually(
          'a new connection replaces the leader',
          () => ({ total: gw.hub.sessions.size, old: gw.hub.sessions.has(old) }),
          (s) => s.total === 1 && !s.old,
        );
        const failoverMs = (connects[0] ?? Date.now()) - closedAt;
        ctx.diagnostic(`${transport}: new connection ${failoverMs} ms after the leader closed`);
        assert.ok(failoverMs <= 3_000, `a new connection within ~2 s (took ${failoverMs} ms)`);
        await everyPage(
          rest,
          'a new leader, 3 tabs sharing',
          (tab) => tab.status().connected && tab.status().shared?.tabs === 3,
          [],
        );
        assert.equal((await statuses(rest)).filter((s) => s.shared?.leader).length, 1, 'exactly one new leader');

        await publishing;
        const last = published.at(-1)!;
        await everyPage(rest, `got the last message #${last}`, (tab, t, s) => tab.seqs(t).includes(s), [TOPIC, last]);
        for (const [i, page] of rest.entries()) {
          const seqs = await call(page, 'seqs', TOPIC);
          assert.deepEqual(seqs, published, `tab ${i}: every message once, in order`);
          const { stats: topicStats } = await call(page, 'state', TOPIC);
          assert.deepEqual([topicStats.gaps, topicStats.resets], [0, 0], `tab ${i}: no gap, no reset`);
          const raw = await call(page, 'raw', TOPIC);
          const twice = raw.filter((seq, k) => raw.indexOf(seq) !== k);
          if (twice.length > 0)
            ctx.diagnostic(`tab ${i}: msg #${twice.join(', #')} reached the client twice (it dropped it)`);
        }
        assert.equal((await stats(gw)).total, 1);
      },
    );
  }

  it(
    'a follower subscribing makes the connection subscribe; the last tab leaving unsubscribes it',
    { timeout: 45_000 },
    async () => {
      const { gw, query } = await world({ linger: 200 });
      const pages = await browsers.open(3, query);
      await connectedWithShared(pages);
      await everyPage(
        pages,
        `${TOPIC} live, 3 tabs sharing`,
        (tab, t) => tab.state(t).status === 'live' && tab.status().shared?.tabs === 3,
        [TOPIC],
      );
      await eventually(
        '1 connection',
        () => stats(gw),
        (s) => s.total === 1,
      );
      assert.equal((await stats(gw))[OTHER], 0);
      const all = await statuses(pages);
      const [a, b] = pages.filter((_, i) => !all[i]!.shared?.leader);
      assert.ok(a && b, 'two followers');

      await call(a, 'subscribe', OTHER);
      await waitIn(a, `${OTHER} live`, (tab, t) => tab.state(t).status === 'live', [OTHER]);
      await eventually(
        `the gateway has a subscriber on ${OTHER}`,
        () => stats(gw),
        (s) => s[OTHER] === 1,
      );
      const first = (await gw.publish(OTHER, { n: 1 })).seq;
      await waitIn(a, `${OTHER} #${first}`, (tab, t, s) => tab.state(t).seq === s, [OTHER, first]);

      // A second follower joining a topic the connection holds gets its current value at once.
      await call(b, 'subscribe', OTHER);
      await waitIn(
        b,
        `${OTHER} live with #${first}`,
        (tab, t, s) => tab.state(t).status === 'live' && tab.state(t).seq === s,
        [OTHER, first],
      );
      assert.deepEqual(await call(b, 'state', OTHER).then((s) => s.data), { n: 1 });
      assert.deepEqual(await stats(gw).then((s) => [s.total, s[OTHER]]), [1, 1]);

      // The first one lets go (its linger ends): the other still gets messages, the gateway still has it.
      await call(a, 'unsubscribe', OTHER);
      await waitIn(a, `${OTHER} idle`, (tab, t) => tab.state(t).status === 'idle', [OTHER]);
      const second = (await gw.publish(OTHER, { n: 2 })).seq;
      await waitIn(b, `${OTHER} #${second}`, (tab, t, s) => tab.state(t).seq === s, [OTHER, second]);
      assert.equal((await stats(gw))[OTHER], 1);

      // The last one lets go: after the linger the gateway has no subscriber on it; TOPIC stays.
      await call(b, 'unsubscribe', OTHER);
      await waitIn(b, `${OTHER} idle`, (tab, t) => tab.state(t).status === 'idle', [OTHER]);
      const seen = await eventually(
        `no subscriber left on ${OTHER}`,
        () => stats(gw),
        (s) => s[OTHER] === 0,
      );
      assert.deepEqual([seen.total, seen[TOPIC]], [1, 1]);
      await publishSeen(gw, pages, TOPIC, { n: 3 });
    },
  );
});
