/**
 * The leader tab's switchboard when the shared connection is an SSE stream (tab sharing, issue 17). A stream
 * cannot take a `sub`: it carries the topics named in its URL, each from its resume point, and changing the set
 * means opening a new stream. So the relay answers the tabs' `sub`s and `unsub`s itself, keeps the union of
 * their topics, and says when the stream must reopen (`Routing.gateway` non-empty: the frames only tell what
 * changed); {@link StreamRelay.points} gives the new stream's topics, each from the oldest point a tab needs.
 *
 * Every frame about a topic goes to every tab holding it: a new stream replays from the oldest point, and each
 * tab's client drops what it already has (a `seq` it holds is a duplicate), so no tab misses a message and none
 * folds one twice.
 *
 * Pure logic, no DOM and no timers, like {@link Relay}.
 */
import type { ClientFrame, HelloFrame, MsgFrame, ServerFrame } from '../protocol/frames.js';
import type { SseResume } from '../protocol/sse.js';
import { Switchboard, type Routing, type TabId } from './switchboard.js';
import type { JoinTopic } from './tab-link.js';

/** What the relay knows of a topic the stream carries. */
interface Held {
  seq: number;
  epoch: string;
  /**
   * The last messages the stream brought (at most {@link RECENT}, of this epoch, oldest first): a tab that comes
   * back a little behind is given what it missed from here, rather than the stream reopening for it.
   */
  recent: MsgFrame[];
}

/** How many messages of each topic the leader keeps for tabs that come back behind. */
const RECENT = 64;

/** Routes frames between tabs and one SSE stream. */
export class StreamRelay extends Switchboard {
  /** The topics the stream carries, or will once reopened. */
  private readonly topics = new Set<string>();
  /** Older points tabs asked for, for the next opening. */
  private readonly from = new Map<string, SseResume>();
  /** From which `seq` the stream covers each topic (its opening point, else its first `sub.ok`). */
  private readonly start = new Map<string, number>();
  private readonly held = new Map<string, Held>();
  /** Topics the stream brought a message of since it opened. */
  private readonly came = new Set<string>();
  private hello: HelloFrame | undefined;

  /** A tab joined with the topics it holds: it gets the stream's `hello` and its topics' state when it can. */
  join(tab: TabId, topics: readonly JoinTopic[] = []): Routing {
    this.topicsOf(tab);
    const out: Routing = { gateway: [], tabs: this.hello ? [[tab, this.hello]] : [] };
    for (const { topic, since, epoch } of topics) {
      const r = this.fromTab(tab, { type: 'sub', topic, ...(epoch !== undefined && { since: since ?? 0, epoch }) });
      out.gateway.push(...r.gateway);
      out.tabs.push(...r.tabs);
    }
    return out;
  }

  /** A tab left: topics no other tab holds leave the stream's next opening. */
  leave(tab: TabId): Routing {
    return { gateway: this.forget(tab), tabs: [] };
  }

  /** A frame a tab's client sent. */
  fromTab(tab: TabId, frame: ClientFrame): Routing {
    const wants = this.topicsOf(tab);
    switch (frame.type) {
      case 'sub': {
        const had = wants.has(frame.topic);
        wants.add(frame.topic);
        return this.sub(tab, frame.topic, had, frame.since, frame.epoch);
      }
      case 'unsub':
        return this.unsub(tab, frame.topic);
      case 'ping':
        return { gateway: [], tabs: [[tab, { type: 'pong' }]] };
      default:
        return { gateway: [], tabs: [] };
    }
  }

  /**
   * A tab's `sub`: answered from what the stream carries, or the stream reopens (from further back). `had`: the
   * tab held the topic already (it resubscribes after a new stream's `hello`), so it got all the stream brought.
   */
  private sub(tab: TabId, topic: string, had: boolean, since?: number, epoch?: string): Routing {
    const held = this.held.get(topic);
    if (this.topics.has(topic)) {
      const ok: [TabId, ServerFrame] | undefined = held && [
        tab,
        { type: 'sub.ok', topic, seq: held.seq, epoch: held.epoch },
      ];
      const last = held?.recent.at(-1);
      const latest: [TabId, ServerFrame][] = last ? [[tab, last]] : [];
      // What the gateway would answer: the latest message to a fresh `sub`, a reset and the latest to a tab
      // that resumes from an epoch that is over.
      if (ok && since === undefined) return { gateway: [], tabs: [ok, ...latest] };
      if (ok && held && epoch !== held.epoch) {
        return { gateway: [], tabs: [ok, [tab, { type: 'reset', topic, epoch: held.epoch }], ...latest] };
      }
      // From where the stream covers the topic: its opening point, or the one it will open from. A tab that was
      // not holding it is covered from there only while nothing came yet: what came since went to others only.
      const start = this.start.get(topic) ?? this.from.get(topic)?.since;
      const fromStart = start !== undefined && since !== undefined && since >= start && (had || !this.came.has(topic));
      const covered = since === undefined || fromStart || (!!held && since >= held.seq);
      // Covered: what the tab lacks is on its way to every holder (or it lacks nothing).
      if (covered) return { gateway: [], tabs: ok ? [ok] : [] };
      // Behind, by no more than what the leader kept: given here.
      const missed = held?.recent.filter((m) => m.seq > since!) ?? [];
      if (ok && missed[0]?.seq === since! + 1)
        return { gateway: [], tabs: [ok, ...missed.map((m) => [tab, m] as [TabId, ServerFrame])] };
    }
    // New to the stream, or this tab needs it from further back: the stream reopens.
    this.topics.add(topic);
    const asked = this.from.get(topic);
    if (since !== undefined && (!asked || asked.epoch !== epoch || since < asked.since)) {
      this.from.set(topic, { since, epoch: epoch! });
    }
    return { gateway: [{ type: 'sub', topic, ...(since !== undefined && { since, epoch: epoch! }) }], tabs: [] };
  }

  /** A frame the stream brought; `self` is the leader's tab, which alone gets what concerns the connection. */
  fromGateway(frame: ServerFrame, self: TabId): Routing {
    const tabs: [TabId, ServerFrame][] = [];
    const holders = (topic: string): void => {
      for (const [tab, topics] of this.wants) if (topics.has(topic)) tabs.push([tab, frame]);
    };
    switch (frame.type) {
      case 'hello':
        // A new stream: every tab resubscribes from what it holds, and is answered from what the stream carries.
        this.hello = frame;
        for (const tab of this.wants.keys()) tabs.push([tab, frame]);
        break;
      case 'ping':
        for (const tab of this.wants.keys()) tabs.push([tab, frame]);
        break;
      case 'sub.ok': {
        const before = this.held.get(frame.topic);
        const recent = before?.epoch === frame.epoch ? before.recent : [];
        this.held.set(frame.topic, { seq: Math.max(frame.seq, before?.seq ?? 0), epoch: frame.epoch, recent });
        if (!this.start.has(frame.topic)) this.start.set(frame.topic, frame.seq);
        holders(frame.topic);
        break;
      }
      case 'sub.err':
        holders(frame.topic);
        for (const topics of this.wants.values()) topics.delete(frame.topic);
        this.letGo(frame.topic);
        break;
      case 'reset':
        this.held.set(frame.topic, { seq: 0, epoch: frame.epoch, recent: [] });
        this.start.set(frame.topic, 0);
        holders(frame.topic);
        break;
      case 'msg': {
        this.came.add(frame.topic);
        const held = this.held.get(frame.topic);
        if (held && frame.seq > (held.recent.at(-1)?.seq ?? -1)) {
          held.seq = Math.max(held.seq, frame.seq);
          held.recent.push(frame);
          if (held.recent.length > RECENT) held.recent.shift();
        }
        holders(frame.topic);
        break;
      }
      case 'close':
      case 'unsub.ok':
        break; // the stream's end is reported by its transport; each tab had its `unsub.ok` here
      default:
        tabs.push([self, frame]);
    }
    return { gateway: [], tabs };
  }

  /**
   * The topics a new stream must carry, each from the oldest point a tab needs (what the tabs were sent so far,
   * or an older point a tab asked for), or none for a topic no tab has seen.
   */
  points(): Map<string, SseResume | undefined> {
    const points = new Map<string, SseResume | undefined>();
    for (const topic of this.topics) {
      const held = this.held.get(topic);
      const asked = this.from.get(topic);
      const sent = held && held.seq > 0 ? { since: held.seq, epoch: held.epoch } : undefined;
      points.set(topic, asked && (!sent || asked.epoch !== sent.epoch || asked.since < sent.since) ? asked : sent);
    }
    return points;
  }

  /** A stream opened with `points`: it covers each topic from there on. */
  opened(points: ReadonlyMap<string, SseResume | undefined>): void {
    this.from.clear();
    this.start.clear();
    this.came.clear();
    for (const [topic, point] of points) if (point) this.start.set(topic, point.since);
  }

  protected letGo(topic: string): ClientFrame {
    this.topics.delete(topic);
    this.from.delete(topic);
    this.start.delete(topic);
    this.came.delete(topic);
    this.held.delete(topic);
    return { type: 'unsub', topic };
  }
}
