/**
 * The message link between the tabs of one share group (tab sharing, issue 17): one `BroadcastChannel`, whose
 * name the caller derives from what makes tabs share (gateway URL, scopes, `shareKey`), so groups never hear
 * each other. Followers send their client frames up to the leader; the leader sends the gateway's frames down,
 * its heartbeat, and the end of its connection.
 *
 * Every incoming message is checked before a listener sees it: a tab running another version of the SDK, or any
 * other script of the origin on the same channel name, can post anything.
 */
import { parseClientFrame } from '../protocol/client-frames.js';
import { parseServerFrame, type ClientFrame, type ServerFrame } from '../protocol/frames.js';
import { isTopicName } from '../protocol/names.js';
import { notify, type Unbind } from '../core/store.js';
import type { TabId } from './relay.js';

/** A topic a joining tab holds, and where it resumes (as an SSE stream's URL would carry it). */
export interface JoinTopic {
  topic: string;
  since?: number;
  epoch?: string;
}

/**
 * A tab arrived in the group (its client wants the shared connection), holding `topics`: a leader on a one-way
 * stream needs them before any `hello`, since the stream opens with its topics.
 */
export interface JoinMessage {
  kind: 'join';
  tab: TabId;
  topics?: JoinTopic[];
}

/** A tab left the group (its client disconnected, or the page is going away). */
export interface LeaveMessage {
  kind: 'leave';
  tab: TabId;
}

/** Follower → leader: a frame the follower's client would have sent on a connection of its own. */
export interface UpMessage {
  kind: 'up';
  tab: TabId;
  frame: ClientFrame;
}

/**
 * Which leadership a leader's message comes from: when a tab comes to lead, it takes a term above any it heard of
 * (and at least its clock's `Date.now()`). A leader frozen in the background and woken after another took over
 * still speaks with its old term: the tabs ignore it.
 */
export type Term = number;

/** Leader → one tab (`to`) or every tab (no `to`): a frame from the gateway. */
export interface DownMessage {
  kind: 'down';
  to?: TabId;
  term: Term;
  frame: ServerFrame;
}

/** The leader's heartbeat: it is alive, and serves `tabs` tabs (itself included). */
export interface BeatMessage {
  kind: 'beat';
  leader: TabId;
  tabs: number;
  /** When the leader sent it, wall clock (`Date.now()`): the tabs of one browser share that clock. */
  at: number;
  term: Term;
}

/** The leader's gateway connection ended, with the close code and reason it ended with. */
export interface EndMessage {
  kind: 'end';
  term: Term;
  code: number;
  reason: string;
}

/** Any message between the tabs of a share group. */
export type TabMessage = JoinMessage | LeaveMessage | UpMessage | DownMessage | BeatMessage | EndMessage;

/** A listener of a {@link TabLink}. */
export type TabListener = (message: TabMessage) => void;

/** One tab's end of the link. */
export interface TabLink {
  /** Sends `message` to every other tab of the group (never back to this one); a no-op once closed. */
  post(message: TabMessage): void;
  /**
   * Calls `listener` with each valid message from another tab; a `down` for another tab is not delivered.
   * @returns an unbind
   */
  on(listener: TabListener): Unbind;
  /** Closes the channel and drops every listener; calling it again is harmless. */
  close(): void;
}

const isTab = (value: unknown): value is TabId => typeof value === 'string' && value.length > 0;
const isTerm = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * A joining tab's topics: well-formed names, each with a safe `since` and a string `epoch`, or nothing. (How many
 * one stream may carry is the gateway's to check, as for a tab of its own.)
 */
function parseTopics(value: unknown): JoinTopic[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const topics: JoinTopic[] = [];
  for (const t of value as unknown[]) {
    const { topic, since, epoch } = (t ?? {}) as Record<string, unknown>;
    if (!isTopicName(topic)) return undefined;
    if (since === undefined && epoch === undefined) topics.push({ topic });
    else if (Number.isSafeInteger(since) && (since as number) >= 0 && typeof epoch === 'string')
      topics.push({ topic, since: since as number, epoch });
    else return undefined;
  }
  return topics;
}

/** A frame checked by the protocol's own parser, so tabs accept exactly what a connection would. */
function reparse<F>(frame: unknown, parse: (text: string) => F | undefined): F | undefined {
  if (typeof frame !== 'object' || frame === null) return undefined;
  try {
    return parse(JSON.stringify(frame));
  } catch {
    return undefined; // not JSON (a BigInt, a cycle): no frame ever is
  }
}

/**
 * Checks a message from another tab: a fresh {@link TabMessage} with only its known fields, or `undefined` for
 * anything else (unknown `kind`, a missing or malformed field, a frame the protocol would refuse).
 * @example parseTabMessage({ kind: 'leave', tab: 't1', extra: 1 }) // { kind: 'leave', tab: 't1' }
 */
export function parseTabMessage(value: unknown): TabMessage | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const m = value as Record<string, unknown>;
  switch (m['kind']) {
    case 'join': {
      if (!isTab(m['tab'])) return undefined;
      if (m['topics'] === undefined) return { kind: 'join', tab: m['tab'] };
      const topics = parseTopics(m['topics']);
      return topics && { kind: 'join', tab: m['tab'], topics };
    }
    case 'leave':
      return isTab(m['tab']) ? { kind: 'leave', tab: m['tab'] } : undefined;
    case 'up': {
      const parsed = reparse(m['frame'], (text) => {
        const result = parseClientFrame(text);
        return result.ok ? result.frame : undefined;
      });
      return isTab(m['tab']) && parsed ? { kind: 'up', tab: m['tab'], frame: parsed } : undefined;
    }
    case 'down': {
      const { to, term } = m;
      const frame = reparse(m['frame'], parseServerFrame);
      if (!frame || !isTerm(term) || (to !== undefined && !isTab(to))) return undefined;
      return to === undefined ? { kind: 'down', term, frame } : { kind: 'down', to, term, frame };
    }
    case 'beat': {
      const { leader, tabs, at, term } = m;
      const valid = isTab(leader) && isTerm(tabs) && Number.isFinite(at) && isTerm(term);
      return valid ? { kind: 'beat', leader, tabs, at: at as number, term } : undefined;
    }
    case 'end': {
      const { code, reason, term } = m;
      return Number.isInteger(code) && typeof reason === 'string' && isTerm(term)
        ? { kind: 'end', code: code as number, reason, term }
        : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Opens this tab's end of the link on the `BroadcastChannel` called `name` (browsers only: check
 * `sharingAvailable()` from `available.ts` first).
 * @param name - the group's channel, e.g. `lydian:<url>|<scopes>|<shareKey>`
 * @param self - this tab: a `down` addressed to another tab is not delivered (omit to receive them all)
 * @example
 * const link = tabLink('lydian:wss://rt.example/rt|kpis', 'tab-1');
 * const stop = link.on((m) => m.kind === 'down' && client.receive(m.frame));
 * link.post({ kind: 'join', tab: 'tab-1' });
 */
export function tabLink(name: string, self?: TabId): TabLink {
  const channel = new BroadcastChannel(name);
  let listeners: TabListener[] = [];
  let open = true;
  const forOther = (m: TabMessage): boolean =>
    m.kind === 'down' && m.to !== undefined && self !== undefined && m.to !== self;
  channel.onmessage = (event: MessageEvent<unknown>) => {
    const message = parseTabMessage(event.data);
    if (!message || forOther(message)) return;
    for (const listener of listeners) notify(listener, message);
  };
  return {
    post(message) {
      if (open) channel.postMessage(message);
    },
    on(listener) {
      // A wrapper per call: the same function bound twice is two bindings, each unbound on its own.
      const bound: TabListener = (message) => listener(message);
      listeners = [...listeners, bound];
      return () => {
        listeners = listeners.filter((l) => l !== bound);
      };
    },
    close() {
      open = false;
      listeners = [];
      channel.close();
    },
  };
}
