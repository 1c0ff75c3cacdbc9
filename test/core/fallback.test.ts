import { expect } from '@open-wc/testing';
import { createClient } from '../../src/core/client.js';
import type { Client, ClientOptions } from '../../src/core/types.js';
import { sseUrlFor } from '../../src/transports/sse.js';
import { installClock, type FakeClock } from '../helpers/fake-clock.js';
import { fakeAuth, FakeEventSource, FakeWebSocket, MockGateway } from '../helpers/mock-gateway.js';

/** A WebSocket that a proxy or policy blocks: the constructor throws, or (switched on) it works. */
function switchableWebSocket(): { WebSocket: typeof WebSocket; block(on: boolean): void; calls(): number } {
  let blocked = true;
  let calls = 0;
  const Switch = function (url: string) {
    calls++;
    if (blocked) throw new DOMException('blocked', 'SecurityError');
    return new FakeWebSocket(url);
  } as unknown as typeof WebSocket;
  return { WebSocket: Switch, block: (on) => void (blocked = on), calls: () => calls };
}

const ES = FakeEventSource as unknown as typeof EventSource;

describe('transports: fallback to SSE and back', () => {
  let clock: FakeClock;
  let gw: MockGateway;
  let tickets: ReturnType<typeof fakeAuth>;
  let client: Client | undefined;
  let problems: { source: string; code: number; reason: string }[]; // told once per kind (else on the console)

  const make = (options: Partial<ClientOptions> = {}): Client =>
    (client = createClient({
      url: gw.url,
      auth: tickets.auth,
      EventSource: ES,
      minDelay: 100,
      logger: (_level, event, data) => event === 'problem' && problems.push(data as (typeof problems)[0]),
      ...options,
    }));

  /** Answers the open SSE stream the way the gateway would. */
  const sseHello = (es = FakeEventSource.last) =>
    es.push({ type: 'hello', v: 1, id: 's1', scopes: [], heartbeatMs: 15_000 });

  beforeEach(() => {
    clock = installClock();
    gw = new MockGateway();
    tickets = fakeAuth();
    problems = [];
    FakeEventSource.instances = [];
  });
  afterEach(() => {
    client?.disconnect();
    client = undefined;
    gw.stop();
    clock.uninstall();
  });

  it('derives the SSE URL from the WebSocket URL', () => {
    expect(sseUrlFor('ws://h:3100/rt')).to.equal('http://h:3100/rt/sse');
    expect(sseUrlFor('wss://example.com/rt')).to.equal('https://example.com/rt/sse');
    expect(sseUrlFor('ws://h/rt/?x=1')).to.equal('http://h/rt/sse');
  });

  it('moves to SSE after the WebSocket fails twice before hello, and delivers over it', async () => {
    const ws = switchableWebSocket();
    const c = make({ WebSocket: ws.WebSocket });
    const t = c.topic<number>('kpis.s2');
    t.subscribe(() => {});
    await clock.tick(1_000);
    expect(ws.calls()).to.equal(2);
    expect(FakeEventSource.instances.length).to.equal(1);
    const es = FakeEventSource.last;
    expect(es.url.startsWith(gw.url.replace('ws://', 'http://') + '/sse?')).to.equal(true);
    expect(es.query.get('topics')).to.equal('kpis.s2');
    expect(es.query.get('since')).to.equal(null);
    expect(es.query.get('sig')).to.match(/^[0-9a-f]{64}$/);
    sseHello();
    es.push({ type: 'sub.ok', topic: 'kpis.s2', seq: 0, epoch: 'E' });
    es.push({ type: 'msg', topic: 'kpis.s2', seq: 1, ts: Date.now(), data: 42 });
    expect(c.status.get()).to.include({ state: 'open', transport: 'sse', connected: true });
    expect(t.get()).to.include({ status: 'live', data: 42, seq: 1, epoch: 'E' });
  });

  it('uses sseUrl when given', async () => {
    make({ WebSocket: switchableWebSocket().WebSocket, transports: ['sse'], sseUrl: 'https://other.test/stream' });
    client!.topic('kpis.s2').subscribe(() => {});
    await clock.tick(10);
    expect(FakeEventSource.last.url.startsWith('https://other.test/stream?ts=')).to.equal(true);
  });

  it('moves to SSE when sockets open and say hello but keep dying before they are healthy (no endless flapping)', async () => {
    make({ WebSocket: FakeWebSocket, stableAfter: 5_000 });
    client!.topic('kpis.s2').subscribe(() => {});
    await clock.tick(10);
    expect(client!.status.get().state).to.equal('open');
    gw.last.close(1006);
    await clock.tick(1_000); // said hello: the first retry is spread over 8 × minDelay
    expect(gw.attempts).to.equal(2);
    gw.last.close(1006);
    await clock.tick(1_000);
    expect(gw.attempts).to.equal(2);
    expect(FakeEventSource.instances.length).to.equal(1);
  });

  it('does not count a clean gateway close after hello (1012 restart) against the WebSocket', async () => {
    make({ WebSocket: FakeWebSocket, stableAfter: 60_000 });
    for (let i = 0; i < 3; i++) {
      await clock.tick(10);
      gw.last.close(1012);
      await clock.tick(1_000);
    }
    expect(client!.status.get()).to.include({ state: 'open', transport: 'websocket' });
    expect(FakeEventSource.instances.length).to.equal(0);
  });

  it('stays on WebSocket when a healthy connection drops', async () => {
    make({ WebSocket: FakeWebSocket, stableAfter: 5_000 });
    client!.topic('kpis.s2').subscribe(() => {});
    for (let i = 1; i <= 3; i++) {
      await clock.tick(6_000);
      gw.last.close(1006);
    }
    await clock.tick(1_000);
    expect(gw.attempts).to.equal(4);
    expect(FakeEventSource.instances.length).to.equal(0);
  });

  it('does not count a refused ticket (4401) or a busy gateway (1013) against the transport', async () => {
    gw = new MockGateway({ refuse: (n) => (n === 1 ? 4401 : n === 2 ? 1013 : undefined) });
    make({ WebSocket: FakeWebSocket, busyDelay: 100 });
    await clock.tick(5_000);
    expect(client!.status.get()).to.include({ state: 'open', transport: 'websocket' });
    expect(FakeEventSource.instances.length).to.equal(0);
  });

  describe('on SSE', () => {
    const onSse = async (options: Partial<ClientOptions> = {}) => {
      const c = make({ transports: ['sse'], ...options });
      const t = c.topic<number>('kpis.s2', { reduce: 'append' });
      t.subscribe(() => {});
      await clock.tick(10);
      const es = FakeEventSource.last;
      sseHello(es);
      es.push({ type: 'sub.ok', topic: 'kpis.s2', seq: 0, epoch: 'E' });
      for (let seq = 1; seq <= 3; seq++) es.push({ type: 'msg', topic: 'kpis.s2', seq, ts: Date.now(), data: seq });
      return { c, t, es };
    };

    it('opens no stream until a topic is wanted', async () => {
      const c = make({ transports: ['sse'] });
      await clock.tick(1_000);
      expect(FakeEventSource.instances.length).to.equal(0);
      c.topic('kpis.s2').subscribe(() => {});
      await clock.tick(10);
      expect(FakeEventSource.instances.length).to.equal(1);
    });

    it('closes the EventSource on error and reopens with a fresh ticket and since', async () => {
      const { t, es } = await onSse();
      es.fail();
      expect(es.readyState).to.equal(2);
      await clock.tick(1_000);
      expect(FakeEventSource.instances.length).to.equal(2);
      const next = FakeEventSource.last;
      expect(next.query.get('since')).to.equal('kpis.s2:3:E');
      expect(next.query.get('nonce')).to.not.equal(es.query.get('nonce'));
      expect(tickets.calls()).to.equal(2);
      sseHello(next);
      next.push({ type: 'sub.ok', topic: 'kpis.s2', seq: 4, epoch: 'E' });
      next.push({ type: 'msg', topic: 'kpis.s2', seq: 4, ts: Date.now(), data: 4 });
      expect(t.get().data).to.deep.equal([1, 2, 3, 4]);
    });

    it('reopens the stream with a new ticket and since when the topic set changes', async () => {
      const { c, es } = await onSse();
      const other = c.topic('liveops.events');
      const stop = other.subscribe(() => {});
      await clock.tick(10);
      expect(es.readyState).to.equal(2);
      const next = FakeEventSource.last;
      expect(FakeEventSource.instances.length).to.equal(2);
      expect(next.query.get('topics')).to.equal('kpis.s2,liveops.events');
      expect(next.query.get('since')).to.equal('kpis.s2:3:E');
      expect(c.status.get().stats.reconnectCount).to.equal(0);
      stop();
      await clock.tick(1_100);
      expect(FakeEventSource.instances.length).to.equal(3);
      expect(FakeEventSource.last.query.get('topics')).to.equal('kpis.s2');
    });

    it('closes the stream and stops claiming to be connected when the last topic leaves', async () => {
      const c = make({ transports: ['sse'] });
      const stop = c.topic('kpis.s2').subscribe(() => {});
      await clock.tick(10);
      const es = FakeEventSource.last;
      sseHello(es);
      expect(c.status.get()).to.include({ connected: true, state: 'open' });
      stop();
      await clock.tick(1_100); // the linger
      expect(es.readyState).to.equal(2);
      expect(c.status.get()).to.include({ connected: false, state: 'connecting' });
      c.topic('kpis.s2').subscribe(() => {});
      await clock.tick(10);
      expect(FakeEventSource.instances.length).to.equal(2);
      sseHello();
      expect(c.status.get()).to.include({ connected: true, state: 'open' });
    });

    it('counts the stream dead after 2 × heartbeatMs of silence from hello on, before any ping', async () => {
      const logged: string[] = [];
      const { c, es } = await onSse({ logger: (_l, e) => logged.push(e) });
      await clock.tick(29_000);
      expect(es.readyState).to.equal(1);
      await clock.tick(1_100);
      expect(logged).to.include('dead');
      expect(es.readyState).to.equal(2);
      expect(c.status.get()).to.include({ connected: false, state: 'reconnecting' });
      await clock.tick(1_000);
      expect(FakeEventSource.instances.length).to.equal(2);
    });

    it('stays up while the gateway ping frames keep coming', async () => {
      const { c, es } = await onSse();
      for (let i = 0; i < 8; i++) {
        await clock.tick(15_000);
        es.push({ type: 'ping' });
      }
      expect(es.readyState).to.equal(1);
      expect(FakeEventSource.instances.length).to.equal(1);
      expect(c.status.get().state).to.equal('open');
    });

    it('an authority that ends (expiresIn): no refresh on SSE, the expiresAt shown', async () => {
      const c = make({ transports: ['sse'] });
      c.topic('kpis.s2').subscribe(() => {});
      await clock.tick(10);
      const es = FakeEventSource.last;
      es.push({ type: 'hello', v: 1, id: 's1', scopes: [], heartbeatMs: 15_000, expiresIn: 20_000 });
      expect(c.status.get()).to.include({ state: 'open', expiresAt: clock.now() + 20_000 });
      for (let i = 0; i < 4; i++) {
        await clock.tick(5_000); // past the 60–80 % at which a WebSocket would have refreshed
        es.push({ type: 'ping' });
      }
      expect(tickets.calls()).to.equal(1);
      expect(FakeEventSource.instances.length).to.equal(1);
    });

    it('a close frame 4401 expired: a fresh ticket and a new stream at once, resuming with since', async () => {
      const { c, t, es } = await onSse();
      es.push({ type: 'close', code: 4401, reason: 'expired' });
      expect(es.readyState).to.equal(2);
      expect(c.status.get()).to.include({ state: 'reconnecting', connected: false, expiresAt: null });
      await clock.tick(100); // within minDelay: not spread like a restart
      expect(FakeEventSource.instances.length).to.equal(2);
      const next = FakeEventSource.last;
      expect(next.query.get('since')).to.equal('kpis.s2:3:E');
      expect(next.query.get('nonce')).to.not.equal(es.query.get('nonce'));
      expect(tickets.calls()).to.equal(2);
      sseHello(next);
      next.push({ type: 'sub.ok', topic: 'kpis.s2', seq: 4, epoch: 'E' });
      next.push({ type: 'msg', topic: 'kpis.s2', seq: 4, ts: Date.now(), data: 4 });
      expect(t.get().data).to.deep.equal([1, 2, 3, 4]);
      expect(c.status.get()).to.include({ state: 'open', error: null });
    });

    it('a close frame 4410 revoked: stops with the error, no timer left', async () => {
      const { c, t, es } = await onSse();
      es.push({ type: 'close', code: 4410, reason: 'revoked' });
      await clock.tick(120_000);
      expect(FakeEventSource.instances.length).to.equal(1);
      expect(c.status.get()).to.include({ state: 'closed', connected: false });
      expect(c.status.get().error).to.deep.equal({ source: 'close', code: 4410, reason: 'revoked' });
      expect(t.get().status).to.equal('closed');
      expect(clock.pending()).to.deep.equal([]);
    });

    it('keeps the stream of other topics when one gets sub.err', async () => {
      const { c, es } = await onSse();
      const denied = c.topic('economy.patch');
      denied.subscribe(() => {});
      await clock.tick(10);
      const next = FakeEventSource.last;
      sseHello(next);
      next.push({ type: 'sub.ok', topic: 'kpis.s2', seq: 3, epoch: 'E' });
      next.push({ type: 'sub.err', topic: 'economy.patch', code: 'forbidden' });
      expect(denied.get().error).to.deep.equal({ code: 'forbidden' });
      expect(c.topic('kpis.s2').get().status).to.equal('live');
      expect(es).to.not.equal(next);
    });
  });

  describe('on SSE, a stream refused before its first frame (the status read with one fetch of the same URL)', () => {
    const realFetch = globalThis.fetch;
    let asked: string[];
    let answer: () => Promise<Response>;
    beforeEach(() => {
      asked = [];
      globalThis.fetch = ((input: RequestInfo | URL) => {
        asked.push(String(input));
        return answer();
      }) as typeof fetch;
    });
    afterEach(() => void (globalThis.fetch = realFetch));

    const refusedWith = (status: number, error: string) => () =>
      Promise.resolve(
        new Response(JSON.stringify({ error }), { status, headers: { 'Content-Type': 'application/json' } }),
      );
    const start = async (options: Partial<ClientOptions> = {}) => {
      const errors: unknown[] = [];
      const c = make({ transports: ['sse'], ...options });
      c.on('error', (e) => errors.push(e));
      c.topic('kpis.s2').subscribe(() => {});
      await clock.tick(10);
      return { c, errors };
    };

    it('401: a fresh ticket each time, and three refusals in a row stop with the reason', async () => {
      answer = refusedWith(401, 'bad_sig');
      const { c, errors } = await start();
      for (let i = 0; i < 3; i++) {
        FakeEventSource.last.fail();
        await clock.tick(5_000); // well within the backoff, and before any dead-link timeout
      }
      await clock.tick(120_000);
      expect(FakeEventSource.instances.length).to.equal(3);
      expect(asked).to.deep.equal(FakeEventSource.instances.map((es) => es.url));
      expect(new Set(FakeEventSource.instances.map((es) => es.query.get('nonce'))).size).to.equal(3);
      expect(c.status.get()).to.include({ state: 'closed', connected: false });
      expect(c.status.get().error).to.deep.equal({ source: 'close', code: 4401, reason: 'bad_sig' });
      expect(errors.length).to.equal(1);
      expect(clock.pending()).to.deep.equal([]);
    });

    it('403 forbidden_origin: stops at once', async () => {
      answer = refusedWith(403, 'forbidden_origin');
      const { c } = await start();
      FakeEventSource.last.fail();
      await clock.tick(60_000);
      expect(FakeEventSource.instances.length).to.equal(1);
      expect(c.status.get().error).to.deep.equal({ source: 'close', code: 4403, reason: 'forbidden_origin' });
      expect(clock.pending()).to.deep.equal([]);
    });

    it('410 revoked: stops at once (4410)', async () => {
      answer = refusedWith(410, 'revoked');
      const { c } = await start();
      FakeEventSource.last.fail();
      await clock.tick(60_000);
      expect(FakeEventSource.instances.length).to.equal(1);
      expect(c.status.get().error).to.deep.equal({ source: 'close', code: 4410, reason: 'revoked' });
      expect(clock.pending()).to.deep.equal([]);
    });

    it('400 bad_topics: stops at once (a client bug, 1008)', async () => {
      answer = refusedWith(400, 'bad_topics');
      const { c } = await start();
      FakeEventSource.last.fail();
      await clock.tick(60_000);
      expect(FakeEventSource.instances.length).to.equal(1);
      expect(c.status.get().error).to.deep.equal({ source: 'close', code: 1008, reason: 'bad_topics' });
    });

    it('503: the gateway is busy, so it waits at least busyDelay (1013)', async () => {
      answer = refusedWith(503, 'unavailable');
      const closes: number[] = [];
      const { c } = await start({
        busyDelay: 5_000,
        logger: (_l, e, d) => e === 'close' && closes.push((d as { code: number }).code),
      });
      FakeEventSource.last.fail();
      await clock.tick(4_900);
      expect(closes).to.deep.equal([1013]);
      expect(c.status.get().state).to.equal('reconnecting');
      expect(FakeEventSource.instances.length).to.equal(1);
      await clock.tick(1_000);
      expect(FakeEventSource.instances.length).to.equal(2);
    });

    for (const [what, respond] of [
      ['a network error', () => Promise.reject(new TypeError('Failed to fetch'))],
      ['a 401 replay (the first request was admitted, then lost)', refusedWith(401, 'replay')],
      ['a 502 page from a proxy', () => Promise.resolve(new Response('<html>bad gateway</html>', { status: 502 }))],
    ] as const) {
      it(`${what}: a lost connection (1006), retried without counting as a refusal`, async () => {
        answer = respond;
        const closes: number[] = [];
        const { c } = await start({ logger: (_l, e, d) => e === 'close' && closes.push((d as { code: number }).code) });
        for (let i = 0; i < 4; i++) {
          FakeEventSource.last.fail();
          await clock.tick(5_000);
        }
        expect(closes).to.deep.equal([1006, 1006, 1006, 1006]);
        expect(c.status.get()).to.include({ state: 'reconnecting', error: null });
        expect(FakeEventSource.instances.length).to.equal(5);
      });
    }

    it('an error after the first frame is a lost stream: no fetch, 1006', async () => {
      answer = refusedWith(401, 'bad_sig');
      const { c } = await start();
      sseHello();
      FakeEventSource.last.fail();
      await clock.tick(1_000);
      expect(asked).to.deep.equal([]);
      expect(FakeEventSource.instances.length).to.equal(2);
      expect(c.status.get().error).to.equal(null);
    });

    it('disconnect() while the fetch is pending: its answer is ignored', async () => {
      let release!: (r: Response) => void;
      answer = () => new Promise((resolve) => (release = resolve));
      const { c } = await start();
      FakeEventSource.last.fail();
      await clock.tick(10);
      c.disconnect();
      release(new Response('{"error":"forbidden_origin"}', { status: 403 }));
      await clock.tick(60_000);
      expect(c.status.get()).to.include({ state: 'closed', error: null });
    });
  });

  it('tries the WebSocket again while on SSE, and switches back without losing a message', async () => {
    const ws = switchableWebSocket();
    // The double sends no heartbeat pings: a long timeout keeps the SSE stream from counting as dead.
    const c = make({ WebSocket: ws.WebSocket, stableAfter: 1_000, probeAfter: 30_000, timeout: 600_000 });
    const t = c.topic<number>('kpis.s2', { reduce: 'append' });
    t.subscribe(() => {});
    await clock.tick(2_000);
    const es = FakeEventSource.last;
    sseHello(es);
    es.push({ type: 'sub.ok', topic: 'kpis.s2', seq: 0, epoch: 'e1' });
    es.push({ type: 'msg', topic: 'kpis.s2', seq: 1, ts: Date.now(), data: 1 });
    gw.publish('kpis.s2', 1); // the gateway double holds the same history
    await clock.tick(1_000); // healthy on SSE: a probe is scheduled
    ws.block(false);
    gw.publish('kpis.s2', 2);
    await clock.tick(30_100);
    expect(gw.attempts).to.equal(1);
    expect(es.readyState).to.equal(2);
    expect(c.status.get()).to.include({ state: 'open', transport: 'websocket' });
    expect(gw.last.received[0]).to.deep.equal({ type: 'sub', topic: 'kpis.s2', since: 1, epoch: 'e1' });
    expect(t.get().data).to.deep.equal([1, 2]);
  });

  it('stays on SSE when the probe fails, and probes again later', async () => {
    const ws = switchableWebSocket();
    const logged: string[] = [];
    const c = make({
      WebSocket: ws.WebSocket,
      stableAfter: 1_000,
      probeAfter: 30_000,
      timeout: 600_000, // no heartbeat pings from the double
      logger: (_l, e) => logged.push(e),
    });
    c.topic('kpis.s2').subscribe(() => {});
    await clock.tick(2_000);
    sseHello();
    await clock.tick(1_000);
    await clock.tick(30_000);
    expect(logged.filter((e) => e === 'probe.failed').length).to.equal(1);
    expect(c.status.get()).to.include({ state: 'open', transport: 'sse' });
    expect(FakeEventSource.instances.length).to.equal(1);
    await clock.tick(60_000); // the next probe waits twice as long
    expect(logged.filter((e) => e === 'probe.failed').length).to.equal(2);
  });
});
