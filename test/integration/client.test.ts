/**
 * The core client in real Chromium against the real reference gateway (started per test by the gateway
 * plugin), over real WebSocket and EventSource. Waits are on store changes, never on sleeps.
 */
import { expect } from '@open-wc/testing';
import { createClient } from '../../src/core/client.js';
import type { Client, ClientOptions, RealtimeError } from '../../src/core/types.js';
import type { Ticket } from '../../src/protocol/ticket.js';
import {
  cutConnections,
  fanout,
  restartGateway,
  setProxyMode,
  startGateway,
  stopGateway,
  type TestGateway,
} from '../helpers/commands.js';
import { untilStore } from '../helpers/until.js';

/** A WebSocket that cannot be opened: what a blocking proxy or policy looks like to the page. */
const BlockedWebSocket = class {
  constructor() {
    throw new DOMException('WebSocket blocked', 'SecurityError');
  }
} as unknown as typeof WebSocket;

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('core client against the real gateway', () => {
  let gw: TestGateway;
  let client: Client | undefined;
  let problems: RealtimeError[]; // told once per kind: here instead of the console

  const make = (options: Partial<ClientOptions> = {}): Client =>
    (client = createClient({
      url: gw.wsUrl,
      scopes: ['ops.admin', 'liveops.admin'],
      auth: `${gw.url}/rt/ticket`,
      minDelay: 50,
      maxDelay: 1_000,
      stableAfter: 500,
      logger: (_level, event, data) => event === 'problem' && problems.push(data as RealtimeError),
      ...options,
    }));

  beforeEach(async () => {
    problems = [];
    gw = await startGateway();
  });
  afterEach(async () => {
    client?.disconnect();
    client = undefined;
    await stopGateway(gw);
  });

  it('connects, subscribes and receives', async () => {
    const c = make();
    const kpis = c.topic<{ crash_free: number }>('kpis.s2');
    await untilStore(kpis, (s) => s.status === 'live');
    expect(c.status.get()).to.include({ connected: true, state: 'open', transport: 'websocket' });
    await fanout(gw, 'kpis.s2', { crash_free: 99.2 });
    const s = await untilStore(kpis, (v) => v.data !== undefined);
    expect(s.data).to.deep.equal({ crash_free: 99.2 });
    expect(s.seq).to.equal(1);
    expect(c.status.get().stats.latencyMs).to.be.a('number');
  });

  it('signs in the page with `secret` (WebCrypto) and the gateway accepts it, with one warning', async () => {
    const warnings: unknown[][] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args);
    try {
      const c = make({ auth: undefined, secret: 'test-secret' });
      const s = await untilStore(c.status, (v) => v.state === 'open' || v.state === 'closed');
      expect(s.state).to.equal('open');
      make({ auth: undefined, secret: 'test-secret' }).disconnect(); // once per page
    } finally {
      console.warn = warn;
    }
    expect(warnings).to.deep.equal([['[lydian] `secret` signs tickets in the page: for development only']]);
  });

  it('puts an RBAC refusal on one topic while another stays live', async () => {
    const c = make({ scopes: ['ops.admin'] });
    const economy = c.topic('economy.patch');
    const kpis = c.topic<number>('kpis.s2');
    await untilStore(economy, (s) => s.status === 'error');
    await untilStore(kpis, (s) => s.status === 'live');
    expect(economy.get().error).to.deep.equal({ code: 'forbidden' });
    await fanout(gw, 'kpis.s2', 7);
    expect((await untilStore(kpis, (s) => s.seq === 1)).data).to.equal(7);
    expect(c.status.get().state).to.equal('open');
  });

  it('delivers every message published during a cut exactly once and in order', async () => {
    const c = make({ url: gw.proxyWsUrl });
    const stream = c.topic<number>('liveops.events', { reduce: 'append', limit: 1_000 });
    await untilStore(stream, (s) => s.status === 'live');
    for (const n of range(1, 5)) await fanout(gw, 'liveops.events', n);
    await untilStore(stream, (s) => s.seq === 5);
    await cutConnections(gw);
    for (const n of range(6, 15)) await fanout(gw, 'liveops.events', n); // the gateway keeps publishing
    await untilStore(c.status, (s) => s.stats.reconnectCount >= 1 && s.state === 'open');
    for (const n of range(16, 20)) await fanout(gw, 'liveops.events', n);
    const s = await untilStore(stream, (v) => v.seq === 20);
    expect(s.data).to.deep.equal(range(1, 20));
    expect(s.stats).to.include({ gaps: 0, resets: 0, messagesReceived: 20 });
  });

  it('takes the reset after a gateway restart (history gone) and goes on with fresh data', async () => {
    const c = make();
    const kpis = c.topic<string>('kpis.s2');
    await untilStore(kpis, (s) => s.status === 'live');
    await fanout(gw, 'kpis.s2', 'before-1');
    await fanout(gw, 'kpis.s2', 'before-2');
    const before = await untilStore(kpis, (s) => s.seq === 2);
    await restartGateway(gw);
    const after = await untilStore(kpis, (s) => s.stats.resets === 1 && s.status === 'live');
    expect(after.epoch).to.not.equal(before.epoch);
    await fanout(gw, 'kpis.s2', 'fresh');
    const s = await untilStore(kpis, (v) => v.data === 'fresh');
    expect(s.seq).to.equal(1);
    expect(s.stats.gaps).to.equal(0);
    expect(c.status.get().error).to.equal(null);
  });

  it('delivers over SSE when WebSocket is unavailable, and resumes after the stream is cut', async () => {
    const c = make({ url: gw.proxyWsUrl, WebSocket: BlockedWebSocket });
    const stream = c.topic<number>('liveops.events', { reduce: 'append' });
    await untilStore(stream, (s) => s.status === 'live');
    expect(c.status.get()).to.include({ transport: 'sse', state: 'open' });
    for (const n of range(1, 3)) await fanout(gw, 'liveops.events', n);
    await untilStore(stream, (s) => s.seq === 3);
    await cutConnections(gw);
    for (const n of range(4, 8)) await fanout(gw, 'liveops.events', n);
    const s = await untilStore(stream, (v) => v.seq === 8);
    expect(s.data).to.deep.equal(range(1, 8));
    expect(s.stats.gaps).to.equal(0);
  });

  it('ends on SSE when a proxy lets WebSocket upgrades through and kills them (no flapping)', async () => {
    await setProxyMode(gw, 'kill-ws');
    let sockets = 0;
    const CountingWebSocket = class extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets++;
      }
    };
    const c = make({ url: gw.proxyWsUrl, stableAfter: 5_000, WebSocket: CountingWebSocket });
    const kpis = c.topic<number>('kpis.s2');
    const stop = kpis.subscribe(() => {}); // an SSE stream opens only for a topic
    await untilStore(c.status, (s) => s.transport === 'sse' && s.state === 'open');
    expect(sockets).to.equal(2); // two sockets that died young, then SSE
    await untilStore(kpis, (s) => s.status === 'live');
    stop();
    await fanout(gw, 'kpis.s2', 1);
    expect((await untilStore(kpis, (s) => s.seq === 1)).data).to.equal(1);
    // Still on SSE, and no socket tried since: the next WebSocket probe waits for probeAfter (60 s).
    expect(sockets).to.equal(2);
    expect(c.status.get()).to.include({ transport: 'sse', state: 'open', connected: true });
    expect(c.status.get().stats.reconnectCount).to.equal(2);
  });

  it('on SSE, stops after 3 refused tickets in a row, with the gateway reason', async () => {
    let calls = 0;
    const c = make({
      transports: ['sse'],
      auth: async (scopes) => {
        calls++;
        const ticket = (await (await fetch(`${gw.url}/rt/ticket?scopes=${scopes.join(',')}`)).json()) as Ticket;
        return { ...ticket, sig: '0'.repeat(64) };
      },
    });
    c.topic('kpis.s2').subscribe(() => {});
    const s = await untilStore(c.status, (v) => v.state === 'closed');
    expect(s.error).to.deep.equal({ source: 'close', code: 4401, reason: 'bad_sig' });
    expect(calls).to.equal(3);
    expect(problems).to.deep.equal([s.error]);
  });

  it('an auth function returning the endpoint Response connects, and stops at once on its 401', async () => {
    const c = make({ auth: (scopes) => fetch(`${gw.url}/rt/ticket?scopes=${scopes.join(',')}`) });
    await untilStore(c.status, (v) => v.state === 'open');
    c.disconnect();
    // A mistyped path on the gateway: its 404 is readable from the page's origin (demo mode), so the client says
    // "answered 404" (not a CORS failure) and retries, as for any status but 401 and 403.
    const d = make({ auth: () => fetch(`${gw.url}/rt/no-such-endpoint`) });
    const retrying = await untilStore(d.status, (v) => v.state === 'reconnecting' && v.error !== null);
    expect(retrying.error).to.include({ source: 'ticket', code: 404 });
    expect(retrying.error?.reason).to.match(/no-such-endpoint answered 404 application\/json/);
    d.disconnect();
    const e = make({ auth: async () => new Response('{"error":"unauthorized"}', { status: 401 }) });
    const s = await untilStore(e.status, (v) => v.state === 'closed');
    expect(s.error).to.include({ source: 'ticket', code: 401 });
    expect(problems).to.deep.equal([retrying.error, s.error]);
  });

  it('refreshes a refused ticket (4401) and connects', async () => {
    let calls = 0;
    const closes: unknown[] = [];
    const c = make({
      auth: async (scopes) => {
        const ticket = (await (await fetch(`${gw.url}/rt/ticket?scopes=${scopes.join(',')}`)).json()) as Ticket;
        return ++calls === 1 ? { ...ticket, sig: '0'.repeat(64) } : ticket;
      },
      logger: (_level, event, data) => {
        if (event === 'close') closes.push((data as { code: number; reason: string }).code);
      },
    });
    const s = await untilStore(c.status, (v) => v.state === 'open');
    expect(calls).to.equal(2);
    expect(closes).to.deep.equal([4401]);
    expect(s.error).to.equal(null);
  });
});

describe('core client against a gateway with an Origin allowlist that leaves the page out', () => {
  let gw: TestGateway;
  let client: Client | undefined;
  beforeEach(async () => {
    gw = await startGateway({ allowedOrigins: ['https://elsewhere.example'] });
  });
  afterEach(async () => {
    client?.disconnect();
    client = undefined;
    await stopGateway(gw);
  });

  for (const transport of ['sse', 'websocket'] as const) {
    it(`stops at once on ${transport} with 4403 forbidden_origin`, async () => {
      const closes: number[] = [];
      const c = (client = createClient({
        url: gw.wsUrl,
        scopes: ['ops.admin'],
        auth: `${gw.url}/rt/ticket`,
        transports: [transport],
        minDelay: 50,
        logger: (_level, event, data) => event === 'close' && closes.push((data as { code: number }).code),
      }));
      c.topic('kpis.s2').subscribe(() => {});
      const s = await untilStore(c.status, (v) => v.state === 'closed');
      expect(s.error).to.deep.equal({ source: 'close', code: 4403, reason: 'forbidden_origin' });
      expect(closes).to.deep.equal([4403]);
      expect(s.stats.reconnectCount).to.equal(0);
    });
  }
});
