/**
 * One gateway connection for a group of tabs (tab sharing, issue 17): this tab's side of it, as a transport its
 * client opens like any other. Leading, the tab opens the real transport and runs the {@link Relay} for every tab
 * of the group; following, its transport carries frames to and from the leader over the {@link TabLink}.
 *
 * Leadership moves without the clients noticing more than a new `hello`: a follower elected leader fetches a
 * ticket of its own and opens the real connection, and every tab's client resubscribes from what it holds, as
 * after any reconnect (the relay answers held topics at once and routes older resumes' replays). When the real
 * connection ends, every tab's transport reports the same close, so each client's reconnect policy acts on the
 * gateway's own code (a 4410 stops them all).
 *
 * Not yet wired into the client: see the issue's note for the hook it takes.
 */
import { CloseCode } from '../protocol/close-codes.js';
import type { ClientFrame, ServerFrame } from '../protocol/frames.js';
import { atom, readonly, type ReadableStore } from '../core/store.js';
import type { Transport, TransportFactory, TransportHandlers, TransportOptions } from '../transports/transport.js';
import { elect, type Election } from './election.js';
import { Relay, type Routing, type TabId } from './relay.js';
import { tabLink, type TabLink, type TabMessage } from './tab-link.js';

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
  /** Opens the connection for this tab's client: `factory` is the real transport, used if this tab leads. */
  open(factory: TransportFactory, options: TransportOptions, handlers: TransportHandlers): Transport;
  /** Whether this tab leads now: its client must bring a ticket (a follower needs none). */
  leading(): boolean;
  /** Tabs sharing, and whether this one leads. */
  readonly state: ReadableStore<ShareState>;
  /** Leaves the group: a leader hands the connection over (the next tab leads), a follower lets go. */
  close(): void;
}

const randomTab = (): TabId => Math.random().toString(36).slice(2, 12);

/**
 * Joins the group `options.group`.
 * @example const shared = shareConnection({ group, ticket: async () => ticketQuery(await getTicket(options)) });
 */
export function shareConnection(options: ShareOptions): SharedConnection {
  const tab = options.tab ?? randomTab();
  const link: TabLink = tabLink(options.group, tab);
  const state = atom<ShareState>({ tabs: 0, leader: false });
  let relay = new Relay();
  let real: Transport | undefined; // the gateway connection, while leading
  let leader: TabId | undefined; // whose beats this tab hears
  // What this tab's client opened: its handlers, and what the real transport needs.
  let client: { handlers: TransportHandlers; factory: TransportFactory; options: TransportOptions } | undefined;

  const route = ({ gateway, tabs }: Routing): void => {
    for (const frame of gateway) real?.send(frame);
    for (const [to, frame] of tabs) {
      if (to === tab) client?.handlers.frame(frame);
      else link.post({ kind: 'down', to, frame });
    }
  };

  /** Opens the real transport for the group; `ticket` is this tab's query. */
  const connect = (ticket: string): void => {
    if (!client) return;
    relay = new Relay();
    route(relay.join(tab));
    const { factory, options: opts } = client;
    const t: Transport = factory(
      { ...opts, ticket },
      {
        frame: (f: ServerFrame) => t === real && route(relay.fromGateway(f, tab)),
        close: (code, reason, answer) => {
          if (t !== real) return;
          real = undefined;
          link.post({ kind: 'end', code, reason });
          client?.handlers.close(code, reason, answer);
        },
      },
    );
    real = t;
  };

  const enter = (): Election =>
    elect({
      name: options.group,
      tab,
      link,
      ...(options.beatMs === undefined ? {} : { beatMs: options.beatMs }),
      ...(options.silenceMs === undefined ? {} : { silenceMs: options.silenceMs }),
      tabs: () => relay.tabCount,
      onLead: () => {
        leader = tab;
        state.set({ tabs: relay.tabCount, leader: true });
        // Led while its client was on a follower's transport: this tab now opens the connection for everyone.
        if (client && !real)
          void options
            .ticket()
            .then(connect, (error: unknown) => client?.handlers.close(CloseCode.abnormal, String(error)));
      },
      onLose: () => {
        // Another tab took the lock (this one was frozen): it holds the connection now; this one follows it.
        const t = real;
        real = undefined;
        t?.close();
        state.set({ ...state.get(), leader: false });
        if (client) link.post({ kind: 'join', tab });
      },
    });
  let election = enter();

  link.on((message: TabMessage) => {
    switch (message.kind) {
      case 'beat':
        if (message.leader !== leader) {
          leader = message.leader;
          // A new leader does not know this tab yet.
          if (client && !election.leading()) link.post({ kind: 'join', tab });
        }
        state.set({ tabs: message.tabs, leader: false });
        return;
      case 'down':
        if (!election.leading()) client?.handlers.frame(message.frame);
        return;
      case 'end':
        if (!election.leading()) client?.handlers.close(message.code, message.reason);
        return;
    }
    if (!election.leading()) return;
    if (message.kind === 'join') route(relay.join(message.tab));
    else if (message.kind === 'leave') route(relay.leave(message.tab));
    else route(relay.fromTab(message.tab, message.frame));
    state.set({ tabs: relay.tabCount, leader: true });
  });

  return {
    open(factory, opts, handlers) {
      client = { handlers, factory, options: opts };
      if (election.leading()) connect(opts.ticket);
      else link.post({ kind: 'join', tab });
      return {
        duplex: true,
        send: (frame: ClientFrame) => {
          if (election.leading()) route(relay.fromTab(tab, frame));
          else link.post({ kind: 'up', tab, frame });
        },
        close: () => {
          client = undefined;
          if (!real) return link.post({ kind: 'leave', tab });
          // A leader whose client lets go hands the connection over: the next tab in line leads and connects,
          // and this one queues again, to lead later if it comes back first.
          const t = real;
          real = undefined;
          election.resign();
          election = enter();
          t.close();
        },
      };
    },
    leading: () => election.leading(),
    state: readonly(state),
    close() {
      client = undefined;
      real?.close();
      real = undefined;
      link.post({ kind: 'leave', tab });
      election.resign();
      link.close();
    },
  };
}
