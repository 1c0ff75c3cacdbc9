/**
 * Clients that watch topics through Redis faults the way a user would notice them: the core client over
 * WebSocket (counting ticket fetches and connections) and an SSE stream, each checked as a client's store would
 * be (duplicates, gaps, resets per topic), and a publisher that keeps sending through several gateways, recording
 * what was accepted.
 */
import WebSocket from 'ws';
import type { MsgFrame, ServerFrame } from '../../../../src/protocol/index.js';
import type { PublishResult } from '../../../../server/engines/engine.js';
import { issueTicket } from '../../../../server/admission/tickets.js';
import type { Gateway } from '../../../../server/gateway.js';
import { createClient } from '../../../../src/core/client.js';
import type { Client } from '../../../../src/core/types.js';
import { eventually } from '../../../helpers/until.js';
import { SECRET, SseReader, signedQuery } from '../../helpers.js';

/** A gateway on the Redis engine. */
export type RedisGateway = Gateway<Promise<PublishResult>>;

/** A published payload: its id tells messages apart across epochs. */
interface Payload {
  id: number;
}

/** What one client saw of one topic. */
class TopicView {
  /** Ids received per epoch: the same id twice in one epoch is a duplicate. */
  readonly seen = new Map<string, Set<number>>();
  epoch = '';
  seq = 0;
}

/** What one client saw, checked the way a client's store would. */
export class Viewer {
  duplicates = 0;
  /** The first duplicates and gaps, described for a failure message. */
  readonly oddities: string[] = [];
  gaps = 0;
  resets = 0;
  private readonly topics = new Map<string, TopicView>();

  constructor(readonly name: string) {}

  /** Folds one frame from the gateway in. */
  frame(frame: ServerFrame): void {
    if (frame.type === 'sub.ok') this.view(frame.topic).epoch = frame.epoch;
    else if (frame.type === 'reset') this.reset(frame.topic, frame.epoch);
    else if (frame.type === 'msg') this.message(frame, this.view(frame.topic).epoch);
  }

  reset(topic: string, epoch: string): void {
    const view = this.view(topic);
    this.resets += 1;
    view.epoch = epoch;
    view.seq = 0;
  }

  message(frame: MsgFrame, epoch: string): void {
    const view = this.view(frame.topic);
    view.epoch = epoch;
    const { id } = frame.data as Payload;
    const odd = (what: string) => {
      if (this.oddities.length < 5)
        this.oddities.push(`${what}: ${frame.topic} seq ${frame.seq} #${id} after ${view.seq}`);
    };
    if (view.seq > 0 && frame.seq <= view.seq) {
      this.duplicates += 1;
      odd('seq again');
    } else if (view.seq > 0 && frame.seq > view.seq + 1) {
      this.gaps += 1;
      odd('gap');
    }
    view.seq = Math.max(view.seq, frame.seq);
    const ids = view.seen.get(epoch) ?? new Set<number>();
    if (ids.has(id)) {
      this.duplicates += 1;
      odd('id again');
    }
    ids.add(id);
    view.seen.set(epoch, ids);
  }

  /** Whether the message with `id` on `topic` arrived, in any epoch. */
  has(topic: string, id: number): boolean {
    return [...(this.topics.get(topic)?.seen.values() ?? [])].some((ids) => ids.has(id));
  }

  private view(topic: string): TopicView {
    let view = this.topics.get(topic);
    if (!view) this.topics.set(topic, (view = new TopicView()));
    return view;
  }
}

/** The core client over WebSocket, subscribed to `topics`. */
export interface WsViewer {
  viewer: Viewer;
  client: Client;
  /** Tickets it fetched. */
  tickets: () => number;
  /** Connections it opened (a `hello` each). */
  opens: () => number;
}

export function wsViewer(gw: RedisGateway, name: string, topics: readonly string[]): WsViewer {
  const viewer = new Viewer(name);
  let tickets = 0;
  const client = createClient({
    url: `${gw.url.replace(/^http/, 'ws')}/rt`,
    auth: (scopes) => {
      tickets += 1;
      return Promise.resolve(issueTicket(SECRET, scopes));
    },
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    transports: ['websocket'],
    logger: () => {},
  });
  const stores = new Map(topics.map((topic) => [topic, client.topic(topic)]));
  for (const store of stores.values()) store.subscribe(() => {});
  let opens = 0;
  let connected = false;
  client.status.subscribe((status) => {
    if (status.connected && !connected) opens += 1;
    connected = status.connected;
  });
  client.on('reset', ({ topic, epoch }) => viewer.reset(topic, epoch));
  client.on('message', (frame) => viewer.message(frame, stores.get(frame.topic)?.get().epoch ?? ''));
  return { viewer, client, tickets: () => tickets, opens: () => opens };
}

/** An SSE stream on `topics`, read frame by frame. */
export interface SseViewer {
  viewer: Viewer;
  stream: SseReader;
  /** Folds the events that arrived since the last call into the viewer. */
  read: () => void;
  /** Whether the stream ended. */
  ended: () => boolean;
}

export function sseViewer(gw: RedisGateway, name: string, topics: readonly string[]): SseViewer {
  const viewer = new Viewer(name);
  const stream = new SseReader(`${gw.url}/rt/sse?${signedQuery([])}&topics=${topics.join(',')}`);
  let read = 0;
  let ended = false;
  void stream.ended.then(() => (ended = true));
  return {
    viewer,
    stream,
    ended: () => ended,
    read: () => {
      for (; read < stream.events.length; read++) viewer.frame((stream.events[read] as { data: ServerFrame }).data);
    },
  };
}

/** Ids are unique across publishers, so a test's messages never pass for an earlier test's. */
let nextId = 0;

/** Sends `{ id }` payloads round-robin over gateways and topics until stopped; accepted ones got a seq. */
export class Publisher {
  /** `topic` → id → receipt. */
  readonly accepted = new Map<string, Map<number, PublishResult>>();
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly gateways: readonly RedisGateway[],
    private readonly topics: readonly string[],
  ) {
    for (const topic of topics) this.accepted.set(topic, new Map());
    this.done = this.loop();
  }

  /** How many messages were accepted in all. */
  get count(): number {
    return [...this.accepted.values()].reduce((sum, ids) => sum + ids.size, 0);
  }

  /** Resolves once `n` more messages than now were accepted (bounded). */
  async more(n: number): Promise<void> {
    const target = this.count + n;
    await eventually(() => this.count >= target, { what: `${target} messages accepted`, tries: 3000 });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  /** The messages some viewer did not get, named for the failure message. */
  missing(viewers: readonly Viewer[]): string[] {
    return viewers.flatMap((viewer) =>
      [...this.accepted].flatMap(([topic, ids]) =>
        [...ids]
          .filter(([id]) => !viewer.has(topic, id))
          .map(([id, receipt]) => `${viewer.name} ${topic} #${id} (seq ${receipt.seq})`),
      ),
    );
  }

  private async loop(): Promise<void> {
    for (let round = 0; this.running && round < 20_000; round++) {
      const id = nextId++;
      const gw = this.gateways[id % this.gateways.length] as RedisGateway;
      const topic = this.topics[Math.floor(id / this.gateways.length) % this.topics.length] as string;
      await gw.fanout(topic, { id }).then(
        (receipt) => this.accepted.get(topic)?.set(id, receipt),
        () => new Promise((resolve) => setTimeout(resolve, 5)), // Redis away: not accepted
      );
    }
  }
}
