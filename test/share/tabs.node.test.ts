/**
 * Issue 17 for real: several pages (tabs) of one origin in one headless Chromium share one connection to a real
 * gateway. What the gateway sees comes from its `/rt/stats` (`total` connections, subscribers per topic) and its
 * sessions; what each tab sees from its client (test/share/fixtures/tab-app.ts). Harness:
 * test/share/fixtures/tabs-harness.ts. Needs Chromium (`CHROME_PATH`, default `/usr/bin/chromium`).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
  const world = async (
    query: Partial<TabQuery> = {},
    gateway: { maxConnectionAgeMs?: number } = {},
  ): Promise<{ gw: Gateway; query: TabQuery }> => {
    const gw = (running = await startGateway({ [TOPIC]: SCOPES, [OTHER]: SCOPES }, gateway));
    return { gw, query: { gw: gw.url, scopes: SCOPES, topics: [TOPIC], ...query } };
  };

  /**
   * Waits until 4 pages share one live connection with TOPIC, and tells which it is and which page leads it.
   */
  const sharedByFour = async (gw: Gateway, pages: Page[]) => {
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
    return { old, leader };
  };

  /**
   * Publishes `count` messages on TOPIC, one every 200 ms (a few a second, a bounded number); stops early if the
   * test failed and its gateway is gone. `published` grows as they go; `done` settles after the last.
   */
  const publishSteadily = (gw: Gateway, count: number) => {
    const published: number[] = [];
    const done = (async () => {
      for (let n = 1; n <= count && running === gw; n++) {
        published.push((await gw.publish(TOPIC, { n })).seq);
        if (n < count) await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    done.catch(() => {}); // awaited by the test; not unhandled if it fails before
    return { published, done };
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

  const failovers = [
    ['websocket', 'closing'],
    ['sse', 'closing'],
    ['websocket', 'crashing'],
  ] as const;
  for (const [transport, end] of failovers) {
    it(
      `${end} the leader over ${transport} while messages flow: no gap, no duplicate, a new connection`,
      { timeout: 45_000 },
      async (ctx) => {
        const { gw, query } = await world(transport === 'sse' ? { transport: 'sse' } : {});
        const pages = await browsers.open(4, query);
        const { old, leader } = await sharedByFour(gw, pages);
        const connects: number[] = [];
        gw.hub.on('connect', (session) => session !== old && connects.push(Date.now()));

        // The leader closes after the first three reached every tab.
        const { published, done: publishing } = publishSteadily(gw, 20);
        await everyPage(pages, 'got 3 messages', (tab, t) => tab.seqs(t).length >= 3, [TOPIC]);
        const closedAt = Date.now();
        await (end === 'crashing' ? browsers.crash(pages[leader]!) : browsers.close(pages[leader]!));
        const rest = pages.filter((_, i) => i !== leader);

        await eventually(
          'a new connection replaces the leader',
          () => ({ total: gw.hub.sessions.size, old: gw.hub.sessions.has(old) }),
          (s) => s.total === 1 && !s.old,
        );
        const failoverMs = (connects[0] ?? Date.now()) - closedAt;
        ctx.diagnostic(`${transport}: new connection ${failoverMs} ms after ${end} the leader`);
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
          // Not even on the wire: the new connection resumed from where every tab was.
          const raw = await call(page, 'raw', TOPIC);
          assert.deepEqual(raw, published, `tab ${i}: every message reached its client once`);
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

  it(
    'a gateway closing the shared SSE stream (1012): every tab resumes on one new stream, nothing lost',
    {
      timeout: 45_000,
    },
    async () => {
      const { gw, query } = await world({ transport: 'sse' });
      const pages = await browsers.open(4, query);
      await connectedWithShared(pages);
      await everyPage(
        pages,
        '4 tabs sharing',
        (tab, t) => tab.state(t).status === 'live' && tab.status().shared?.tabs === 4,
        [TOPIC],
      );
      const [old] = gw.hub.sessions;
      assert.ok(old, 'the shared stream');
      const first = await publishSeen(gw, pages, TOPIC, { n: 1 });
      let connects = 0;
      gw.hub.on('connect', () => connects++);
      old.close(1012, 'service_restart'); // as a gateway that restarts
      await eventually(
        'a new stream',
        () => [...gw.hub.sessions],
        (sessions) => sessions.length === 1 && sessions[0] !== old,
      );
      const second = (await gw.publish(TOPIC, { n: 2 })).seq;
      await everyPage(
        pages,
        `4 tabs sharing, got #${second}`,
        (tab, t, seq) => tab.status().shared?.tabs === 4 && tab.seqs(t).includes(seq),
        [TOPIC, second],
      );
      for (const page of pages) assert.deepEqual(await call(page, 'seqs', TOPIC), [first, second]);
      assert.equal(connects, 1, "one new stream, opened once with every tab's topics");
    },
  );

  it(
    "the leader renews the shared connection's authority in band: no tab reconnects",
    { timeout: 45_000 },
    async () => {
      const { gw, query } = await world({}, { maxConnectionAgeMs: 4_000 });
      const pages = await browsers.open(3, query);
      await connectedWithShared(pages);
      await everyPage(pages, '3 tabs sharing', (tab) => tab.status().shared?.tabs === 3, []);
      const [session] = gw.hub.sessions;
      const all = await statuses(pages);
      const leader = pages[all.findIndex((s) => s.shared?.leader)]!;
      const first = all.find((s) => s.shared?.leader)!.expiresAt;
      assert.ok(first, 'the leader knows when the authority ends');
      assert.deepEqual(
        all.filter((s) => !s.shared?.leader).map((s) => s.expiresAt),
        [null, null],
        'the followers are not told: they never refresh',
      );
      await waitIn(leader, 'a refresh moved the end', (tab, end) => (tab.status().expiresAt ?? 0) > end, [first]);
      assert.deepEqual([...gw.hub.sessions], [session], 'the same connection');
      for (const status of await statuses(pages)) assert.equal(status.stats.reconnectCount, 0);
      await publishSeen(gw, pages, TOPIC, { n: 1 });
    },
  );

  it('a ticket endpoint that fails is told in every tab, not only the leading one', { timeout: 45_000 }, async () => {
    // Answers every ticket request 503, readable from the pages' origin.
    const failing = http.createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' });
      res.end('ticket service down');
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = failing.address() as AddressInfo;
      const { query } = await world({ auth: `http://127.0.0.1:${port}/rt/ticket` });
      const pages = await browsers.open(3, query);
      await everyPage(
        pages,
        'the ticket error in status.error',
        (tab) => tab.status().error?.source === 'ticket' && tab.status().error?.code === 503,
        [],
      );
    } finally {
      failing.closeAllConnections();
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }
  });

  for (const end of ['closing', 'crashing'] as const) {
    it(
      `${end} a follower that holds a topic alone: the leader counts it gone and unsubscribes the topic`,
      { timeout: 45_000 },
      async () => {
        const { gw, query } = await world({ linger: 100 });
        const pages = await browsers.open(3, query);
        await connectedWithShared(pages);
        await everyPage(pages, '3 tabs sharing', (tab) => tab.status().shared?.tabs === 3, []);
        const all = await statuses(pages);
        const leader = pages[all.findIndex((s) => s.shared?.leader)]!;
        const [follower] = pages.filter((_, i) => !all[i]!.shared?.leader);
        assert.ok(follower, 'a follower');
        await call(follower, 'subscribe', OTHER);
        await eventually(
          `the gateway has a subscriber on ${OTHER}`,
          () => stats(gw),
          (s) => s[OTHER] === 1,
        );
        // The page goes away without a word (a crash says nothing at all): the browser tells the leader.
        await (end === 'crashing' ? browsers.crash(follower) : browsers.close(follower));
        await waitIn(leader, '2 tabs sharing', (tab) => tab.status().shared?.tabs === 2, []);
        const seen = await eventually(
          `no subscriber left on ${OTHER}`,
          () => stats(gw),
          (s) => s[OTHER] === 0,
        );
        assert.deepEqual([seen.total, seen[TOPIC]], [1, 1]);
      },
    );
  }

  it(
    'a frozen leader: the others take over on the wall clock, with no gap; woken, it follows',
    { timeout: 45_000 },
    async (ctx) => {
      const { gw, query } = await world();
      const pages = await browsers.open(4, query);
      const { old, leader } = await sharedByFour(gw, pages);
      const frozen = pages[leader]!;
      const rest = pages.filter((_, i) => i !== leader);
      const connects: number[] = [];
      gw.hub.on('connect', (session) => session !== old && connects.push(Date.now()));
      let oldClosed: { at: number; code: number | undefined } | undefined;
      gw.hub.on('disconnect', (session, code) => session === old && (oldClosed = { at: Date.now(), code }));

      // The leader is frozen after the first three reached every tab, and woken while they still flow, once the
      // others got one over their new connection.
      const { published, done: publishing } = publishSteadily(gw, 30);
      await everyPage(pages, 'got 3 messages', (tab, t) => tab.seqs(t).length >= 3, [TOPIC]);
      await browsers.lifecycle(frozen, 'frozen');
      const frozenAt = Date.now();

      // Its lock stays held and its socket open: only the silence of its beats tells the others.
      await eventually(
        'a new connection beside the frozen leader’s',
        () => connects.length,
        (n) => n > 0,
      );
      const takeoverMs = connects[0]! - frozenAt;
      ctx.diagnostic(`new connection ${takeoverMs} ms after the leader froze`);
      assert.ok(takeoverMs <= 4_000, `a new connection within the silence (2 s) and a connect (took ${takeoverMs} ms)`);
      await everyPage(
        rest,
        'a new leader, 3 tabs sharing',
        (tab) => tab.status().connected && tab.status().shared?.tabs === 3,
        [],
      );
      assert.equal((await statuses(rest)).filter((s) => s.shared?.leader).length, 1, 'exactly one new leader');
      const { total: whileFrozen } = await stats(gw);
      ctx.diagnostic(`${whileFrozen} connection(s) at the gateway while the old leader is frozen`);

      // Woken while messages flow: it learns it lost the lock, closes its connection and follows.
      const before = published.length;
      const next = await eventually(
        'a message published over the new connection',
        () => published[before] ?? 0, // seqs start at 1
        (seq) => seq > 0,
      );
      await everyPage(rest, `got #${next}`, (tab, t, s) => tab.seqs(t).includes(s), [TOPIC, next]);
      const reconnects = (await statuses(rest)).map((s) => s.stats.reconnectCount);
      const waking = Date.now();
      await browsers.lifecycle(frozen, 'active');
      const wokenAt = Date.now();
      await waitIn(
        frozen,
        'the woken leader follows',
        (tab) => tab.status().connected && tab.status().shared?.leader === false,
        [],
      );
      ctx.diagnostic(`woken: a follower after ${Date.now() - wokenAt} ms`);
      await eventually(
        'the old leader’s connection closed: 1 connection',
        () => ({ total: gw.hub.sessions.size, old: gw.hub.sessions.has(old) }),
        (s) => s.total === 1 && !s.old,
      );
      const closed = oldClosed ? `${oldClosed.at - wokenAt} ms after waking, code ${oldClosed.code}` : 'unseen';
      ctx.diagnostic(`the old leader's connection closed ${closed}`);
      assert.equal((await stats(gw)).total, 1);
      await everyPage(pages, '4 tabs sharing again', (tab) => tab.status().shared?.tabs === 4, []);
      assert.equal((await statuses(pages)).filter((s) => s.shared?.leader).length, 1, 'exactly one leader');

      await publishing;
      const last = published.at(-1)!;
      await everyPage(pages, `got the last message #${last}`, (tab, t, s) => tab.seqs(t).includes(s), [TOPIC, last]);
      for (const [i, page] of pages.entries()) {
        const who = page === frozen ? 'the woken leader' : `tab ${i}`;
        const seqs = await call(page, 'seqs', TOPIC);
        assert.deepEqual(seqs, published, `${who}: every message once, in order`);
        const { stats: topicStats } = await call(page, 'state', TOPIC);
        assert.deepEqual([topicStats.gaps, topicStats.resets], [0, 0], `${who}: no gap, no reset`);
      }
      assert.equal((await stats(gw)).total, 1);
      // The woken tab still spoke with its old term: the others ignored it, and did not reconnect.
      for (const [i, page] of rest.entries()) {
        const { stats: now } = await call(page, 'status');
        const closes = (await call(page, 'events')).filter((e) => e.event === 'close' && e.at >= waking);
        const how = closes.map((e) => `+${e.at - waking} ms ${JSON.stringify(e.data)}`).join(', ');
        assert.equal(now.reconnectCount, reconnects[i], `tab ${pages.indexOf(page)} reconnected (${how})`);
      }
    },
  );

  it(
    'disconnect() detaches only its own tab; a leader that disconnects hands over; the last one closes',
    { timeout: 45_000 },
    async () => {
      const { gw, query } = await world();
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
      const [first] = gw.hub.sessions;
      assert.ok(first, 'the shared connection');
      const leader = pages[(await statuses(pages)).findIndex((s) => s.shared?.leader)];
      const [gone, stays] = pages.filter((page) => page !== leader);
      assert.ok(leader && gone && stays, 'a leader and two followers');
      const published = [await publishSeen(gw, pages, TOPIC, { n: 1 })];

      // A follower disconnects: the others keep the connection and their messages.
      await call(gone, 'disconnect');
      await waitIn(gone, 'disconnected', (tab) => !tab.status().connected, []);
      await everyPage(
        [leader, stays],
        '2 tabs sharing',
        (tab) => tab.status().connected && tab.status().shared?.tabs === 2,
        [],
      );
      published.push(await publishSeen(gw, [leader, stays], TOPIC, { n: 2 }));
      assert.deepEqual(await call(gone, 'seqs', TOPIC), published.slice(0, 1), 'the detached tab gets no more');
      assert.equal((await call(gone, 'status')).shared?.leader ?? false, false);
      assert.deepEqual([(await stats(gw)).total, gw.hub.sessions.has(first)], [1, true], 'the same connection');

      // The leader disconnects while a message is published: the last tab leads, connects, resumes.
      await call(leader, 'disconnect');
      published.push((await gw.publish(TOPIC, { n: 3 })).seq);
      await waitIn(
        stays,
        'the last tab leads',
        (tab) => tab.status().connected && tab.status().shared?.leader === true && tab.status().shared?.tabs === 1,
        [],
      );
      await eventually(
        'a new connection replaces the leader’s',
        () => ({ total: gw.hub.sessions.size, first: gw.hub.sessions.has(first) }),
        (s) => s.total === 1 && !s.first,
      );
      const all = await statuses(pages);
      assert.deepEqual(
        all.map((s) => [s.connected, s.shared?.leader ?? false]),
        pages.map((page) => [page === stays, page === stays]),
        'one tab connected, leading',
      );
      published.push(await publishSeen(gw, [stays], TOPIC, { n: 4 }));
      assert.deepEqual(await call(stays, 'seqs', TOPIC), published, 'every message once, in order');
      const { stats: topicStats } = await call(stays, 'state', TOPIC);
      assert.deepEqual([topicStats.gaps, topicStats.resets], [0, 0], 'no gap, no reset');

      // The last tab disconnects: no connection left.
      await call(stays, 'disconnect');
      await eventually(
        'no connection left',
        () => stats(gw),
        (s) => s.total === 0,
      );
    },
  );

  it('shareKey narrows sharing: 2 pages with key a, 2 with key b, 2 connections', { timeout: 45_000 }, async () => {
    const { gw, query } = await world();
    const a = await browsers.open(2, { ...query, key: 'a' });
    const b = await browsers.open(2, { ...query, key: 'b' });
    const pages = [...a, ...b];
    await connectedWithShared(pages);
    await everyPage(
      pages,
      `${TOPIC} live, 2 tabs sharing`,
      (tab, t) => tab.state(t).status === 'live' && tab.status().shared?.tabs === 2,
      [TOPIC],
    );
    const seen = await eventually(
      '2 connections',
      () => stats(gw),
      (s) => s.total === 2,
    );
    assert.equal(seen[TOPIC], 2, 'one subscriber per key');
    for (const [key, group] of [['a', a] as const, ['b', b] as const])
      assert.equal((await statuses(group)).filter((s) => s.shared?.leader).length, 1, `one leader for key ${key}`);
    await publishSeen(gw, pages, TOPIC, { n: 1 });
    assert.equal((await stats(gw)).total, 2);
  });
});
