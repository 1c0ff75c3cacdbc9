/**
 * The leader tab's switchboard (tab sharing, issue 17): one gateway connection serves every tab of a browser.
 * Each tab's client speaks the protocol as if it had the connection to itself; the relay merges their topic
 * needs onto the one connection and routes the gateway's answers back, so each tab's stores fold exactly the
 * frames a connection of its own would have brought:
 *
 * - a `sub` for a topic the connection already holds, from the same point, is answered here (`sub.ok` and the
 *   latest message), without a new `sub`; any other `sub` goes to the gateway, and its answer (`sub.ok`, a
 *   `reset`, the replay up to the `sub.ok`'s seq) goes to the tab that asked, and only to it;
 * - live messages go to every tab that holds the topic and is not waiting for its own replay of it;
 * - an `unsub` is answered here; the gateway hears it when the last tab let go of the topic.
 *
 * Pure logic, no DOM and no timers: `from*` return what to send where, the caller carries it.
 */
import type { ClientFrame, HelloFrame, MsgFrame, ServerFrame } from '../protocol/frames.js';
import { Switchboard, type Routing, type TabId } from './switchboard.js';

export type { Routing, TabId } from './switchboard.js';

/** Stands for a tab that left while its `sub` was in flight: what answers it goes nowhere. */
const GONE: TabId = '';

/** What the relay knows of a topic the connection holds. */
interface Held {
  seq: number;
  epoch: string;
  /** The latest message, what a `sub` without `since` gets after `sub.ok`. */
  latest: MsgFrame | undefined;
  /**
   * The last `seq` every holder was given. A replay may carry messages newer than that (the gateway had them
   * queued for this connection, and now counts them sent with the replay): they go to every holder.
   */
  sent: number;
}

/** A `sub` answered by the gateway, whose replay is on its way to one tab. */
interface Replay {
  tab: TabId;
  /** Messages up to this seq are the replay; later ones are live. */
  upTo: number;
  /** Nothing live came since the `sub.ok`: a `reset` now is the answer to the `sub`, not an in-band one. */
  fresh: boolean;
  /** The last `seq` of the replay so far: the same message again is live and every holder had it. */
  last: number;
}

/** Routes frames between tabs and the one gateway connection. */
export class Relay extends Switchboard {
  /** Tabs waiting for the gateway's answer to their `sub`, per topic, in the order they asked. */
  private readonly pending = new Map<string, TabId[]>();
  private readonly replays = new Map<string, Replay>();
  private readonly held = new Map<string, Held>();
  private hello: HelloFrame | undefined;

  /** A tab joined: it gets the connection's `hello` at once when there is one (its client then subscribes). */
  join(tab: TabId): Routing {
    this.topicsOf(tab);
    return { gateway: [], tabs: this.hello ? [[tab, this.hello]] : [] };
  }

  /** A tab left (closed, crashed, or its client disconnected): the topics no one else holds are let go. */
  leave(tab: TabId): Routing {
    // Its `sub`s in flight are still answered, in order: their answers (and replays) go nowhere.
    for (const [topic, tabs] of this.pending)
      this.pending.set(
        topic,
        tabs.map((t) => (t === tab ? GONE : t)),
      );
    return { gateway: this.forget(tab), tabs: [] };
  }

  /** A frame a tab's client sent. */
  fromTab(tab: TabId, frame: ClientFrame): Routing {
    const wants = this.topicsOf(tab);
    switch (frame.type) {
      case 'sub': {
        wants.add(frame.topic);
        const held = this.held.get(frame.topic);
        const fresh = frame.since === undefined;
        if (
          held &&
          !this.pending.get(frame.topic)?.length &&
          (fresh || (frame.since === held.seq && frame.epoch === held.epoch))
        ) {
          const tabs: [TabId, ServerFrame][] = [
            [tab, { type: 'sub.ok', topic: frame.topic, seq: held.seq, epoch: held.epoch }],
          ];
          if (fresh && held.latest) tabs.push([tab, held.latest]);
          return { gateway: [], tabs };
        }
        const queue = this.pending.get(frame.topic) ?? [];
        queue.push(tab);
        this.pending.set(frame.topic, queue);
        return { gateway: [frame], tabs: [] };
      }
      case 'unsub':
        return this.unsub(tab, frame.topic);
      case 'ping':
        // The link between tabs is this one; the gateway's own liveness is the leader's business.
        return { gateway: [], tabs: [[tab, { type: 'pong' }]] };
      default:
        // A `pong` to the gateway's ping (the leader's own answers it), a `refresh` (the leader's authority is
        // the connection's): nothing for the gateway from a follower.
        return { gateway: [], tabs: [] };
    }
  }

  /**
   * A frame the gateway sent. `self` is the leader's own tab: frames that answer the connection itself
   * (`refresh.*`, `error`, `pong`) go to it alone.
   */
  fromGateway(frame: ServerFrame, self: TabId): Routing {
    const tabs: [TabId, ServerFrame][] = [];
    switch (frame.type) {
      case 'hello':
        // A new connection: every tab resubscribes from what it holds; what the relay knew is stale.
        this.hello = frame;
        this.pending.clear();
        this.replays.clear();
        this.held.clear();
        for (const wants of this.wants.values()) wants.clear();
        for (const tab of this.wants.keys()) tabs.push([tab, frame]);
        break;
      case 'ping':
        for (const tab of this.wants.keys()) tabs.push([tab, frame]);
        break;
      case 'sub.ok': {
        const tab = this.pending.get(frame.topic)?.shift() ?? GONE;
        // The answer to a `sub` let go of since (its `unsub` follows): the topic is held by no one.
        if (!this.wanted(frame.topic)) break;
        const before = this.held.get(frame.topic);
        const same = before?.epoch === frame.epoch;
        this.held.set(frame.topic, {
          seq: frame.seq,
          epoch: frame.epoch,
          latest: before?.latest,
          sent: same ? before.sent : frame.seq,
        });
        this.replays.set(frame.topic, { tab, upTo: frame.seq, fresh: true, last: -1 });
        if (tab !== GONE) tabs.push([tab, frame]);
        break;
      }
      case 'sub.err': {
        const tab = this.pending.get(frame.topic)?.shift();
        if (tab === GONE) break;
        // Unasked (the connection lost the scope): every tab holding the topic loses it.
        const to = tab === undefined ? this.holders(frame.topic) : [tab];
        for (const t of to) {
          this.wants.get(t)?.delete(frame.topic);
          tabs.push([t, frame]);
        }
        if (!this.wanted(frame.topic)) this.held.delete(frame.topic);
        break;
      }
      case 'reset': {
        const replay = this.replays.get(frame.topic);
        const held = this.held.get(frame.topic);
        if (held) Object.assign(held, { seq: 0, epoch: frame.epoch });
        if (replay?.fresh) {
          if (replay.tab !== GONE) tabs.push([replay.tab, frame]);
        } else {
          if (held) held.sent = 0; // a new epoch for every holder: its messages start over
          for (const t of this.holders(frame.topic)) tabs.push([t, frame]);
        }
        break;
      }
      case 'msg': {
        const replay = this.replays.get(frame.topic);
        const held = this.held.get(frame.topic);
        if (replay && frame.seq <= replay.upTo) {
          if (frame.seq <= replay.last) break; // again: the replay gave it to the tab, and to the others if new
          replay.fresh = false;
          replay.last = frame.seq;
          if (held && frame.seq >= held.seq) held.latest = frame;
          if (replay.tab !== GONE) tabs.push([replay.tab, frame]);
          if (held && frame.seq > held.sent) {
            held.sent = frame.seq;
            for (const t of this.holders(frame.topic)) if (t !== replay.tab) tabs.push([t, frame]);
          }
          break;
        }
        this.replays.delete(frame.topic);
        if (held) {
          if (frame.seq <= held.sent) break; // every holder had it, with a replay
          Object.assign(held, { seq: Math.max(held.seq, frame.seq), latest: frame, sent: frame.seq });
        }
        for (const t of this.holders(frame.topic)) tabs.push([t, frame]);
        break;
      }
      case 'unsub.ok':
        break; // each tab had its answer from the relay
      default:
        tabs.push([self, frame]);
    }
    return { gateway: [], tabs };
  }

  /** Tabs that hold `topic` and are not waiting for their own replay of it. */
  private holders(topic: string): TabId[] {
    const waiting = this.pending.get(topic) ?? [];
    return [...this.wants].filter(([tab, topics]) => topics.has(topic) && !waiting.includes(tab)).map(([tab]) => tab);
  }

  protected letGo(topic: string): ClientFrame {
    this.held.delete(topic);
    this.replays.delete(topic);
    this.pending.delete(topic);
    return { type: 'unsub', topic };
  }
}
