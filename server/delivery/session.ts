/**
 * One client connection, whatever its transport: its scopes, its subscriptions and its outbound queue.
 */
import type { HelloFrame, ServerFrame } from '../../src/protocol/index.js';
import { CloseCode, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import type { Authority } from '../access/authority.js';
import { OutboundQueue, Outcome, type BackpressureOptions, type Peer } from './backpressure.js';
import { PreparedFrame } from './prepared-frame.js';
import type { Subscriber, Topic } from './topic.js';

/** The transports a session may use. */
export type TransportKind = 'websocket' | 'sse';

/** A transport the session can write to and close. */
export interface SessionPeer extends Peer {
  /** Whether the peer answers pings (WebSocket), so that its silence means the link is dead. */
  readonly answers: boolean;
  /** Closes the connection (a WebSocket close frame; on SSE a last `close` frame, then the end of the stream). */
  close(code: number, reason: string): void;
  /** Drops the connection without a closing handshake. */
  terminate(): void;
  /** A transport-level keepalive: a WebSocket protocol ping, an SSE comment line. */
  ping(): void;
}

const PING = PreparedFrame.control({ type: 'ping' });

/** A connected, authenticated client. */
export class Session implements Subscriber {
  /** Topics this session is subscribed to. */
  readonly topics = new Set<Topic>();
  /**
   * Live messages that arrived while a topic's resume was being fetched (Redis engine): sent after the replay,
   * so replay and live never interleave.
   */
  pending: Map<Topic, PreparedFrame[]> | undefined;
  /**
   * The last seq sent per topic, kept only for topics resumed asynchronously (Redis engine): live delivery and
   * the resume read travel on different connections, so the same message can arrive twice and must go out once.
   */
  lastSeq: Map<Topic, number> | undefined;
  /** The scopes the connection holds now (its ticket's, until a refresh or a revocation changes them). */
  scopes: readonly string[];
  /** The key id the ticket was signed with, if it named one. */
  kid: string | undefined;
  /** When the connection's authority ends (ms), unless a refresh moves it; `undefined`: never. */
  endsAt: number | undefined;
  /** The ticket's subject: compared on refresh, never logged (logs name {@link Session.subjectDigest}). */
  subject: string | undefined;
  /** The subject's digest, what logs, the audit log and revocations name. */
  subjectDigest: string | undefined;
  /** When the ticket behind the current authority was issued (Unix seconds). */
  issuedAt: number;
  /** Scopes an operator took from this very connection: a refresh does not bring them back. */
  revokedScopes: ReadonlySet<string> | undefined;
  /** When the last sign of life (any frame, a pong) arrived, in ms. */
  lastSeen: number;
  private readonly queue: OutboundQueue;
  private closed = false;
  /** The first heartbeat that found frames waiting, while they keep waiting. */
  private backedUpSince: number | undefined;

  constructor(
    readonly id: string,
    readonly transport: TransportKind,
    authority: Authority,
    private readonly peer: SessionPeer,
    now: number,
    limits?: BackpressureOptions,
  ) {
    this.lastSeen = now;
    this.queue = new OutboundQueue(peer, limits);
    this.scopes = authority.scopes;
    this.kid = authority.kid;
    this.endsAt = authority.endsAt;
    this.subject = authority.subject;
    this.subjectDigest = authority.subjectDigest;
    this.issuedAt = authority.issuedAt;
  }

  /** Takes on a refreshed authority: new scopes, new end (the subject stays: a refresh cannot change it). */
  grant(authority: Authority): void {
    const revoked = this.revokedScopes;
    this.scopes = revoked ? authority.scopes.filter((scope) => !revoked.has(scope)) : authority.scopes;
    this.kid = authority.kid;
    this.endsAt = authority.endsAt;
    this.issuedAt = authority.issuedAt;
  }

  /** Milliseconds from `now` until the authority ends (0 once it has); `undefined` when it never does. */
  expiresIn(now: number): number | undefined {
    return this.endsAt === undefined ? undefined : Math.max(0, Math.floor(this.endsAt - now));
  }

  /** The transport's tag in log lines (`[RT WS]`, `[RT SSE]`). */
  get tag(): 'WS' | 'SSE' {
    return this.transport === 'sse' ? 'SSE' : 'WS';
  }

  /**
   * Sends `hello`, the first frame of every accepted connection, with the time its authority has left and the
   * gateway's clock (v1.3 `now`: the clock messages' `ts` come from, so a client can correct their latency for
   * its own clock's offset).
   */
  greet(heartbeatMs: number, now: number): void {
    const hello: HelloFrame = {
      type: 'hello',
      v: PROTOCOL_VERSION,
      id: this.id,
      scopes: [...this.scopes],
      heartbeatMs,
      now: Math.floor(now),
    };
    const expiresIn = this.expiresIn(now);
    if (expiresIn !== undefined) hello.expiresIn = expiresIn;
    this.sendFrame(hello);
  }

  /** Messages dropped by backpressure on this connection. */
  get dropped(): number {
    return this.queue.dropped;
  }

  /** Frames waiting in the outbound queue. */
  get queued(): number {
    return this.queue.length;
  }

  /** Whether {@link close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends a prepared frame through backpressure; a hopelessly backed-up session is closed with 4408. */
  send(frame: PreparedFrame): Outcome {
    if (this.closed) return Outcome.sent;
    const outcome = this.queue.push(frame);
    if (outcome === Outcome.overflow) this.close(CloseCode.timeout, 'backpressure');
    return outcome;
  }

  /** Serializes and sends one control frame. */
  sendFrame(frame: ServerFrame): void {
    this.send(PreparedFrame.control(frame));
  }

  /** Closes the connection once; later calls do nothing. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.clear();
    try {
      this.peer.close(code, reason);
    } catch {
      this.peer.terminate(); // a close it cannot send (a reason past 123 bytes) must not leave the socket open
    }
  }

  /**
   * One heartbeat round at `now`: terminates a peer that answers pings but has been silent for `timeoutMs`,
   * closes with 4408 one whose queue stayed backed up for `timeoutMs`, pings it otherwise.
   * @returns `false` if the session was terminated
   */
  heartbeat(now: number, timeoutMs: number): boolean {
    if (this.closed) return true;
    if (this.peer.answers && now - this.lastSeen >= timeoutMs) {
      this.closed = true;
      this.queue.clear();
      this.peer.terminate();
      return false;
    }
    // Backed up at every heartbeat for the whole timeout: it is not reading. Closed (not dropped) so it
    // reconnects and resumes from history instead of living on with a queue that only loses messages.
    if (this.queue.length === 0) this.backedUpSince = undefined;
    else if (this.backedUpSince === undefined) this.backedUpSince = now;
    else if (now - this.backedUpSince >= timeoutMs) {
      this.close(CloseCode.timeout, 'backpressure');
      return true;
    }
    // A `ping` frame on both transports: EventSource hides comment lines from scripts, so on SSE only frames
    // let a client see that the link is alive.
    this.send(PING);
    this.peer.ping();
    return true;
  }

  /** Releases the queue after the transport closed on its own. */
  dispose(): void {
    this.closed = true;
    this.pending = undefined;
    this.lastSeq = undefined;
    this.queue.clear();
  }
}
