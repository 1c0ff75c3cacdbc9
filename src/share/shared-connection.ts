/**
 * One gateway connection for a group of tabs (tab sharing, issue 17): this tab's side of it, as a transport its
 * client opens like any other. Leading, the tab opens the real transport and runs the switchboard for every tab
 * of the group ({@link Relay} on a WebSocket, {@link StreamRelay} on an SSE stream); following, its transport
 * carries frames to and from the leader over the {@link TabLink}.
 *
 * Only a tab whose client has the connection open takes part in the election, so the leader always has a client
 * to serve. Leadership moves without the clients noticing more than a new `hello`: a follower elected leader
 * fetches a ticket of its own and opens the real connection, and every tab's client resubscribes from what it
 * holds, as after any reconnect (the relay answers held topics at once and routes older resumes' replays). When
 * the real connection ends, every tab's transport reports the same close, so each client's reconnect policy acts
 * on the gateway's own code (a 4410 stops them all).
 */
import type { ClientFrame, ServerFrame } from '../protocol/frames.js';
import { atom, readonly, type ReadableStore } from '../core/store.js';
import type { Transport, TransportFactory, TransportHandlers, TransportOptions } from '../transports/transport.js';
import { elect, type Election } from './election.js';
import { Relay, type Routing, type TabId } from './relay.js';
import { StreamRelay } from './stream-relay.js';
import { tabLink, type JoinTopic, type TabLink, type TabMessage } from './tab-link.js';

/** How a tab takes part in its group's connection. */
export interface ShareOptions {
  /** The group: tabs that talk to the same gateway with the same scopes (and `shareKey`) share one name. */
  group: string;
  /** This tab's id (default: random). */
  tab?: TabId;
  /** A fresh ticket query (`ts=…&nonce=…`), for a tab that becomes leader while its client is connected. */
  ticket: () => Promise<string>;
  /** The leader's beat and the silence after which a follower takes over (ms; defaults of `elect`). */
  beatMs?: number;
  silenceMs?: number;
}

/** What a tab's client sees of the sharing. */
export interface ShareState {
  /** Tabs sharing the connection, this one included (0 before the first beat or join). */
  tabs: number;
  /** Whether this tab holds the connection. */
  leader: boolean;
}

/** This tab's side of the shared connection. */
export interface SharedConnection {
  /**
   * Enters this tab in the election (if it is not in it) and tells, once it is known, whether it leads: its
   * client then brings a ticket (a follower needs none). `oneWay`: its client will open a stream (SSE), so a
   * leader serves the tabs that join meanwhile as a stream's (their topics open it).
   */
  lead(oneWay?: boolean): Promise<boolean>;
  /**
   * Opens the connection for this tab's client: `factory` is the real transport, used if this tab leads;
   * `oneWay` says it is a stream (SSE) that carries the topics of its URL.
   */
  open(factory: TransportFactory, options: TransportOptions, handlers: SharedHandlers, oneWay?: boolean): Transport;
  /** Whether this tab leads now. */
  leading(): boolean;
  /** Tabs sharing, and whether this one leads. */
  readonly state: ReadableStore<ShareState>;
  /**
   * Leaves the group (its election and channel), as when this tab's client closes its transport: a leader hands
   * the connection over (the next tab in line leads). The next `lead()` enters it again.
   */
  leave(): void;
}

/** What a shared transport reports to its client: a transport's reports, and a ticket this tab could not get. */
export interface SharedHandlers extends TransportHandlers {
  /** Leading, this tab fetched a ticket for the group's connection and failed (the error `auth` gave). */
  ticket(error: unknown): void;
  /** The topics the client holds now, and where each resumes (a stream reopens from them after a failover). */
  topics(): TransportOptions['topics'];
}

/** What this tab's client opened: its handlers, and what the real transport needs. */
interface Opened {
  handlers: SharedHandlers;
  factory: TransportFactory;
  options: TransportOptions;
  oneWay: boolean;
}

/**
 * `CloseCode.abnormal`, written out: importing the table into this chunk would keep all of it in the page's main
 * bundle (~180 B gzip), whose code reads only a few of its codes.
 */
const ABNORMAL = 1006;

/** What a tab's client sends about the connection itself, not about a topic. */
const CONNECTION_FRAMES = new Set<ClientFrame['type']>(['ping', 'pong', 'refresh']);

const randomTab = (): TabId => Math.random().toString(36).slice(2, 12);

/** A client's resume points as a joining tab sends them. */
const joinTopics = (topics: TransportOptions['topics']): JoinTopic[] =>
  [...topics].map(([topic, point]) => (point ? { topic, since: point.since, epoch: point.epoch! } : { topic }));

/**
 * Joins the group `options.group`.
 * @example const shared = shareConnection({ group, ticket: async () => ticketQuery(await getTicket(options)) });
 */
export function shareConnection(options: ShareOptions): SharedConnection {
  const base = options.tab ?? randomTab();
  let entries = 0;
  // This tab's id while it takes part, new each time: a tab that left and came back is never its former self.
  let tab: TabId = base;
  let link: TabLink | undefined; // while it takes part
  const post = (message: TabMessage): void => link?.post(message);
  /** The lock a tab holds while it takes part: granted to the leader, it says the tab left, closed or crashed. */
  const lockOf = (t: TabId): string => `${options.group}|tab|${t}`;
  let letGo: (() => void) | undefined; // releases this tab's own
  const watchers = new Map<TabId, AbortController>(); // the leader's requests for the other tabs' locks
  const state = atom<ShareState>({ tabs: 0, leader: false });
  let relay: Relay | StreamRelay | undefined; // while leading
  let real: Transport | undefined; // the gateway connection, while leading
  let leader: TabId | undefined; // whose beats this tab hears
  let heard = 0; // the term of that leadership: what an older one says is stale
  let client: Opened | undefined;
  let election: Election | undefined; // while this tab's client has the connection open, or is about to
  let decided: ((leads: boolean) => void) | undefined;
  let asking = false; // a ticket for a new connection is on its way: it opens with the topics wanted then
  let spare: string | undefined; // the ticket this tab's client brought, not used yet
  let streamWanted = false; // the connection this tab's client is about to open is a stream (SSE)
  let helloAt = 0; // when the connection's hello came (`performance.now()`)

  const route = ({ gateway, tabs }: Routing): void => {
    const stream = relay instanceof StreamRelay;
    if (stream) {
      if (gateway.length) reopen();
    } else for (const frame of gateway) real?.send(frame);
    for (const [to, f] of tabs) {
      // Only the leader renews the connection's authority, and only on a WebSocket: the other clients are not
      // told when it ends, so they fetch no ticket to refresh it (its end, if it comes, reaches them as a close).
      let frame = f;
      if (f.type === 'hello') {
        frame = { ...f };
        if (to !== tab || stream) frame.expiresIn = undefined;
        // A tab that joins later gets the connection's hello then: its `now` moves on by the time since it
        // came, so that every tab learns the same clock offset from it (the tabs share this clock).
        if (f.now !== undefined) frame.now = f.now + Math.round(performance.now() - helloAt);
      }
      if (to === tab) client?.handlers.frame(frame);
      else post({ kind: 'down', to, term: term(), frame });
    }
  };
  const term = (): number => election?.term() ?? heard;
  const count = (): void => state.set({ tabs: relay?.tabCount ?? 0, leader: true });

  /** The switchboard for this tab's client's transport, keeping the tabs it knows when the kind changes. */
  const switchboard = (oneWay: boolean): Relay | StreamRelay => {
    if (relay && relay instanceof StreamRelay === oneWay) return relay;
    const tabs = relay ? [...relay.tabs()] : [tab];
    relay = oneWay ? new StreamRelay() : new Relay();
    for (const t of tabs) relay.join(t);
    return relay;
  };

  /** The real connection ended: every tab hears the same close. */
  const ended = (code: number, reason: string, answer?: string): void => {
    real = undefined;
    post({ kind: 'end', code, reason, term: term() });
    client?.handlers.close(code, reason, answer);
  };

  /** Opens the real transport for the group with `ticket` (this tab's query). */
  const connect = (ticket: string): void => {
    if (!client || !election?.leading()) return;
    const { factory, options: opts } = client;
    const board = relay;
    const topics = board instanceof StreamRelay ? board.points() : opts.topics;
    if (board instanceof StreamRelay) {
      // A stream with no topic has nothing to carry: the one open (if any) stays until a topic is wanted.
      if (!topics.size) return;
      board.opened(topics);
    }
    const previous = real;
    const t: Transport = factory(
      { ...opts, ticket, topics },
      {
        frame: (f: ServerFrame) => {
          if (t !== real) return;
          if (f.type === 'hello') helloAt = performance.now();
          route(board!.fromGateway(f, tab));
        },
        close: (code, reason, answer) => t === real && ended(code, reason, answer),
      },
    );
    real = t;
    previous?.close();
  };

  /** Fetches a ticket and opens the connection; a failure ends it for every tab, whose clients retry. */
  const dial = (): void => {
    if (spare !== undefined) {
      const ticket = spare;
      spare = undefined;
      return connect(ticket);
    }
    asking = true;
    options.ticket().then(
      (ticket) => {
        asking = false;
        connect(ticket);
      },
      (error: unknown) => {
        asking = false;
        if (!election?.leading()) return;
        // The other tabs retry (one of them may lead next); this one's client shows what `auth` said.
        const t = real;
        real = undefined;
        t?.close();
        post({ kind: 'end', code: ABNORMAL, reason: 'the leading tab got no ticket', term: term() });
        client?.handlers.ticket(error);
      },
    );
  };

  /** The stream's topics changed: a new stream with a fresh ticket, unless one is on its way. */
  const reopen = (): void => {
    if (!asking && client && election?.leading()) dial();
  };

  /** Leading: hears of `t` leaving by the browser, even when its page crashed and could say nothing. */
  const watch = (t: TabId): void => {
    if (t === tab || watchers.has(t)) return;
    const stop = new AbortController();
    watchers.set(t, stop);
    navigator.locks
      .request(lockOf(t), { signal: stop.signal }, () => {
        watchers.delete(t);
        if (!election?.leading() || !relay) return;
        route(relay.leave(t));
        count();
      })
      .catch(() => {}); // withdrawn: this tab no longer leads
  };
  const unwatch = (): void => {
    for (const stop of watchers.values()) stop.abort();
    watchers.clear();
  };

  /** This tab takes part: a new id, the group's channel, its own tab lock, and its place in the election. */
  const enter = (): Election => {
    tab = `${base}:${++entries}`;
    link = tabLink(options.group, tab);
    link.on(hear);
    const held = new Promise<void>((resolve) => (letGo = resolve));
    void navigator.locks.request(lockOf(tab), () => held);
    return elect({
      name: options.group,
      tab,
      link,
      ...(options.beatMs === undefined ? {} : { beatMs: options.beatMs }),
      ...(options.silenceMs === undefined ? {} : { silenceMs: options.silenceMs }),
      tabs: () => relay?.tabCount ?? 1,
      onLead: () => {
        decided?.(true);
        leader = tab;
        relay = undefined;
        // The tabs that join before this tab's client opens are served once it does.
        const board = switchboard(client?.oneWay ?? streamWanted);
        if (client) route(board.join(tab, joinTopics(client.handlers.topics())));
        count();
        // Led while its client was on a follower's transport: this tab now opens the connection for everyone.
        if (client && !real && !asking) dial();
      },
      onLose: () => {
        // Another tab took the lock (this one was frozen): it holds the connection now; this one follows it.
        const t = real;
        real = relay = undefined;
        unwatch();
        t?.close();
        state.set({ ...state.get(), leader: false });
        if (client) post({ kind: 'join', tab, topics: joinTopics(client.handlers.topics()) });
      },
    });
  };

  /** This tab's client let go: a leader hands the connection over (the next tab in line leads). */
  const resign = (): void => {
    const t = real;
    real = relay = undefined;
    unwatch();
    election?.resign();
    if (!t) post({ kind: 'leave', tab });
    link?.close();
    letGo?.();
    link = election = decided = spare = letGo = undefined;
    t?.close();
    state.set({ tabs: 0, leader: false });
  };

  function hear(message: TabMessage): void {
    const leading = election?.leading();
    switch (message.kind) {
      case 'beat':
        if (message.term < heard) return; // a leader that was taken over, and woke
        decided?.(false);
        if (message.term > heard || message.leader !== leader) {
          heard = message.term;
          leader = message.leader;
          // A new leader does not know this tab yet.
          if (client && !leading) post({ kind: 'join', tab, topics: joinTopics(client.handlers.topics()) });
        }
        if (!leading) state.set({ tabs: message.tabs, leader: false });
        return;
      case 'down':
        if (!leading && message.term >= heard) client?.handlers.frame(message.frame);
        return;
      case 'end':
        if (!leading && message.term >= heard) client?.handlers.close(message.code, message.reason);
        return;
    }
    if (!leading || !relay) return;
    if (message.kind === 'leave') route(relay.leave(message.tab));
    else {
      watch(message.tab);
      if (message.kind === 'join') route(relay.join(message.tab, message.topics));
      else route(relay.fromTab(message.tab, message.frame));
    }
    count();
  }

  return {
    lead(oneWay = false) {
      streamWanted = oneWay;
      if (!election) {
        election = enter();
        const name = options.group;
        const known = new Promise<boolean>((resolve) => (decided = resolve));
        // Held by another tab: this one follows. Free: the lock is granted to this tab in a moment (onLead).
        void navigator.locks.query().then(({ held }) => held?.some((l) => l.name === name) && decided?.(false));
        return known.then((leads) => leads && !!election?.leading());
      }
      return Promise.resolve(election.leading());
    },
    open(factory, opts, handlers, oneWay = false) {
      client = { handlers, factory, options: opts, oneWay };
      if (!election) void this.lead(oneWay);
      if (election?.leading()) {
        // On a stream, joining with topics opens it (see `route`); a WebSocket opens at once.
        spare = opts.ticket;
        const board = switchboard(oneWay);
        route(board.join(tab, joinTopics(handlers.topics())));
        count();
        if (board instanceof Relay) dial();
      } else post({ kind: 'join', tab, topics: joinTopics(handlers.topics()) });
      return {
        duplex: true,
        send: (frame: ClientFrame) => {
          if (!election?.leading() || !relay) return post({ kind: 'up', tab, frame });
          // The leader's own `ping`, `pong` and `refresh` are the connection's: they go to the gateway as they
          // would on a connection of its own, so its client sees a dead link and renews the authority. (A
          // stream takes none: its `ping` goes unanswered, and the stream's silence tells.)
          if (!CONNECTION_FRAMES.has(frame.type)) route(relay.fromTab(tab, frame));
          else if (!(relay instanceof StreamRelay)) real?.send(frame);
        },
        close: () => {
          client = undefined;
          resign();
        },
      };
    },
    leading: () => !!election?.leading(),
    leave() {
      client = undefined;
      resign();
    },
    state: readonly(state),
  };
}
