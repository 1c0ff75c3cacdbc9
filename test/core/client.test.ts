import { expect } from '@open-wc/testing';
import * as v from 'valibot';
import { z } from 'zod';
import { createClient } from '../../src/core/client.js';
import type { Client, ClientOptions } from '../../src/core/types.js';
import type { StandardSchemaV1 } from '../../src/protocol/standard-schema.js';
import { installClock, type FakeClock } from '../helpers/fake-clock.js';
import { fakeAuth, FakeWebSocket, MockGateway } from '../helpers/mock-gateway.js';
import { catchUncaught, type Uncaught } from '../helpers/uncaught.js';

describe('createClient (WebSocket, mock gateway, fake clock)', () => {
  let clock: FakeClock;
  let gw: MockGateway;
  let tickets: ReturnType<typeof fakeAuth>;
  let client: Client | undefined;
  let problems: unknown[]; // what the client tells once per kind of error (the console's, without this logger)
  const realRandom = Math.random;

  const make = (options: Partial<ClientOptions> = {}, gateway = gw): Client =>
    (client = createClient({
      url: gateway.url,
      auth: tickets.auth,
      WebSocket: FakeWebSocket,
      transports: ['websocket'],
      logger: (_level, event, data) => event === 'problem' && problems.push(data),
      ...options,
    }));
  const sent = (types = ['sub', 'unsub']) =>
    gw.connections.flatMap((c) => c.received.filter((f) => types.includes(f.type)));

  beforeEach(() => {
    clock = installClock();
    gw = new MockGateway();
    tickets = fakeAuth();
    problems = [];
  });
  afterEach(() => {
    client?.disconnect();
    client = undefined;
    gw.stop();
    clock.uninstall();
    Math.random = realRandom;
  });

  describe('connection', () => {
    it('is connecting at first, then open with the transport once hello arrives', async () => {
      const c = make();
      expect(c.status.get().state).to.equal('connecting');
      await clock.tick(10);
      expect(c.status.get()).to.include({ connected: true, state: 'open', transport: 'websocket', error: null });
    });

    it('sends the ticket in the connection URL', async () => {
      make({ scopes: ['ops.admin', 'liveops.admin'] });
      await clock.tick(10);
      expect(gw.last.query.get('scopes')).to.equal('ops.admin,liveops.admin');
      expect(gw.last.query.get('sig')).to.match(/^[0-9a-f]{64}$/);
    });

    it('waits for connect() when autoConnect is false', async () => {
      const c = make({ autoConnect: false });
      await clock.tick(100);
      expect(gw.attempts).to.equal(0);
      expect(c.status.get().state).to.equal('closed');
      c.connect();
      await clock.tick(10);
      expect(c.status.get().state).to.equal('open');
    });

    it('requires auth or secret', () => {
      expect(() => createClient({ url: gw.url })).to.throw(TypeError);
    });
  });

  describe('topics', () => {
    it('the first subscriber sends sub; messages fold into data; the store goes live', async () => {
      gw.publish('kpis.s2', { v: 1 });
      const c = make();
      const kpis = c.topic<{ v: number }>('kpis.s2');
      const states: string[] = [];
      kpis.subscribe((s) => states.push(s.status));
      await clock.tick(20);
      expect(sent()).to.deep.equal([{ type: 'sub', topic: 'kpis.s2' }]);
      expect(kpis.get()).to.include({ status: 'live', seq: 1, epoch: 'e1' });
      expect(kpis.get().data).to.deep.equal({ v: 1 });
      gw.publish('kpis.s2', { v: 2 });
      expect(kpis.get().data).to.deep.equal({ v: 2 });
      expect(kpis.get().stats).to.include({ messagesReceived: 2, gaps: 0, resets: 0 });
      expect(c.status.get().stats.messagesReceived).to.equal(2);
      expect(states.slice(0, 2)).to.deep.equal(['subscribing', 'live']);
    });

    it('returns the same store for the same name and rejects malformed names', () => {
      const c = make();
      expect(c.topic('kpis.s2')).to.equal(c.topic('kpis.s2'));
      expect(() => c.topic('Not A Topic')).to.throw(TypeError);
    });

    it('is ref-counted: one sub for many subscribers, unsub only after the last leaves and the linger ends', async () => {
      const c = make();
      await clock.tick(10);
      const t = c.topic('kpis.s2');
      const a = t.subscribe(() => {});
      const b = t.subscribe(() => {});
      await clock.tick(10);
      a();
      await clock.tick(5_000);
      expect(sent()).to.deep.equal([{ type: 'sub', topic: 'kpis.s2' }]);
      b();
      await clock.tick(999);
      expect(sent().length).to.equal(1);
      await clock.tick(10);
      expect(sent()).to.deep.equal([
        { type: 'sub', topic: 'kpis.s2' },
        { type: 'unsub', topic: 'kpis.s2' },
      ]);
      expect(t.get().status).to.equal('idle');
    });

    it('does not churn when a subscriber leaves and comes back within the linger (StrictMode double mount)', async () => {
      const c = make();
      await clock.tick(10);
      const t = c.topic('kpis.s2');
      t.subscribe(() => {})();
      await clock.tick(300);
      t.subscribe(() => {});
      await clock.tick(10_000);
      expect(sent()).to.deep.equal([{ type: 'sub', topic: 'kpis.s2' }]);
      expect(t.get().status).to.equal('live');
    });

    it('subscribes topics wanted before the connection opened once hello arrives', async () => {
      const c = make();
      c.topic('a.b').subscribe(() => {});
      c.topic('c.d').subscribe(() => {});
      await clock.tick(20);
      expect(sent()).to.deep.equal([
        { type: 'sub', topic: 'a.b' },
        { type: 'sub', topic: 'c.d' },
      ]);
    });

    it('puts sub.err in that topic only; the other stays live', async () => {
      gw = new MockGateway({ forbidden: ['economy.patch'] });
      const c = make();
      const economy = c.topic('economy.patch');
      const kpis = c.topic('kpis.s2');
      economy.subscribe(() => {});
      kpis.subscribe(() => {});
      await clock.tick(20);
      expect(economy.get()).to.include({ status: 'error' });
      expect(economy.get().error).to.deep.equal({ code: 'forbidden' });
      expect(kpis.get().status).to.equal('live');
      gw.publish('kpis.s2', 1);
      expect(kpis.get().data).to.equal(1);
      expect(c.status.get().state).to.equal('open');
    });

    it('folds with append (bounded), merge and a custom reducer', async () => {
      const c = make();
      const events = c.topic<number>('liveops.events', { reduce: 'append', limit: 3 });
      const economy = c.topic<{ gold: number; gems: number }>('economy.patch', { reduce: 'merge' });
      const count = c.topic<number, unknown>('ab.status', { reduce: (n = 0) => n + 1 });
      [events, economy, count].forEach((s) => s.subscribe(() => {}));
      await clock.tick(20);
      for (let i = 1; i <= 5; i++) gw.publish('liveops.events', i);
      gw.publish('economy.patch', { gold: 1 });
      gw.publish('economy.patch', { gems: 2 });
      gw.publish('ab.status', 'x');
      gw.publish('ab.status', 'y');
      expect(events.get().data).to.deep.equal([3, 4, 5]);
      expect(economy.get().data).to.deep.equal({ gold: 1, gems: 2 });
      expect(count.get().data).to.equal(2);
    });

    it('measures latency from the gateway ts of live messages only', async () => {
      gw.publish('kpis.s2', 'old', Date.now() - 60_000);
      const c = make();
      c.topic('kpis.s2').subscribe(() => {});
      await clock.tick(20);
      expect(c.status.get().stats.latencyMs).to.equal(null);
      gw.publish('kpis.s2', 'new', Date.now() - 40);
      expect(c.status.get().stats.latencyMs).to.equal(40);
    });

    it('records a seq gap in stats and as an event', async () => {
      const c = make();
      const gaps: unknown[] = [];
      c.on('gap', (g) => gaps.push(g));
      const t = c.topic('kpis.s2');
      t.subscribe(() => {});
      await clock.tick(20);
      gw.publish('kpis.s2', 1);
      gw.last.send({ type: 'msg', topic: 'kpis.s2', seq: 4, ts: Date.now(), data: 4 });
      expect(t.get()).to.include({ seq: 4, data: 4 });
      expect(t.get().stats.gaps).to.equal(1);
      expect(gaps).to.deep.equal([{ topic: 'kpis.s2', expected: 2, seq: 4 }]);
    });

    it('ignores a duplicate seq', async () => {
      const c = make();
      const t = c.topic<number>('kpis.s2', { reduce: 'append' });
      t.subscribe(() => {});
      await clock.tick(20);
      gw.publish('kpis.s2', 1);
      gw.last.send({ type: 'msg', topic: 'kpis.s2', seq: 1, ts: Date.now(), data: 1 });
      expect(t.get().data).to.deep.equal([1]);
    });
  });

  describe('latency (v1.3: the clock offset learned at hello)', () => {
    const AHEAD = 3_600_000; // the gateway's clock runs an hour ahead of this one
    /** An open connection whose hello carries `now()` (omitted when `undefined`), `kpis.s2` live on it. */
    const opened = async (now: () => unknown) => {
      gw = new MockGateway({ hello: false });
      const c = make();
      c.topic('kpis.s2').subscribe(() => {});
      await clock.tick(10);
      const at = now();
      gw.last.send({
        type: 'hello',
        v: 1,
        id: 'c',
        scopes: [],
        heartbeatMs: 15_000,
        ...(at !== undefined && { now: at }),
      });
      await clock.tick(10);
      return c;
    };

    it("measures a live message's latency on the gateway's clock, not this one's", async () => {
      const c = await opened(() => Date.now() + AHEAD);
      gw.publish('kpis.s2', 1, Date.now() + AHEAD - 40);
      expect(c.status.get().stats.latencyMs).to.equal(40);
    });

    it('keeps the offset of the hello: time passing does not move it', async () => {
      const c = await opened(() => Date.now() + AHEAD);
      await clock.tick(600_000);
      gw.publish('kpis.s2', 1, Date.now() + AHEAD - 25);
      expect(c.status.get().stats.latencyMs).to.equal(25);
    });

    it("takes each connection's hello anew after a reconnect", async () => {
      const c = await opened(() => Date.now() + AHEAD);
      gw.last.close(1012, 'restart');
      await clock.tick(5_000);
      gw.last.send({ type: 'hello', v: 1, id: 'c2', scopes: [], heartbeatMs: 15_000, now: Date.now() - 1_000 });
      await clock.tick(10);
      gw.publish('kpis.s2', 2, Date.now() - 1_000 - 30);
      expect(c.status.get().stats.latencyMs).to.equal(30);
    });

    it('uses the raw difference with a gateway that sends no now (older), or a now that is no time', async () => {
      for (const now of [undefined, 'soon', -5, 1.5]) {
        const c = await opened(() => now);
        gw.publish('kpis.s2', 1, Date.now() - 40);
        expect(c.status.get().stats.latencyMs, String(now)).to.equal(40);
        c.disconnect();
        gw.stop();
      }
    });

    it('never reports a negative latency (a clock ahead of the offset the hello gave)', async () => {
      const c = await opened(() => undefined);
      gw.publish('kpis.s2', 1, Date.now() + 500);
      expect(c.status.get().stats.latencyMs).to.equal(0);
    });
  });

  describe("a topic's schema", () => {
    /** A Standard Schema by hand: `{ v }` with a positive `v`, whose output doubles it; issues never quote data. */
    const positive: StandardSchemaV1<unknown, { v: number }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) => {
          const v = (value as { v?: unknown } | null)?.v;
          return typeof v === 'number' && v > 0
            ? { value: { v: v * 2 } }
            : {
                issues: [
                  { message: `${JSON.stringify(value)} is not positive`, path: ['v'] },
                  { message: 'root', path: [{ key: 'deep' }, 0] },
                ],
              };
        },
      },
    };

    it("folds the schema's output; a refused message is counted, moves seq on, and is told once without its data", async () => {
      const c = make();
      const messages: unknown[] = [];
      c.on('message', (m) => messages.push(m.data));
      const t = c.topic('kpis.s2', { schema: positive });
      t.subscribe(() => {});
      await clock.tick(20);
      gw.publish('kpis.s2', { v: 1 });
      expect(t.get().data).to.deep.equal({ v: 2 });
      gw.publish('kpis.s2', { v: -1, email: 'jane.doe@example.com' });
      gw.publish('kpis.s2', 'nope');
      expect(t.get()).to.include({ seq: 3 });
      expect(t.get().data).to.deep.equal({ v: 2 });
      expect(t.get().stats).to.include({ messagesReceived: 1, invalid: 2, gaps: 0 });
      expect(c.status.get().stats.messagesReceived).to.equal(1);
      gw.publish('kpis.s2', { v: 3 });
      expect(t.get().data).to.deep.equal({ v: 6 });
      expect(t.get().stats).to.include({ messagesReceived: 2, invalid: 2, gaps: 0 });
      expect(messages).to.deep.equal([{ v: 1 }, { v: 3 }]);
      const reason = 'topic kpis.s2: its schema refused a message (v, deep.0)';
      expect(problems).to.deep.equal([{ topic: 'kpis.s2', reason }]);
      expect(JSON.stringify(problems)).to.not.match(/jane|nope/);
    });

    it('resumes after the last message received, refused or not', async () => {
      const c = make();
      c.topic('kpis.s2', { schema: positive }).subscribe(() => {});
      await clock.tick(20);
      gw.publish('kpis.s2', { v: 1 });
      gw.publish('kpis.s2', { v: 0 });
      gw.last.close(1012, 'restart');
      await clock.tick(5_000);
      expect(sent(['sub']).slice(-1)).to.deep.equal([{ type: 'sub', topic: 'kpis.s2', since: 2, epoch: 'e1' }]);
    });

    it('says it on the console without a logger', async () => {
      const warn = console.warn;
      const said: string[] = [];
      console.warn = (...args: unknown[]) => void said.push(args.join(' '));
      try {
        const c = make({ logger: undefined });
        c.topic('kpis.s2', { schema: positive }).subscribe(() => {});
        await clock.tick(20);
        gw.publish('kpis.s2', { v: -1 });
        gw.publish('kpis.s2', { v: -2 });
      } finally {
        console.warn = warn;
      }
      expect(said).to.deep.equal(['[lydian] topic kpis.s2: its schema refused a message (v, deep.0)']);
    });

    it('refuses every message when the schema validates asynchronously, and says why once', async () => {
      const later: StandardSchemaV1 = {
        '~standard': { version: 1, vendor: 'test', validate: (value) => Promise.resolve({ value }) },
      };
      const c = make();
      const t = c.topic('kpis.s2', { schema: later });
      t.subscribe(() => {});
      await clock.tick(20);
      gw.publish('kpis.s2', 1);
      gw.publish('kpis.s2', 2);
      expect(t.get().data).to.equal(undefined);
      expect(t.get().stats).to.include({ messagesReceived: 0, invalid: 2 });
      expect(problems).to.deep.equal([
        { topic: 'kpis.s2', reason: 'topic kpis.s2: its schema refused a message (async: topic() takes sync schemas)' },
      ]);
    });

    it('refuses a message its validator throws on or rejects, without the error, and leaves no unhandled rejection', async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (e: PromiseRejectionEvent) => unhandled.push(e.reason);
      window.addEventListener('unhandledrejection', onUnhandled);
      try {
        const throwing: StandardSchemaV1 = {
          '~standard': {
            version: 1,
            vendor: 'test',
            validate: (value) => {
              if (value === 2) throw new Error('secret 2 is bad');
              return { value };
            },
          },
        };
        const rejecting: StandardSchemaV1 = {
          '~standard': { version: 1, vendor: 'test', validate: () => Promise.reject(new Error('secret no')) },
        };
        const c = make();
        const t = c.topic('kpis.s2', { schema: throwing });
        const r = c.topic('economy.patch', { schema: rejecting });
        [t, r].forEach((s) => s.subscribe(() => {}));
        await clock.tick(20);
        gw.publish('kpis.s2', 1);
        gw.publish('kpis.s2', 2);
        gw.publish('economy.patch', 1);
        expect([t.get().data, t.get().stats.invalid, r.get().stats.invalid]).to.deep.equal([1, 1, 1]);
        expect(problems.map((p) => (p as { reason: string }).reason)).to.deep.equal([
          'topic kpis.s2: its schema refused a message (it threw)',
          'topic economy.patch: its schema refused a message (async: topic() takes sync schemas)',
        ]);
        await clock.tick(0); // settles over real macrotasks: an unhandled rejection is reported by then
        expect(unhandled).to.deep.equal([]);
      } finally {
        window.removeEventListener('unhandledrejection', onUnhandled);
      }
    });

    it('takes zod and valibot schemas as they are', async () => {
      const c = make();
      const zod = c.topic('kpis.s2', { schema: z.object({ crash_free: z.number() }) });
      const vali = c.topic('economy.patch', { schema: v.object({ gold: v.number() }), reduce: 'merge' });
      [zod, vali].forEach((t) => t.subscribe(() => {}));
      await clock.tick(20);
      gw.publish('kpis.s2', { crash_free: 99.2 });
      gw.publish('kpis.s2', { crash_free: 'high' });
      gw.publish('economy.patch', { gold: 1 });
      gw.publish('economy.patch', { gold: [1] });
      expect([zod.get().data, vali.get().data]).to.deep.equal([{ crash_free: 99.2 }, { gold: 1 }]);
      expect([zod.get().stats.invalid, vali.get().stats.invalid]).to.deep.equal([1, 1]);
      expect(problems.map((p) => (p as { reason: string }).reason)).to.deep.equal([
        'topic kpis.s2: its schema refused a message (crash_free)',
        'topic economy.patch: its schema refused a message (gold)',
      ]);
    });

    it('throws a TypeError at topic() for a schema that is no Standard Schema', () => {
      const c = make();
      const notOne = { parse: (v: unknown) => v } as unknown as StandardSchemaV1;
      expect(() => c.topic('kpis.s2', { schema: notOne })).to.throw(
        TypeError,
        'topic kpis.s2: schema is no Standard Schema',
      );
    });
  });

  describe('reconnection and resume', () => {
    it('resubscribes with since and epoch after a drop, so every missed message arrives once, in order', async () => {
      const c = make();
      const t = c.topic<number>('kpis.s2', { reduce: 'append' });
      t.subscribe(() => {});
      await clock.tick(20);
      for (let i = 1; i <= 3; i++) gw.publish('kpis.s2', i);
      gw.last.close(1006);
      await clock.tick(5);
      expect(c.status.get()).to.include({ state: 'reconnecting', connected: false });
      expect(t.get().status).to.equal('subscribing');
      for (let i = 4; i <= 6; i++) gw.publish('kpis.s2', i);
      await clock.tick(4_010); // the first retry after a connection that said hello: within 0–4 s
      expect(gw.connections.length).to.equal(2);
      expect(gw.last.received[0]).to.deep.equal({ type: 'sub', topic: 'kpis.s2', since: 3, epoch: 'e1' });
      gw.publish('kpis.s2', 7);
      expect(t.get().data).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
      expect(t.get()).to.include({ status: 'live', seq: 7 });
      expect(t.get().stats.gaps).to.equal(0);
      expect(c.status.get().stats.reconnectCount).to.equal(1);
    });

    it('fetches a fresh ticket for every attempt', async () => {
      make();
      await clock.tick(10);
      gw.last.close(1006);
      await clock.tick(4_010);
      gw.last.close(1011);
      await clock.tick(4_010);
      expect(gw.connections.length).to.equal(3);
      expect(tickets.calls()).to.equal(3);
      const nonces = new Set(gw.connections.map((cn) => cn.query.get('nonce')));
      expect(nonces.size).to.equal(3);
    });

    it('takes a reset: counts it, adopts the new epoch and goes on with fresh data', async () => {
      const c = make();
      const resets: unknown[] = [];
      c.on('reset', (r) => resets.push(r));
      const t = c.topic<string>('kpis.s2');
      t.subscribe(() => {});
      await clock.tick(20);
      gw.publish('kpis.s2', 'a');
      gw.publish('kpis.s2', 'b');
      gw.last.close(1012);
      gw.forget();
      gw.publish('kpis.s2', 'fresh');
      await clock.tick(5_000);
      expect(t.get()).to.include({ data: 'fresh', seq: 1, epoch: 'e2', status: 'live' });
      expect(t.get().stats.resets).to.equal(1);
      expect(resets).to.deep.equal([{ topic: 'kpis.s2', epoch: 'e2' }]);
      gw.publish('kpis.s2', 'next');
      expect(t.get()).to.include({ data: 'next', seq: 2 });
      expect(t.get().stats.gaps).to.equal(0);
    });

    it('backs off with full jitter: the nth retry waits within min * 2^n', async () => {
      Math.random = () => 0.999;
      gw = new MockGateway({ hello: false }); // attempts that fail before hello: no restart spread
      make({ minDelay: 100 });
      await clock.tick(10);
      const windows = [100, 200, 400, 800];
      for (const w of windows) {
        const before = gw.attempts;
        gw.last.close(1006);
        await clock.tick(w - 10);
        expect(gw.attempts, `window ${w}`).to.equal(before);
        await clock.tick(20);
        expect(gw.attempts, `window ${w}`).to.equal(before + 1);
      }
    });

    it('resets the backoff once a connection has stayed healthy', async () => {
      Math.random = () => 0.999;
      gw = new MockGateway({ refuse: (n) => (n <= 6 ? 1011 : undefined) }); // six failures: step 6 (6.4 s)
      make({ minDelay: 100, stableAfter: 1_000 });
      await clock.tick(30_000);
      expect(gw.attempts).to.equal(7);
      expect(client!.status.get().state).to.equal('open');
      await clock.tick(1_000); // stays up: healthy
      gw.last.close(1006);
      await clock.tick(5);
      const [retryIn, ...others] = clock.pending();
      expect(others).to.deep.equal([]);
      expect(retryIn).to.be.at.most(800); // back to the first steps (the spread's 8 × minDelay), not 2^6 × minDelay
    });

    it('spreads the first retry after 1012 (gateway restart) over 0–4 s', async () => {
      Math.random = () => 0.999;
      make();
      await clock.tick(10);
      gw.last.close(1012);
      await clock.tick(3_900);
      expect(gw.attempts).to.equal(1);
      await clock.tick(200);
      expect(gw.attempts).to.equal(2);
    });

    /** The delay of the one pending timer (the retry) once the close has arrived. */
    const retryDelay = async (): Promise<number> => {
      await clock.tick(5); // mock-socket delivers the close after 4 ms
      const pending = clock.pending();
      expect(pending.length, 'only the retry timer is pending').to.equal(1);
      return pending[0]!;
    };

    for (const code of [1006, 1011, 1001, 4408]) {
      it(`spreads the first retry over 0–8 × minDelay after ${code} on a connection that had said hello`, async () => {
        Math.random = () => 0.999;
        make({ minDelay: 500 });
        await clock.tick(10);
        gw.last.close(code);
        expect(await retryDelay()).to.be.within(4 * 500, 8 * 500); // past the plain first window (minDelay)
      });
    }

    it('does not spread the retry of an attempt that failed before hello: it stays within minDelay', async () => {
      Math.random = () => 0.999;
      gw = new MockGateway({ hello: false });
      make({ minDelay: 500 });
      await clock.tick(10);
      gw.last.close(1006);
      expect(await retryDelay()).to.be.at.most(500);
    });

    it('the spread can bring a client back at once (its lower bound is 0)', async () => {
      Math.random = () => 0;
      make({ minDelay: 500 });
      await clock.tick(10);
      gw.last.close(1006);
      await clock.tick(10);
      expect(gw.attempts).to.equal(2);
    });

    for (const code of [1013, 4429]) {
      it(`waits at least busyDelay after ${code}`, async () => {
        Math.random = () => 0;
        make({ busyDelay: 5_000 });
        await clock.tick(10);
        gw.last.close(code);
        await clock.tick(4_990);
        expect(gw.attempts).to.equal(1);
        await clock.tick(20);
        expect(gw.attempts).to.equal(2);
      });
    }

    it('4401: fetches a fresh ticket and reconnects', async () => {
      gw = new MockGateway({ refuse: (n) => (n === 1 ? 4401 : undefined) });
      const c = make();
      await clock.tick(1_000);
      expect(gw.attempts).to.equal(2);
      expect(tickets.calls()).to.equal(2);
      expect(c.status.get()).to.include({ state: 'open', error: null });
    });

    it('4401 three times in a row: stops with the error, no timer left', async () => {
      gw = new MockGateway({ refuse: () => 4401 });
      const c = make();
      const errors: unknown[] = [];
      c.on('error', (e) => errors.push(e));
      await clock.tick(10_000);
      expect(gw.attempts).to.equal(3);
      expect(c.status.get()).to.include({ state: 'closed', connected: false });
      expect(c.status.get().error).to.deep.equal({ source: 'close', code: 4401, reason: 'refused' });
      expect(errors.length).to.equal(1);
      expect(clock.pending()).to.deep.equal([]);
      await clock.tick(120_000);
      expect(gw.attempts).to.equal(3);
    });

    for (const code of [4403, 1008, 1009, 1002, 1003, 1007, 1000]) {
      it(`${code}: stops and surfaces the error, no timer left`, async () => {
        gw = new MockGateway({ refuse: () => code });
        const c = make();
        const t = c.topic('kpis.s2');
        t.subscribe(() => {});
        await clock.tick(20);
        expect(c.status.get().state).to.equal('closed');
        expect(c.status.get().error).to.include({ source: 'close', code });
        expect(t.get().status).to.equal('closed');
        expect(clock.pending()).to.deep.equal([]);
        await clock.tick(120_000);
        expect(gw.attempts).to.equal(1);
      });
    }

    it('a ticket endpoint 401/403 stops; a 5xx or network error retries', async () => {
      let status = 503;
      make({
        auth: async () => {
          throw { status, message: 'nope' };
        },
      });
      await clock.tick(5_000);
      expect(client!.status.get().state).to.equal('reconnecting');
      status = 403;
      await clock.tick(60_000);
      expect(client!.status.get()).to.include({ state: 'closed' });
      expect(client!.status.get().error).to.deep.equal({ source: 'ticket', code: 403, reason: 'nope' });
      expect(clock.pending()).to.deep.equal([]);
    });

    it('with auth as a URL, asks it for the scopes and stops on its 401', async () => {
      const realFetch = globalThis.fetch;
      const asked: string[] = [];
      globalThis.fetch = (async (input: RequestInfo | URL) => {
        asked.push(String(input));
        return new Response('{"error":"unauthorized"}', { status: 401 });
      }) as typeof fetch;
      try {
        make({ auth: 'https://app.test/rt/ticket', scopes: ['ops.admin', 'liveops.admin'] });
        await clock.tick(100);
        expect(asked).to.deep.equal(['https://app.test/rt/ticket?scopes=ops.admin,liveops.admin']);
        expect(client!.status.get().error).to.include({ source: 'ticket', code: 401 });
        expect(clock.pending()).to.deep.equal([]);
      } finally {
        globalThis.fetch = realFetch;
      }
    });

    it('an auth function may return the endpoint Response: a 401 stops at once', async () => {
      let calls = 0;
      const c = make({
        auth: async () => {
          calls++;
          return new Response('{"error":"unauthorized"}', { status: 401 });
        },
      });
      await clock.tick(60_000);
      expect(calls).to.equal(1);
      expect(c.status.get()).to.include({ state: 'closed', connected: false });
      expect(c.status.get().error).to.deep.equal({
        source: 'ticket',
        code: 401,
        reason: '`auth` answered 401 text/plain;charset=UTF-8 "{\\"error\\":\\"unauthorized\\"}"',
      });
      expect(clock.pending()).to.deep.equal([]);
    });

    it('an auth function may return the endpoint Response: a 503 retries, then an ok Response connects', async () => {
      let calls = 0;
      const good = await tickets.auth([]);
      const c = make({
        auth: async () =>
          ++calls < 3 ? new Response('{"error":"unavailable"}', { status: 503 }) : Response.json(good),
      });
      await clock.tick(60_000);
      expect(calls).to.equal(3);
      expect(c.status.get()).to.include({ state: 'open', error: null });
      expect(gw.last.query.get('nonce')).to.equal(good.nonce);
    });

    it('a malformed ticket counts as a refusal: three and it stops', async () => {
      make({ auth: async () => ({ error: 'unauthorized' }) as never });
      await clock.tick(60_000);
      expect(client!.status.get().error).to.include({ source: 'ticket', code: -1 });
    });
  });

  describe('an authority that ends (v1.1: expiresIn, refresh, 4401 expired, 4410)', () => {
    const LIFE = 100_000; // expiresIn of the hello: with Math.random 0.5 the refresh is due at 70 s
    /** Says hello on the newest connection, announcing that its authority ends in `expiresIn` ms (0: never). */
    const hello = (expiresIn: number | undefined = LIFE) =>
      gw.last.send({
        type: 'hello',
        v: 1,
        id: 'c',
        scopes: [],
        heartbeatMs: 3_600_000,
        ...(expiresIn && { expiresIn }),
      });
    const refreshes = () => sent(['refresh']) as { type: 'refresh'; ticket: { nonce: string } }[];
    /** An open connection whose authority ends in {@link LIFE} ms, a topic live on it. */
    const opened = async (options: Partial<ClientOptions> = {}) => {
      Math.random = () => 0.5;
      gw = new MockGateway({ hello: false, heartbeatMs: 3_600_000 });
      const c = make(options);
      const t = c.topic<number>('kpis.s2', { reduce: 'append' });
      t.subscribe(() => {});
      await clock.tick(10);
      hello();
      await clock.tick(10);
      return { c, t, at: clock.now() - 10 };
    };

    it('refreshes at a jittered point of the lifetime: a fresh ticket from auth, sent in a refresh frame', async () => {
      const { c, at } = await opened();
      expect(c.status.get()).to.include({ state: 'open', expiresAt: at + LIFE });
      await clock.tick(70_000 - 30);
      expect(tickets.calls()).to.equal(1);
      expect(refreshes()).to.deep.equal([]);
      await clock.tick(30);
      expect(tickets.calls()).to.equal(2);
      const [frame, ...more] = refreshes();
      expect(more).to.deep.equal([]);
      expect(frame!.ticket.nonce).to.not.equal(gw.last.query.get('nonce'));
      expect(gw.attempts, 'on the open connection').to.equal(1);
    });

    it('refresh.ok: the next refresh comes from its expiresIn, and expiresAt follows', async () => {
      const { c } = await opened();
      await clock.tick(70_000);
      gw.last.send({ type: 'refresh.ok', scopes: [], expiresIn: 50_000 });
      expect(c.status.get().expiresAt).to.equal(clock.now() + 50_000);
      await clock.tick(35_000 - 10);
      expect(refreshes().length).to.equal(1);
      await clock.tick(20);
      expect(refreshes().length).to.equal(2);
      gw.last.send({ type: 'refresh.ok', scopes: [] }); // no end any more: no next refresh
      expect(c.status.get().expiresAt).to.equal(null);
      await clock.tick(10 * LIFE);
      expect(refreshes().length).to.equal(2);
      expect(c.status.get()).to.include({ state: 'open', error: null });
    });

    it('refresh.err: a refresh error shown while the connection goes on, a retry, and a refresh.ok clears it', async () => {
      const { c, t, at } = await opened();
      await clock.tick(70_000);
      gw.last.send({ type: 'refresh.err', code: 'rate_limited' });
      const error = { source: 'refresh', code: 4401, reason: 'refresh refused: rate_limited' };
      expect(c.status.get()).to.include({ state: 'open', connected: true });
      expect(c.status.get().error).to.deep.equal(error);
      expect(problems).to.deep.equal([error]);
      gw.publish('kpis.s2', 1);
      expect(t.get()).to.include({ status: 'live', seq: 1 });
      // Half of what is left (30 s from the hello's clock) later: about 15 s.
      const remaining = at + LIFE - clock.now();
      await clock.tick(remaining / 2 - 20);
      expect(refreshes().length).to.equal(1);
      await clock.tick(30);
      expect(refreshes().length).to.equal(2);
      expect(tickets.calls()).to.equal(3);
      gw.last.send({ type: 'refresh.ok', scopes: [], expiresIn: LIFE });
      expect(c.status.get().error).to.equal(null);
      expect(problems.length, 'told once').to.equal(1);
    });

    it('a ticket failure during a refresh: shown, retried while time is left; then 4401 expired reconnects', async () => {
      let down = false;
      const { c, t } = await opened({
        auth: (scopes) =>
          down ? Promise.reject({ status: 503, message: 'ticket endpoint down' }) : tickets.auth(scopes),
      });
      gw.publish('kpis.s2', 1);
      down = true;
      await clock.tick(70_000);
      expect(c.status.get().error).to.deep.equal({ source: 'refresh', code: 503, reason: 'ticket endpoint down' });
      expect(c.status.get().state).to.equal('open');
      // Retries at 15 s, 7.5 s, … after each failure, at least 1 s apart, while more than 1 s is left.
      await clock.tick(30_000 - 1_000);
      expect(refreshes()).to.deep.equal([]);
      gw.publish('kpis.s2', 2);
      down = false;
      gw.last.close(4401, 'expired');
      await clock.tick(510); // not spread: within minDelay
      expect(gw.attempts).to.equal(2);
      hello();
      await clock.tick(10);
      expect(gw.last.received[0]).to.deep.equal({ type: 'sub', topic: 'kpis.s2', since: 2, epoch: 'e1' });
      expect(c.status.get()).to.include({ state: 'open', error: null });
      expect(t.get().data).to.deep.equal([1, 2]);
    });

    it('counts the refresh attempts made while the ticket endpoint fails', async () => {
      let calls = 0;
      const { c } = await opened({
        auth: (scopes) => (++calls > 1 ? Promise.reject({ status: 503, message: 'down' }) : tickets.auth(scopes)),
      });
      await clock.tick(LIFE);
      // 70 s, then +15, +7.5, +3.75, +1.875, +1 s (what is left: 30, 15, 7.5, 3.75, 1.875, 0.9 s): 6 tries.
      expect(calls - 1).to.equal(6);
      expect(c.status.get().error).to.include({ source: 'refresh', code: 503 });
    });

    it('a topic the refreshed scopes no longer cover ends with the unasked sub.err; the others stay live', async () => {
      const { c, t } = await opened();
      const other = c.topic('liveops.events');
      other.subscribe(() => {});
      await clock.tick(70_010);
      gw.last.send({ type: 'refresh.ok', scopes: ['liveops.admin'], expiresIn: LIFE });
      gw.last.send({ type: 'sub.err', topic: 'kpis.s2', code: 'forbidden' });
      expect(t.get()).to.include({ status: 'error' });
      expect(t.get().error).to.deep.equal({ code: 'forbidden' });
      expect(other.get().status).to.equal('live');
      expect(c.status.get()).to.include({ state: 'open', error: null });
    });

    it('4401 expired after hello: a fresh ticket, back at once, resuming with since and epoch', async () => {
      const { c, t } = await opened();
      gw.publish('kpis.s2', 1);
      gw.publish('kpis.s2', 2);
      Math.random = () => 0.99;
      gw.last.close(4401, 'expired');
      await clock.tick(5);
      expect(c.status.get()).to.include({ state: 'reconnecting', expiresAt: null });
      gw.publish('kpis.s2', 3);
      await clock.tick(500); // within minDelay (and mock-socket's 4 ms to connect)
      expect(gw.attempts).to.equal(2);
      expect(tickets.calls()).to.equal(2);
      hello();
      await clock.tick(10);
      expect(gw.last.received[0]).to.deep.equal({ type: 'sub', topic: 'kpis.s2', since: 2, epoch: 'e1' });
      expect(t.get()).to.include({ status: 'live', seq: 3 });
      expect(t.get().data).to.deep.equal([1, 2, 3]);
      expect(c.status.get().error).to.equal(null);
    });

    it('4401 expired does not count as a refused ticket: two refusals after it do not stop the client', async () => {
      gw = new MockGateway({ refuse: (n) => (n === 2 || n === 3 ? 4401 : undefined) });
      const c = make();
      await clock.tick(10);
      gw.last.close(4401, 'expired');
      await clock.tick(10_000);
      expect(gw.attempts).to.equal(4);
      expect(c.status.get()).to.include({ state: 'open', error: null });
    });

    it('4410 revoked: stops with the error, no timer left, no reconnect', async () => {
      const { c, t } = await opened();
      const errors: unknown[] = [];
      c.on('error', (e) => errors.push(e));
      gw.last.close(4410, 'revoked');
      await clock.tick(10);
      const error = { source: 'close', code: 4410, reason: 'revoked' };
      expect(c.status.get()).to.include({ state: 'closed', connected: false, expiresAt: null });
      expect(c.status.get().error).to.deep.equal(error);
      expect(errors).to.deep.equal([error]);
      expect(t.get().status).to.equal('closed');
      expect(clock.pending()).to.deep.equal([]);
      await clock.tick(10 * LIFE);
      expect(gw.attempts).to.equal(1);
      expect(tickets.calls()).to.equal(1);
    });

    it('a refresh in flight when the connection drops is abandoned: its ticket is never sent', async () => {
      let release!: () => void;
      let calls = 0;
      await opened({
        auth: async (scopes) => {
          if (++calls === 2) await new Promise<void>((resolve) => (release = resolve));
          return tickets.auth(scopes);
        },
      });
      await clock.tick(70_000);
      expect(calls).to.equal(2);
      gw.last.close(1006);
      await clock.tick(4_010);
      expect(gw.attempts).to.equal(2);
      hello();
      release();
      await clock.tick(10);
      expect(refreshes()).to.deep.equal([]);
    });

    it('disconnect() clears the refresh timer', async () => {
      const { c } = await opened();
      expect(clock.pending()).to.include(70_000 - 10);
      c.disconnect();
      await clock.tick(10); // mock-socket's close
      expect(clock.pending()).to.deep.equal([]);
      expect(c.status.get().expiresAt).to.equal(null);
      await clock.tick(10 * LIFE);
      expect(tickets.calls()).to.equal(1);
    });

    it('a hello without expiresIn: no refresh, expiresAt null', async () => {
      Math.random = () => 0.5;
      gw = new MockGateway({ hello: false });
      const c = make();
      await clock.tick(10);
      hello(0);
      await clock.tick(10 * LIFE);
      expect(c.status.get()).to.include({ state: 'open', expiresAt: null });
      expect(tickets.calls()).to.equal(1);
    });
  });

  describe('protocol version', () => {
    it('stops with a clear error when hello announces a version other than 1', async () => {
      gw = new MockGateway({ hello: false });
      const c = make();
      await clock.tick(10);
      gw.last.send({ type: 'hello', v: 2, id: 'c1', scopes: [], heartbeatMs: 15_000 });
      await clock.tick(10);
      expect(c.status.get()).to.include({ state: 'closed', connected: false });
      expect(c.status.get().error).to.deep.equal({
        source: 'close',
        code: 1002,
        reason: 'unsupported protocol version 2',
      });
      expect(clock.pending()).to.deep.equal([]);
      await clock.tick(120_000);
      expect(gw.attempts).to.equal(1);
    });
  });

  describe('listeners that throw', () => {
    let uncaught: Uncaught;
    beforeEach(() => (uncaught = catchUncaught()));
    afterEach(() => uncaught.restore());

    it('a status listener throwing on open does not keep the topics from being subscribed', async () => {
      const logged: string[] = [];
      const c = make({ logger: (_level, event) => logged.push(event) });
      const t = c.topic('kpis.s2');
      t.subscribe(() => {});
      c.status.subscribe((s) => {
        if (s.state === 'open') throw new Error('render failed');
      });
      await clock.tick(20);
      expect(sent()).to.deep.equal([{ type: 'sub', topic: 'kpis.s2' }]);
      expect(t.get().status).to.equal('live');
      expect(c.status.get().state).to.equal('open');
      expect(logged).to.include('listener');
      await uncaught.settle();
      expect(uncaught.errors.map((e) => (e as Error).message)).to.include('render failed');
      expect(uncaught.printed).to.deep.equal(uncaught.errors);
    });

    it('a topic listener throwing does not stop the other listeners nor the next messages', async () => {
      const c = make();
      const t = c.topic<number>('kpis.s2');
      const seen: (number | undefined)[] = [];
      let thrown = false; // once: a broken afterEach would leave the fake clock installed
      t.listen((s) => {
        if (s.data === 1 && !thrown) {
          thrown = true;
          throw new Error('bad render');
        }
      });
      t.subscribe((s) => seen.push(s.data));
      await clock.tick(20);
      gw.publish('kpis.s2', 1);
      gw.publish('kpis.s2', 2);
      expect(seen.filter((d) => d !== undefined)).to.deep.equal([1, 2]);
      expect(c.status.get().stats.messagesReceived).to.equal(2);
      await uncaught.settle();
      expect(uncaught.errors.length).to.equal(1);
      expect(uncaught.printed.map((e) => (e as Error).message)).to.deep.equal(['bad render']);
    });

    it('an event listener throwing does not stop the other listeners of that event', async () => {
      const c = make();
      const got: number[] = [];
      c.on('message', () => {
        throw new Error('handler bug');
      });
      c.on('message', (m) => got.push(m.seq));
      c.topic('kpis.s2').subscribe(() => {});
      await clock.tick(20);
      gw.publish('kpis.s2', 'a');
      gw.publish('kpis.s2', 'b');
      expect(got).to.deep.equal([1, 2]);
      await uncaught.settle();
      expect(uncaught.errors.length).to.equal(2);
      expect(uncaught.printed.map((e) => (e as Error).message)).to.deep.equal(['handler bug', 'handler bug']);
    });
  });

  describe('dead link detection', () => {
    it('pings after silence and closes when the ping stays unanswered, then reconnects', async () => {
      Math.random = () => 0.999; // the retry waits ~4 s, so 'reconnecting' can be observed
      gw = new MockGateway({ heartbeatMs: 3_000 }); // dead after 6 s of silence; ping 2 s before
      const logged: string[] = [];
      const c = make({ logger: (_l, event) => logged.push(event) });
      await clock.tick(10);
      const first = gw.last;
      gw.muted = true; // the link looks open but nothing comes back
      await clock.tick(3_990);
      expect(logged).to.not.include('dead');
      await clock.tick(20); // 4 s of silence: a ping goes out
      expect(first.socket.readyState).to.equal(1);
      await clock.tick(1_960);
      expect(c.status.get().state).to.equal('open');
      gw.muted = false;
      await clock.tick(50); // 6 s of silence and the ping unanswered: dead
      expect(logged).to.include('dead');
      expect(c.status.get().state).to.equal('reconnecting');
      await clock.tick(4_000);
      expect(gw.attempts).to.equal(2);
      expect(c.status.get().state).to.equal('open');
    });

    it('does not declare the link dead because a timer fired late (sleep, throttled tab): it pings first', async () => {
      const c = make();
      await clock.tick(10);
      clock.jump(10 * 60_000); // every timer is now ten minutes overdue
      await clock.tick(5);
      expect(c.status.get().state).to.equal('open');
      expect(gw.last.received.map((f) => f.type)).to.include('ping');
      await clock.tick(10_000); // the pong came back
      expect(gw.attempts).to.equal(1);
      expect(c.status.get().state).to.equal('open');
    });

    it('checks at once when the page becomes visible again', async () => {
      make();
      await clock.tick(10);
      clock.jump(5 * 60_000);
      document.dispatchEvent(new Event('visibilitychange'));
      await clock.tick(5); // mock-socket delivers client frames after 4 ms
      expect(gw.last.received.map((f) => f.type)).to.deep.equal(['ping']);
    });
  });

  describe('online and offline', () => {
    it('waits while offline and reconnects at once on online', async () => {
      const c = make();
      await clock.tick(10);
      window.dispatchEvent(new Event('offline'));
      gw.last.close(1006);
      await clock.tick(5);
      expect(c.status.get().state).to.equal('offline');
      expect(clock.pending()).to.deep.equal([]);
      await clock.tick(60_000);
      expect(gw.attempts).to.equal(1);
      window.dispatchEvent(new Event('online'));
      await clock.tick(10);
      expect(gw.attempts).to.equal(2);
      expect(c.status.get().state).to.equal('open');
    });
  });

  describe('disconnect()', () => {
    it('closes with 1000, stops every timer and never reconnects', async () => {
      const c = make();
      const t = c.topic('kpis.s2');
      t.subscribe(() => {});
      await clock.tick(20);
      let closed: number | undefined;
      gw.last.socket.on('close', () => (closed = 1000));
      c.disconnect();
      await clock.tick(10);
      expect(closed).to.equal(1000);
      expect(c.status.get()).to.include({ state: 'closed', connected: false, error: null });
      expect(t.get().status).to.equal('closed');
      expect(clock.pending()).to.deep.equal([]);
      await clock.tick(120_000);
      expect(gw.attempts).to.equal(1);
    });

    it('connect() afterwards resumes and resubscribes', async () => {
      const c = make();
      const t = c.topic<number>('kpis.s2', { reduce: 'append' });
      t.subscribe(() => {});
      await clock.tick(20);
      gw.publish('kpis.s2', 1);
      c.disconnect();
      gw.publish('kpis.s2', 2);
      c.connect();
      await clock.tick(20);
      expect(t.get().data).to.deep.equal([1, 2]);
      expect(t.get().status).to.equal('live');
    });
  });

  describe('logger', () => {
    it('sees state changes and frames both ways', async () => {
      const events: string[] = [];
      make({ logger: (_level, event) => events.push(event) });
      client!.topic('kpis.s2').subscribe(() => {});
      await clock.tick(20);
      expect(events).to.include.members(['state', 'transport', 'frame.in', 'frame.out']);
    });
  });
});
