/**
 * The realtime client: the wiring of one connection (WebSocket, SSE as fallback) to its tickets, its topics
 * and its reconnection. Each rule lives in its own module: tickets.ts (a fresh ticket per attempt), topics.ts
 * (ref-counted topic stores and how frames fold into them), liveness.ts (the dead-link rule and its watch),
 * page-events.ts (network and visibility), refresh.ts (when an open WebSocket renews its authority with a fresh
 * ticket) and reconnect-policy.ts (after a close or a ticket failure: stop, or when to retry and over which
 * transport; PROTOCOL.md §7 is its table for people).
 *
 * Life of a connection: `dial` gets a ticket and opens the current transport; `hello` makes it open and
 * (re)subscribes every active topic with its `seq` and `epoch`; after `stableAfter` it counts as healthy; its
 * end goes to the reconnect policy. While on a fallback transport, a probe tries the preferred one again. When
 * `hello` says the connection's authority ends (`expiresIn`), a WebSocket sends a fresh ticket (`refresh`)
 * before it does; an SSE stream ends then, and the client redials.
 *
 * Never silent: a ticket failure, a URL that answers but not as a gateway (a page, no `hello` within
 * `helloTimeout`) or a failed refresh is in `status.error` while the client retries, and every kind of error is
 * told once (a `problem` to the `logger`, else a `[lydian]` console warning), as is a topic's first message
 * its schema refuses.
 *
 * Latency: each live message's `ts` is the gateway's clock; `hello`'s `now` (v1.3) gives the offset between
 * that clock and this one, so `stats.latencyMs` is delivery time rather than clock skew (types.ts says how
 * close it is).
 */
import { CloseCode, closeAction } from '../protocol/close-codes.js';
import { isSeq, PROTOCOL_VERSION, type ClientFrame, type HelloFrame, type ServerFrame } from '../protocol/frames.js';
import { ticketQuery, type Ticket } from '../protocol/ticket.js';
import { DEFAULT_TRANSPORTS, transports as factories } from '../transports/order.js';
import { sseUrlFor } from '../transports/sse.js';
import type { Transport, TransportName } from '../transports/transport.js';
import { timer } from './backoff.js';
import { watchLink } from './liveness.js';
import { consoleLogger, type Logger } from './logger.js';
import { pageEvents } from './page-events.js';
import {
  helloReceived,
  nextProbeDelay,
  probeAdopted,
  reconnect,
  START,
  stayedUp,
  type Ending,
} from './reconnect-policy.js';
import { refresher } from './refresh.js';
import { atom, notify, readonly } from './store.js';
import { getTicket, ticketFailure, type TicketFailure } from './tickets.js';
import { createEntry, patch, receive, resumePoints, subFrame, type Tell, type TopicEntry } from './topics.js';
import { sharingAvailable } from '../share/available.js';
import type { SharedConnection } from '../share/shared-connection.js';
import type { Client, ClientEvents, ClientOptions, ConnectionState, RealtimeError, TopicOptions } from './types.js';

let warned = false;

/**
 * Creates a client and (unless `autoConnect: false`) connects it.
 * @example
 * const client = createClient({ url: 'ws://localhost:3100/rt', scopes: ['ops.admin'], auth: '/rt/ticket' });
 * const stop = client.topic<KPIData>('kpis.s2').subscribe((s) => render(s.data, s.status));
 */
export function createClient(options: ClientOptions): Client {
  const {
    url,
    auth,
    secret,
    stableAfter = 10_000,
    linger = 1_000,
    probeAfter = 60_000,
    helloTimeout = 10_000,
  } = options;
  if (!auth && !secret) throw new TypeError('createClient needs `auth` or `secret`');
  if (!auth && !warned) {
    warned = true;
    console.warn('[lydian] `secret` signs tickets in the page: for development only');
  }
  const order = options.transports ?? DEFAULT_TRANSPORTS;
  const log: Logger = options.logger ?? (options.debug ? consoleLogger : () => {});
  const told = new Set<string>(); // the kinds of error (source and code) told already
  const sseUrl = options.sseUrl ?? sseUrlFor(url);
  const g = globalThis as Partial<typeof globalThis>;
  /** A listener threw: logged here, rethrown on a microtask by `notify`; the client carries on. */
  const oops = (error: unknown): void => log('error', 'listener', error);

  const status = atom<ConnectionState>(
    {
      connected: false,
      state: 'closed',
      transport: null,
      error: null,
      expiresAt: null,
      shared: null,
      stats: { messagesReceived: 0, reconnectCount: 0, latencyMs: null },
    },
    undefined,
    undefined,
    oops,
  );
  const entries = new Map<string, TopicEntry>();
  const events: Record<string, Set<(payload: never) => void>> = {};
  const emit = <K extends keyof ClientEvents>(event: K, payload: ClientEvents[K]): void =>
    events[event]?.forEach((fn) => notify(fn as (p: ClientEvents[K]) => void, payload, oops));

  let conn: Transport | undefined; // the connection in use, open or opening
  let kind: TransportName | undefined; // its transport
  let probe: Transport | undefined; // the preferred transport, tried while on a fallback
  let hello = false; // conn said hello
  let stable = false; // conn stayed up for stableAfter
  let dialing = false; // a ticket is being fetched for a new connection
  let stopped = true;
  let offline = g.navigator?.onLine === false;
  let rs = START; // the reconnect policy's state: backoff step, early failures, refusals, transport
  let gen = 0; // bumps on every dial and stop, so a late ticket can tell it is stale
  let probeDelay = probeAfter;
  const retryT = timer();
  const stableT = timer();
  const probeT = timer();
  const refresh = refresher(renew);
  let limit = options.timeout ?? 30_000; // silence that counts as a dead link
  let skew = 0; // the gateway's clock minus this one, learned at hello (0 when it does not say)
  // The connection this browser's tabs share (issue 17): its code is loaded only where tabs can share.
  let sharing: Promise<SharedConnection | undefined> | undefined;
  let shared: SharedConnection | undefined;

  const setStatus = (patch: Partial<ConnectionState>, stats?: Partial<ConnectionState['stats']>): void => {
    const prev = status.get();
    const next = { ...prev, ...patch, stats: { ...prev.stats, ...stats } };
    status.set(next);
    if (next.state !== prev.state || next.transport !== prev.transport) log('info', 'state', next);
    // Never silent: each kind of error is told once per client, `debug` or not.
    const e = next.error;
    const key = e && `${e.source} ${e.code}`;
    if (key && !told.has(key)) {
      told.add(key);
      tell(e, `${e.reason} (${key})`);
    }
  };
  /** Tells a problem: to the `logger` when there is one (the application decides), else on the console. */
  const tell: Tell = (problem, text) =>
    options.logger ? options.logger('warn', 'problem', problem) : console.warn('[lydian] ' + text);
  const send = (frame: ClientFrame): void => {
    log('debug', 'frame.out', frame);
    conn?.send(frame);
  };
  const available = (name: TransportName | undefined): boolean =>
    name === 'websocket'
      ? !!(options.WebSocket ?? g.WebSocket)
      : name === 'sse' && !!(options.EventSource ?? g.EventSource);
  const link = watchLink(
    () => send({ type: 'ping' }),
    (silentMs) => {
      log('warn', 'dead', { silentMs });
      // Silent from the start: whatever answered (another app's socket, a proxy that holds it) is no gateway.
      onClose(CloseCode.abnormal, 'timeout', hello ? '' : `no hello in ${helloTimeout} ms`);
    },
  );

  /** Opens a transport: through the tabs' shared connection when there is one (a follower has no ticket). */
  function open(name: TransportName, ticket: Ticket | undefined, own = !shared): Transport {
    // The implementations (`WebSocket`, `EventSource`) come with the options.
    const opts = {
      ...options,
      url: name === 'sse' ? sseUrl : url,
      ticket: ticket ? ticketQuery(ticket) : '',
      topics: resumePoints(entries.values()),
    };
    const handlers = {
      frame: (f: ServerFrame) => (t === conn ? onFrame(f) : t === probe && f.type === 'hello' ? adopt(f) : undefined),
      close: (code: number, reason: string, answer?: string) =>
        t === conn ? onClose(code, reason, answer) : t === probe ? probeFailed() : undefined,
      ticket: (error: unknown) => t === conn && ticketFailed(error),
      topics: () => resumePoints(entries.values()),
    };
    const t: Transport = own
      ? factories[name](opts, handlers)
      : shared!.open(factories[name], opts, handlers, name === 'sse');
    log('info', 'transport', { transport: name, probe: conn !== undefined });
    return t;
  }

  /**
   * Closes the connection and any probe silently and forgets their state; the caller decides what next. A tab
   * that shares leaves its group too (a leader hands over), also when it had not opened yet: its next dial
   * enters again.
   */
  function drop(): void {
    shared?.leave();
    conn?.close();
    probe?.close();
    conn = probe = kind = undefined;
    hello = stable = false;
    link.stop();
    stableT.clear();
    probeT.clear();
    refresh.stop();
    for (const e of entries.values()) if (e.store.get().status === 'live') patch(e, { status: 'subscribing' });
  }

  async function dial(): Promise<void> {
    const my = ++gen;
    dialing = false; // a dial still in flight is superseded by this one
    retryT.clear();
    drop();
    if (offline) return setStatus({ state: 'offline' });
    let ti = rs.transport;
    for (let n = 0; n < order.length && !available(order[ti]); n++) ti = (ti + 1) % order.length;
    rs = { ...rs, transport: ti };
    const name = order[ti];
    if (!name || !available(name)) {
      return fail({ source: 'transport', code: 0, reason: 'no transport available' });
    }
    // An SSE stream carries at least one topic: without any, wait until one is wanted (the stream just
    // closed, so the connection is not open any more: `connecting`, or still `reconnecting`).
    if (name === 'sse' && !resumePoints(entries.values()).size) {
      const { state } = status.get();
      return setStatus({ connected: false, expiresAt: null, state: state === 'reconnecting' ? state : 'connecting' });
    }
    let ticket: Ticket | undefined;
    dialing = true;
    try {
      if (sharing) shared = await sharing;
      // A tab that follows another's connection needs no ticket. (A stopped client must not enter the election.)
      if (my === gen && (!shared || (await shared.lead(name === 'sse')))) ticket = await getTicket(options);
    } catch (error) {
      if (my === gen) ticketFailed(error);
      return;
    }
    if (my !== gen) return;
    dialing = false;
    kind = name;
    conn = open(name, ticket);
    link.start(helloTimeout); // until hello
    const { error } = status.get();
    setStatus({ transport: name, error: error?.source === 'ticket' ? null : error }); // a ticket came: solved
  }

  /** No ticket for the next connection: a problem to see while the client retries, or a refusal that stops. */
  function ticketFailed(error: unknown): void {
    dialing = false;
    const failure: RealtimeError = { source: 'ticket', ...ticketFailure(error) };
    log('warn', 'ticket.error', failure);
    ended({ ...failure, offline }, failure);
  }

  function onFrame(f: ServerFrame): void {
    if (hello) link.heard(); // before hello only hello counts: the deadline runs
    log('debug', 'frame.in', f);
    switch (f.type) {
      case 'hello':
        return onHello(f);
      case 'ping':
        return send({ type: 'pong' });
      case 'error':
        return log('warn', 'gateway.error', f);
      case 'refresh.ok': {
        const { error } = status.get();
        return setStatus({
          expiresAt: refresh.start(f.expiresIn, true),
          error: error?.source === 'refresh' ? null : error, // renewed: solved
        });
      }
      case 'refresh.err':
        return refreshFailed({ code: CloseCode.unauthorized, reason: `refresh refused: ${f.code}` });
      case 'close': // SSE's last frame: its transport reports the close
      case 'pong':
      case 'unsub.ok':
        return;
    }
    const e = entries.get(f.topic);
    const now = Date.now();
    if (!e?.active || !receive(e, f, now, log, emit, tell)) return;
    const st = status.get().stats;
    // Live messages only: a replayed one's age is no latency.
    const latencyMs = f.seq > e.liveFrom ? Math.max(0, now + skew - f.ts) : st.latencyMs;
    setStatus({}, { messagesReceived: st.messagesReceived + 1, latencyMs });
    emit('message', f);
  }

  function onHello(f: HelloFrame): void {
    // A gateway speaking another version cannot be understood: stop, as for any protocol error.
    if (f.v !== PROTOCOL_VERSION) return onClose(CloseCode.protocolError, `unsupported protocol version ${f.v}`);
    hello = true;
    skew = isSeq(f.now) ? f.now - Date.now() : 0;
    rs = helloReceived(rs);
    // Both transports carry the gateway's ping frames (PROTOCOL.md §5): dead-link detection runs from here.
    limit = options.timeout ?? (2 * f.heartbeatMs || 30_000);
    stableT.set(() => {
      stable = true;
      rs = stayedUp(rs);
      if (rs.transport) probeT.set(probeNow, probeDelay);
      else probeDelay = probeAfter;
    }, stableAfter);
    link.start(limit);
    // The wire first, listeners after: whatever a listener does, every active topic is subscribed.
    const active = [...entries.values()].filter((e) => e.active);
    if (conn?.duplex) active.forEach((e) => send(subFrame(e)));
    // Only a WebSocket can send a fresh ticket; an SSE stream just ends with the authority.
    const expiresAt = refresh.start(f.expiresIn, !!conn?.duplex);
    setStatus({ connected: true, state: 'open', transport: kind ?? null, error: null, expiresAt });
    for (const e of active) if (e.store.get().status === 'error') patch(e, { status: 'subscribing' });
  }

  /** Renews the open connection's authority with a fresh ticket; abandoned if the connection ends meanwhile. */
  async function renew(): Promise<void> {
    const t = conn;
    try {
      const ticket = await getTicket(options);
      if (t === conn) send({ type: 'refresh', ticket });
    } catch (error) {
      if (t === conn) refreshFailed(ticketFailure(error));
    }
  }

  /** A refresh failed: the connection keeps its authority until it ends, and the error is shown meanwhile. */
  function refreshFailed({ code, reason }: TicketFailure): void {
    const error: RealtimeError = { source: 'refresh', code, reason };
    log('warn', 'refresh.error', error);
    setStatus({ error });
    refresh.retry();
  }

  /** The connection ended; `answer`: its URL answered, but not as a gateway (what came back). */
  function onClose(code: number, reason: string, answer?: string): void {
    log(closeAction(code) === 'retry' ? 'info' : 'warn', 'close', { code, reason, transport: kind });
    const wrong: RealtimeError | undefined = answer
      ? { source: 'transport', code, reason: `${url} did not answer as a Lydian gateway: ${answer}` }
      : undefined;
    ended({ source: 'close', code, reason, ...wrong, open: hello, stable, offline }, wrong);
  }

  /**
   * An attempt ended: the reconnect policy decides whether and when the next dial comes. A ticket failure or a
   * URL that is no gateway is a problem to see while the client retries: it stays in `error` until a ticket (or
   * the gateway's hello) comes. Offline, no network explains it.
   */
  function ended(ending: Ending, shown?: RealtimeError): void {
    drop();
    const { stop: error, state, delay: ms } = reconnect(rs, ending, options, order.length);
    if (error) return fail(error);
    rs = state;
    setStatus({
      connected: false,
      expiresAt: null,
      state: offline ? 'offline' : 'reconnecting',
      ...(!offline && shown && { error: shown }),
    });
    if (ms === undefined) return; // offline: `online` dials
    log('info', 'retry', { ms, attempt: rs.attempt });
    retryT.set(() => {
      setStatus({}, { reconnectCount: status.get().stats.reconnectCount + 1 });
      void dial();
    }, ms);
  }

  /** Tries the preferred transport while on a fallback; it replaces the fallback once it says hello. */
  async function probeNow(): Promise<void> {
    const name = order[0];
    const my = gen;
    // A shared connection does not probe: it stays on the fallback until it reconnects (README, tab sharing).
    if (!hello || !available(name) || shared) return;
    probeDelay = nextProbeDelay(probeDelay);
    try {
      const ticket = await getTicket(options);
      if (my !== gen || !hello) return;
      probe = open(name as TransportName, ticket, true);
      probeT.set(() => {
        probe?.close();
        probeFailed();
      }, limit);
    } catch {
      if (my === gen && hello) probeFailed();
    }
  }

  function probeFailed(): void {
    log('info', 'probe.failed', { next: probeDelay });
    probe = undefined;
    probeT.set(probeNow, probeDelay);
  }

  /** The probe said hello: it replaces the fallback, then resubscribes everything with `since`. */
  function adopt(f: HelloFrame): void {
    const next = probe;
    probe = undefined;
    drop();
    conn = next;
    kind = order[0];
    rs = probeAdopted(rs);
    onFrame(f);
  }

  /** The topic set changed: a one-way transport reopens with the new set (at once, unless backing off). */
  function changed(): void {
    if (order[rs.transport] === 'sse' && !stopped && !offline && (conn || dialing || !retryT.pending())) {
      retryT.set(() => void dial(), 0);
    }
  }

  /** A topic became wanted (its first listener) or not (its linger ended after the last one left). */
  function want(e: TopicEntry, on: boolean): void {
    e.active = on;
    patch(e, on ? { status: stopped ? 'closed' : 'subscribing', error: null } : { status: 'idle' });
    if (hello && conn?.duplex) send(on ? subFrame(e) : { type: 'unsub', topic: e.name });
    else changed();
  }

  function fail(error: RealtimeError): void {
    log('error', 'stopped', error);
    stop({ error });
    emit('error', error);
  }

  const onOnline = (): void => {
    offline = false;
    if (stopped) return;
    if (hello && conn?.duplex) {
      link.ping(); // the network changed: make sure the link survived it
    } else if (!conn && !dialing) {
      void dial();
    }
  };
  const onOffline = (): void => {
    offline = true;
    if (!conn && !dialing && !stopped) {
      retryT.clear();
      setStatus({ state: 'offline' });
    }
  };
  const bindPage = pageEvents(onOnline, onOffline, link.check);

  function stop(final: Partial<ConnectionState>): void {
    if (!stopped) bindPage(false);
    stopped = true;
    gen++;
    dialing = false;
    drop();
    retryT.clear();
    for (const e of entries.values()) {
      if (e.lingerT.pending()) {
        e.lingerT.clear();
        e.active = false;
      }
      patch(e, { status: e.active ? 'closed' : 'idle' });
    }
    setStatus({ connected: false, state: 'closed', error: null, expiresAt: null, ...final });
  }

  function connect(): void {
    if (!stopped) return;
    stopped = false;
    // By default a page shares what its tabs share: the browser's own transports (not an implementation given).
    const { share = !options.WebSocket && !options.EventSource } = options;
    if (!sharing && share && sharingAvailable()) {
      sharing = import('../share/index.js').then(
        ({ joinTabs }) => joinTabs(options, (s) => setStatus({ shared: s })),
        // Not loaded (a chunk missing beside the bundle): this tab connects on its own, and says why once.
        (error: unknown) => void console.warn('[lydian] tab sharing not loaded, connecting alone:', error),
      );
    }
    rs = START;
    bindPage(true);
    setStatus({ state: 'connecting', error: null });
    for (const e of entries.values()) if (e.active) patch(e, { status: 'subscribing' });
    void dial();
  }

  const client: Client = {
    status: readonly(status),
    topic: ((name: string, opts: TopicOptions<unknown, unknown> = {}) => {
      let e = entries.get(name);
      if (!e) entries.set(name, (e = createEntry(name, opts, linger, want, oops)));
      return e.view;
    }) as Client['topic'],
    on(event, listener) {
      const set = (events[event] ??= new Set());
      set.add(listener);
      return () => void set.delete(listener);
    },
    connect,
    disconnect: () => stop({}),
  };
  if (options.autoConnect ?? true) connect();
  return client;
}
