/**
 * The realtime client: one connection (WebSocket, SSE as fallback), tickets per attempt, reconnection with
 * backoff and resume, dead-link detection, and a ref-counted store per topic.
 *
 * Life of a connection: `dial` fetches a fresh ticket and opens the current transport; `hello` makes it open
 * and (re)subscribes every active topic with its `seq` and `epoch`; after `stableAfter` it counts as healthy
 * (backoff and transport failures reset); its close goes through the close-code table (close-codes.ts).
 */
import type { ClientFrame, HelloFrame, ServerFrame } from '../protocol/frames.js';
import { isTopicName } from '../protocol/names.js';
import type { SseResume } from '../protocol/sse.js';
import { encodeQueryValue, ticketQuery, type Ticket } from '../protocol/ticket.js';
import { DEFAULT_TRANSPORTS, transports as factories } from '../transports/order.js';
import { sseUrlFor } from '../transports/sse.js';
import { withQuery, type Transport, type TransportName } from '../transports/transport.js';
import { backoff, timer, type Timer } from './backoff.js';
import { closeAction, MAX_AUTH_REFUSALS } from './close-codes.js';
import { consoleLogger, type Logger } from './logger.js';
import { append, latest, merge, type Reducer } from './reducers.js';
import { signTicket } from './signer.js';
import { atom, notify, type WritableStore } from './store.js';
import type {
  Client,
  ClientEvents,
  ClientOptions,
  ConnectionState,
  RealtimeError,
  TopicOptions,
  TopicState,
  TopicStore,
} from './types.js';

interface Entry {
  name: string;
  store: WritableStore<TopicState<unknown>>;
  view: TopicStore<unknown>;
  fold: Reducer<unknown, unknown>;
  /** Wanted on the wire: it has listeners, or its last one left less than `linger` ago. */
  active: boolean;
  lingerT: Timer;
  /** `seq` of `sub.ok`: later messages are live (used for latency). */
  liveFrom: number;
}

/** A thrown ticket failure: `status` is the HTTP status, 0 for a network error, -1 for a malformed ticket. */
interface TicketFailure {
  status?: unknown;
  message?: unknown;
}

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
    scopes = [],
    auth,
    secret,
    minDelay = 500,
    maxDelay = 30_000,
    busyDelay = 5_000,
    stableAfter = 10_000,
    linger = 1_000,
    probeAfter = 60_000,
  } = options;
  if (!auth && !secret) throw new TypeError('createClient needs `auth` or `secret`');
  if (!auth && !warned) {
    warned = true;
    console.warn('[lydian] `secret` signs tickets in the page: for development only');
  }
  const order = options.transports ?? DEFAULT_TRANSPORTS;
  const log: Logger = options.logger ?? (options.debug ? consoleLogger : () => {});
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
      stats: { messagesReceived: 0, reconnectCount: 0, latencyMs: null },
    },
    undefined,
    undefined,
    oops,
  );
  const entries = new Map<string, Entry>();
  const events: Record<string, Set<(payload: never) => void>> = {};

  let conn: Transport | undefined; // the connection in use, open or opening
  let kind: TransportName | undefined; // its transport
  let probe: Transport | undefined; // the preferred transport, tried while on a fallback
  let hello = false; // conn said hello
  let stable = false; // conn stayed up for stableAfter
  let dialing = false; // a ticket is being fetched for a new connection
  let stopped = true;
  let offline = g.navigator?.onLine === false;
  let ti = 0; // index in order of the current transport
  let fails = 0; // attempts of the current transport that failed before becoming stable
  let attempt = 0; // backoff step
  let refusals = 0; // tickets refused in a row
  let gen = 0; // bumps on every dial and stop, so a late ticket can tell it is stale
  let lastRx = 0; // wall clock of the last frame (or of the dial)
  let pokedAt = 0; // wall clock of the last liveness ping
  let limit = options.timeout ?? 30_000;
  let probeDelay = probeAfter;
  const retryT = timer();
  const deadT = timer();
  const stableT = timer();
  const probeT = timer();

  const setStatus = (patch: Partial<ConnectionState>, stats?: Partial<ConnectionState['stats']>): void => {
    const prev = status.get();
    const next = { ...prev, ...patch, stats: { ...prev.stats, ...stats } };
    status.set(next);
    if (next.state !== prev.state || next.transport !== prev.transport) log('info', 'state', next);
  };
  const patch = (e: Entry, p: Partial<TopicState<unknown>>): void => e.store.set({ ...e.store.get(), ...p });
  const emit = <K extends keyof ClientEvents>(event: K, payload: ClientEvents[K]): void =>
    events[event]?.forEach((fn) => notify(fn as (p: ClientEvents[K]) => void, payload, oops));
  const send = (frame: ClientFrame): void => {
    log('debug', 'frame.out', frame);
    conn?.send(frame);
  };
  const available = (name: TransportName | undefined): boolean =>
    name === 'websocket' ? !!(options.WebSocket ?? g.WebSocket) : name === 'sse' && !!(options.EventSource ?? g.EventSource);

  /** Active topics and where each resumes. */
  const wanted = (): Map<string, SseResume | undefined> => {
    const topics = new Map<string, SseResume | undefined>();
    for (const e of entries.values()) {
      const { seq, epoch } = e.store.get();
      if (e.active) topics.set(e.name, epoch === undefined ? undefined : { since: seq, epoch });
    }
    return topics;
  };

  const subFrame = (e: Entry): ClientFrame => {
    const { seq, epoch } = e.store.get();
    return epoch === undefined ? { type: 'sub', topic: e.name } : { type: 'sub', topic: e.name, since: seq, epoch };
  };

  /** A ticket from `auth` (a URL, or a function returning a ticket or the endpoint's `Response`) or `secret`. */
  async function getTicket(): Promise<Ticket> {
    let ticket: Ticket | Response = await (typeof auth === 'string'
      ? fetch(withQuery(auth, 'scopes=' + encodeQueryValue(scopes.join(','))))
      : auth
        ? auth(scopes)
        : signTicket(secret as string, scopes));
    if (typeof (ticket as Response)?.json === 'function') {
      const res = ticket as Response;
      if (!res.ok) throw { status: res.status, message: `ticket endpoint answered ${res.status}` };
      ticket = (await res.json()) as Ticket;
    }
    if (typeof (ticket as Ticket)?.sig !== 'string') throw { status: -1, message: 'malformed ticket' };
    return ticket as Ticket;
  }

  function open(name: TransportName, ticket: Ticket): Transport {
    const t: Transport = factories[name](
      {
        url: name === 'sse' ? sseUrl : url,
        ticket: ticketQuery(ticket),
        topics: wanted(),
        WebSocket: options.WebSocket,
        EventSource: options.EventSource,
      },
      {
        frame: (f) => (t === conn ? onFrame(f) : t === probe && f.type === 'hello' ? adopt(f) : undefined),
        close: (code, reason) => (t === conn ? onClose(code, reason) : t === probe ? probeFailed() : undefined),
      },
    );
    log('info', 'transport', { transport: name, probe: conn !== undefined });
    return t;
  }

  /** Closes the connection and any probe silently and forgets their state; the caller decides what next. */
  function drop(): void {
    conn?.close();
    probe?.close();
    conn = probe = kind = undefined;
    hello = stable = false;
    deadT.clear();
    stableT.clear();
    probeT.clear();
    for (const e of entries.values()) if (e.store.get().status === 'live') patch(e, { status: 'subscribing' });
  }

  async function dial(): Promise<void> {
    const my = ++gen;
    dialing = false; // a dial still in flight is superseded by this one
    retryT.clear();
    drop();
    if (offline) return setStatus({ state: 'offline' });
    for (let n = 0; n < order.length && !available(order[ti]); n++) ti = (ti + 1) % order.length;
    const name = order[ti];
    if (!name || !available(name)) {
      return fail({ source: 'transport', code: 0, reason: 'no transport available' });
    }
    // An SSE stream carries at least one topic: without any, wait until one is wanted (the stream just
    // closed, so the connection is not open any more: `connecting`, or still `reconnecting`).
    if (name === 'sse' && !wanted().size) {
      const { state } = status.get();
      return setStatus({ connected: false, state: state === 'reconnecting' ? state : 'connecting' });
    }
    let ticket: Ticket;
    dialing = true;
    try {
      ticket = await getTicket();
    } catch (error) {
      if (my === gen) {
        dialing = false;
        ticketFailed(error as TicketFailure);
      }
      return;
    }
    if (my !== gen) return;
    dialing = false;
    kind = name;
    lastRx = Date.now();
    pokedAt = 0;
    conn = open(name, ticket);
    setStatus({ transport: name });
    check();
  }

  function onFrame(f: ServerFrame): void {
    lastRx = Date.now();
    log('debug', 'frame.in', f);
    switch (f.type) {
      case 'hello':
        return onHello(f);
      case 'ping':
        return send({ type: 'pong' });
      case 'error':
        return log('warn', 'gateway.error', f);
      case 'pong':
      case 'unsub.ok':
        return;
    }
    const e = entries.get(f.topic);
    if (!e?.active) return;
    const s = e.store.get();
    switch (f.type) {
      case 'sub.ok':
        e.liveFrom = f.seq;
        return patch(e, { status: 'live', error: null, epoch: f.epoch });
      case 'sub.err':
        log('warn', 'sub.err', f);
        return patch(e, { status: 'error', error: { code: f.code } });
      case 'reset':
        log('warn', 'reset', f);
        patch(e, { seq: 0, epoch: f.epoch, stats: { ...s.stats, resets: s.stats.resets + 1 } });
        return emit('reset', { topic: f.topic, epoch: f.epoch });
      case 'msg': {
        if (s.seq && f.seq <= s.seq) return log('debug', 'duplicate', f);
        const gap = s.seq > 0 && f.seq > s.seq + 1;
        if (gap) {
          log('warn', 'gap', { topic: f.topic, expected: s.seq + 1, seq: f.seq });
          emit('gap', { topic: f.topic, expected: s.seq + 1, seq: f.seq });
        }
        const now = Date.now();
        const st = status.get().stats;
        patch(e, {
          data: e.fold(s.data, f.data, f),
          seq: f.seq,
          stats: {
            messagesReceived: s.stats.messagesReceived + 1,
            lastMessageAt: now,
            gaps: s.stats.gaps + (gap ? 1 : 0),
            resets: s.stats.resets,
          },
        });
        setStatus(
          {},
          { messagesReceived: st.messagesReceived + 1, latencyMs: f.seq > e.liveFrom ? now - f.ts : st.latencyMs },
        );
        return emit('message', f);
      }
    }
  }

  function onHello(f: HelloFrame): void {
    // A gateway speaking another version cannot be understood: stop, as for any protocol error.
    if (f.v !== 1) return onClose(1002, `unsupported protocol version ${f.v}`);
    hello = true;
    refusals = 0;
    // Both transports carry the gateway's ping frames (PROTOCOL.md §5): dead-link detection runs from here.
    limit = options.timeout ?? (2 * f.heartbeatMs || 30_000);
    stableT.set(() => {
      stable = true;
      attempt = fails = 0;
      if (ti) probeT.set(probeNow, probeDelay);
      else probeDelay = probeAfter;
    }, stableAfter);
    check();
    // The wire first, listeners after: whatever a listener does, every active topic is subscribed.
    const active = [...entries.values()].filter((e) => e.active);
    if (conn?.duplex) active.forEach((e) => send(subFrame(e)));
    setStatus({ connected: true, state: 'open', transport: kind ?? null, error: null });
    for (const e of active) if (e.store.get().status === 'error') patch(e, { status: 'subscribing' });
  }

  function onClose(code: number, reason: string): void {
    const action = closeAction(code);
    log(action === 'retry' ? 'info' : 'warn', 'close', { code, reason, transport: kind });
    const wasStable = stable;
    const wasOpen = hello;
    drop();
    if (action === 'stop' || (action === 'reauth' && ++refusals >= MAX_AUTH_REFUSALS)) {
      return fail({ source: 'close', code, reason });
    }
    // A transport counts as working only once it stayed up: one that keeps failing before hello, or dying
    // abnormally (1006: a proxy killing it) before it is healthy, is left behind. A clean close the gateway
    // chose (1012 restart, 1011) says nothing against the transport.
    if (action === 'retry' && !wasStable && (!wasOpen || code === 1006) && ++fails >= 2) {
      fails = 0;
      ti = (ti + 1) % order.length;
    }
    // Whatever ended a connection that had said hello (a restart, a crash, a cut network) likely ended its
    // neighbours' too: the fleet must not return in the same second, so the first retry is spread over
    // 8 × minDelay (0–4 s by default).
    retry(action === 'busy' ? busyDelay : 0, wasOpen ? 3 : 0);
  }

  function ticketFailed(error: TicketFailure): void {
    const code = typeof error?.status === 'number' ? error.status : 0;
    const reason = String(error?.message ?? error);
    log('warn', 'ticket.error', { code, reason });
    if (code === 401 || code === 403 || (code < 0 && ++refusals >= MAX_AUTH_REFUSALS)) {
      return fail({ source: 'ticket', code, reason });
    }
    retry();
  }

  /** Schedules the next dial: `floor` plus full-jitter backoff from at least step `minStep`. */
  function retry(floor = 0, minStep = 0): void {
    setStatus({ connected: false, state: offline ? 'offline' : 'reconnecting' });
    if (offline) return;
    const ms = floor + backoff(Math.max(attempt++, minStep), minDelay, maxDelay);
    log('info', 'retry', { ms, attempt });
    retryT.set(() => {
      setStatus({}, { reconnectCount: status.get().stats.reconnectCount + 1 });
      void dial();
    }, ms);
  }

  /**
   * Dead-link detection against the wall clock. Silence never kills a link on its own: once it nears the
   * limit a `ping` goes out, and only a ping left unanswered for a grace period closes the connection. A timer
   * that fires late (a throttled background tab, a laptop waking up) therefore only sends a ping.
   */
  function check(): void {
    deadT.clear();
    if (!conn) return;
    const now = Date.now();
    if (pokedAt > lastRx) {
      if (now - pokedAt < grace()) return deadT.set(check, pokedAt + grace() - now);
      log('warn', 'dead', { silentMs: now - lastRx });
      return onClose(1006, 'timeout');
    }
    if (now - lastRx >= limit - grace()) return poke();
    deadT.set(check, lastRx + limit - grace() - now);
  }

  /** Asks the gateway for a sign of life (a one-way transport just waits) and checks again after the grace. */
  function poke(): void {
    pokedAt = Date.now();
    send({ type: 'ping' });
    deadT.set(check, grace());
  }
  const grace = (): number => Math.min(5_000, limit / 3);

  async function probeNow(): Promise<void> {
    const name = order[0];
    const my = gen;
    if (!hello || !available(name)) return;
    probeDelay = Math.min(probeDelay * 2, 3_600_000);
    try {
      const ticket = await getTicket();
      if (my !== gen || !hello) return;
      probe = open(name as TransportName, ticket);
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
    ti = 0;
    fails = 1; // one early death and it is back to the fallback
    onFrame(f);
  }

  /** The topic set changed: a one-way transport reopens with the new set (at once, unless backing off). */
  function changed(): void {
    if (order[ti] === 'sse' && !stopped && !offline && (conn || dialing || !retryT.pending())) {
      retryT.set(() => void dial(), 0);
    }
  }

  function activate(e: Entry): void {
    e.active = true;
    patch(e, { status: stopped ? 'closed' : 'subscribing', error: null });
    if (hello && conn?.duplex) send(subFrame(e));
    else changed();
  }

  function deactivate(e: Entry): void {
    e.active = false;
    patch(e, { status: 'idle' });
    if (hello && conn?.duplex) send({ type: 'unsub', topic: e.name });
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
      poke(); // the network changed: make sure the link survived it
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
  const onVisible = (): void => {
    if (g.document?.visibilityState === 'visible') check();
  };
  const bind = (on: boolean): void => {
    const method = on ? 'addEventListener' : 'removeEventListener';
    g[method]?.('online', onOnline);
    g[method]?.('offline', onOffline);
    g.document?.[method]('visibilitychange', onVisible);
  };

  function stop(final: Partial<ConnectionState>): void {
    if (!stopped) bind(false);
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
      patchEntry(e, e.active ? 'closed' : 'idle');
    }
    setStatus({ connected: false, state: 'closed', error: null, ...final });
  }
  const patchEntry = (e: Entry, s: TopicState<unknown>['status']): void => patch(e, { status: s });

  function connect(): void {
    if (!stopped) return;
    stopped = false;
    ti = fails = attempt = refusals = 0;
    bind(true);
    setStatus({ state: 'connecting', error: null });
    for (const e of entries.values()) if (e.active) patchEntry(e, 'subscribing');
    void dial();
  }

  function topic(name: string, opts: TopicOptions<unknown, unknown> = {}): TopicStore<unknown> {
    let e = entries.get(name);
    if (!e) {
      if (!isTopicName(name)) throw new TypeError(`invalid topic name: ${name}`);
      const r = opts.reduce;
      const lingerT = timer();
      const store = atom<TopicState<unknown>>(
        {
          data: undefined,
          status: 'idle',
          error: null,
          seq: 0,
          epoch: undefined,
          stats: { messagesReceived: 0, lastMessageAt: null, gaps: 0, resets: 0 },
        },
        () => (lingerT.pending() ? lingerT.clear() : activate(entry)),
        () => lingerT.set(() => deactivate(entry), linger),
        oops,
      );
      const entry: Entry = {
        name,
        store,
        view: { get: store.get, subscribe: store.subscribe, listen: store.listen },
        fold:
          typeof r === 'function' ? r : r === 'append' ? (append(opts.limit) as Reducer<unknown, unknown>) : r === 'merge' ? merge : latest,
        active: false,
        lingerT,
        liveFrom: 0,
      };
      entries.set(name, (e = entry));
    }
    return e.view;
  }

  const client: Client = {
    status: { get: status.get, subscribe: status.subscribe, listen: status.listen },
    topic: topic as Client['topic'],
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
