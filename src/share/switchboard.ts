/**
 * What both of the leader's switchboards keep (tab sharing, issue 17): the topics each tab holds, and the answers
 * that need nothing from the gateway. {@link Relay} (a WebSocket) and {@link StreamRelay} (an SSE stream) differ
 * in how a topic reaches the connection and what letting it go undoes.
 */
import type { ClientFrame, ServerFrame } from '../protocol/frames.js';

/** A tab, by the id it chose. */
export type TabId = string;

/** What a call asks the caller to do: frames for the gateway, and frames for tabs. */
export interface Routing {
  /** Frames to send on the gateway connection, in order. */
  gateway: ClientFrame[];
  /** Frames for tabs, in order. */
  tabs: [TabId, ServerFrame][];
}

/** The tabs a leader serves and the topics each holds. */
export abstract class Switchboard {
  /** The topics each tab holds. */
  protected readonly wants = new Map<TabId, Set<string>>();

  /** The tabs the relay serves. */
  get tabCount(): number {
    return this.wants.size;
  }

  /** Their ids. */
  tabs(): IterableIterator<TabId> {
    return this.wants.keys();
  }

  /** The topics `tab` holds; a tab first heard of by a frame of its own is served from then on. */
  protected topicsOf(tab: TabId): Set<string> {
    return this.wants.get(tab) ?? this.wants.set(tab, new Set()).get(tab)!;
  }

  /** Forgets `tab`: what to send the gateway for the topics no other tab holds. */
  protected forget(tab: TabId): ClientFrame[] {
    const topics = this.wants.get(tab) ?? [];
    this.wants.delete(tab);
    const gateway: ClientFrame[] = [];
    for (const topic of topics) if (!this.wanted(topic)) gateway.push(this.letGo(topic));
    return gateway;
  }

  /** A tab let go of `topic`: answered here; the gateway hears of it once no tab holds it. */
  protected unsub(tab: TabId, topic: string): Routing {
    this.topicsOf(tab).delete(topic);
    const gateway = this.wanted(topic) ? [] : [this.letGo(topic)];
    return { gateway, tabs: [[tab, { type: 'unsub.ok', topic }]] };
  }

  /** Whether any tab holds `topic`. */
  protected wanted(topic: string): boolean {
    for (const topics of this.wants.values()) if (topics.has(topic)) return true;
    return false;
  }

  /** No tab holds `topic` any more: forgets what the relay knew of it, and says so to the gateway. */
  protected abstract letGo(topic: string): ClientFrame;
}
