/**
 * A gateway double on mock-socket for unit tests: answers `sub` per PROTOCOL.md §4 (sub.ok, replay after
 * `since`, `reset` on a foreign epoch), publishes, and records what every connection sent. Time inside
 * mock-socket runs on `setTimeout`, so a fake clock drives it too.
 */
import { Server, WebSocket as MockWebSocket, type Client } from 'mock-socket';
import type { ClientFrame, ServerFrame } from '../../src/protocol/frames.js';
import type { Ticket } from '../../src/protocol/ticket.js';

/** The mock-socket WebSocket, typed as the DOM one for `createClient({ WebSocket })`. */
export const FakeWebSocket = MockWebSocket as unknown as typeof WebSocket;

/** One client connection as the gateway double sees it. */
export interface MockConnection {
  socket: Client;
  /** The query of the connection URL (the ticket). */
  query: URLSearchParams;
  /** Frames received from the client, in order. */
  received: ClientFrame[];
  /** Topics subscribed on this connection. */
  topics: Set<string>;
  send(frame: ServerFrame | Record<string, unknown>): void;
  close(code: number, reason?: string): void;
}

interface TopicHistory {
  epoch: string;
  seq: number;
  messages: { seq: number; ts: number; data: unknown }[];
}

let urls = 0;

/** Options of {@link MockGateway}. */
export interface MockGatewayOptions {
  /** Send `hello` on every connection (default true). */
  hello?: boolean;
  /** `heartbeatMs` announced in `hello` (default 15 000). */
  heartbeatMs?: number;
  /** Topics answered with `sub.err forbidden`. */
  forbidden?: string[];
  /** Decides per connection attempt: return a close code to refuse it at once. */
  refuse?: (attempt: number, query: URLSearchParams) => number | undefined;
}

/** A gateway double listening on a fresh mock URL. */
export class MockGateway {
  readonly url = `ws://gateway${++urls}.test/rt`;
  readonly server: Server;
  readonly connections: MockConnection[] = [];
  readonly topics = new Map<string, TopicHistory>();
  attempts = 0;
  /** While true the double ignores every client frame (a dead link that still looks open). */
  muted = false;
  private epochs = 0;

  constructor(private readonly options: MockGatewayOptions = {}) {
    this.server = new Server(this.url, { mock: false });
    this.server.on('connection', (socket) => this.accept(socket));
  }

  /** The newest connection. */
  get last(): MockConnection {
    const c = this.connections[this.connections.length - 1];
    if (!c) throw new Error('no connection yet');
    return c;
  }

  /** Publishes a message to a topic: kept in history, sent to every connection subscribed. */
  publish(topic: string, data: unknown, ts = Date.now()): number {
    const t = this.history(topic);
    const seq = ++t.seq;
    t.messages.push({ seq, ts, data });
    for (const c of this.connections) {
      if (c.topics.has(topic) && c.socket.readyState === 1) c.send({ type: 'msg', topic, seq, ts, data });
    }
    return seq;
  }

  /** Forgets every topic's history, as a restarted in-memory gateway would: new epochs. */
  forget(): void {
    this.topics.clear();
  }

  stop(): void {
    this.server.stop();
  }

  private history(topic: string): TopicHistory {
    let t = this.topics.get(topic);
    if (!t) this.topics.set(topic, (t = { epoch: `e${++this.epochs}`, seq: 0, messages: [] }));
    return t;
  }

  private accept(socket: Client): void {
    const attempt = ++this.attempts;
    const query = new URL(socket.url).searchParams;
    const conn: MockConnection = {
      socket,
      query,
      received: [],
      topics: new Set(),
      send: (frame) => socket.send(JSON.stringify(frame)),
      close: (code, reason = '') => socket.close({ code, reason, wasClean: true }),
    };
    this.connections.push(conn);
    const refusal = this.options.refuse?.(attempt, query);
    if (refusal) return conn.close(refusal, 'refused');
    socket.on('message', (raw) => this.receive(conn, JSON.parse(String(raw)) as ClientFrame));
    if (this.options.hello ?? true) {
      conn.send({
        type: 'hello',
        v: 1,
        id: `c${attempt}`,
        scopes: [],
        heartbeatMs: this.options.heartbeatMs ?? 15_000,
      });
    }
  }

  private receive(conn: MockConnection, frame: ClientFrame): void {
    if (this.muted) return;
    conn.received.push(frame);
    if (frame.type === 'ping') return conn.send({ type: 'pong' });
    if (frame.type === 'unsub') {
      conn.topics.delete(frame.topic);
      return conn.send({ type: 'unsub.ok', topic: frame.topic });
    }
    if (frame.type !== 'sub') return;
    const { topic, since, epoch } = frame;
    if (this.options.forbidden?.includes(topic)) return conn.send({ type: 'sub.err', topic, code: 'forbidden' });
    const t = this.history(topic);
    conn.topics.add(topic);
    conn.send({ type: 'sub.ok', topic, seq: t.seq, epoch: t.epoch });
    const oldest = t.messages[0]?.seq ?? t.seq + 1;
    const latest = t.messages[t.messages.length - 1];
    const send = (m: { seq: number; ts: number; data: unknown }) => conn.send({ type: 'msg', topic, ...m });
    if (since === undefined) {
      if (latest) send(latest);
    } else if ((epoch === undefined || epoch === t.epoch) && since >= oldest - 1 && since <= t.seq) {
      t.messages.filter((m) => m.seq > since).forEach(send);
    } else {
      conn.send({ type: 'reset', topic, epoch: t.epoch });
      if (latest) send(latest);
    }
  }
}

let nonces = 0;

/** A ticket provider for unit tests: a fresh nonce per call, and the calls counted. */
export function fakeAuth(): { auth: (scopes: readonly string[]) => Promise<Ticket>; calls: () => number } {
  let calls = 0;
  return {
    auth: async (scopes) => {
      calls++;
      return {
        ts: 1_700_000_000,
        nonce: (++nonces).toString(16).padStart(16, '0'),
        scopes: scopes.join(','),
        sig: 'a'.repeat(64),
      };
    },
    calls: () => calls,
  };
}

/** An EventSource double: records instances; the test pushes frames or fails the stream. */
export class FakeEventSource {
  static instances: FakeEventSource[] = [];
  static get last(): FakeEventSource {
    const es = FakeEventSource.instances[FakeEventSource.instances.length - 1];
    if (!es) throw new Error('no EventSource yet');
    return es;
  }
  readonly url: string;
  readyState = 0;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  constructor(url: string | URL) {
    this.url = String(url);
    FakeEventSource.instances.push(this);
  }
  get query(): URLSearchParams {
    return new URL(this.url).searchParams;
  }
  push(frame: ServerFrame | Record<string, unknown>): void {
    this.readyState = 1;
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(frame) }));
  }
  fail(): void {
    this.onerror?.(new Event('error'));
  }
  close(): void {
    this.readyState = 2;
  }
}
