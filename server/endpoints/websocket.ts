/**
 * The WebSocket endpoint (`/rt`). Refusals complete the upgrade and close at once with 4401 / 4403 / 1013,
 * because a browser cannot read the status of a failed handshake (PROTOCOL.md §2.6).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  CloseCode,
  FrameError,
  MAX_CLIENT_FRAME_BYTES,
  RATE_LIMITED,
  parseClientFrame,
} from '../../src/protocol/index.js';
import type { Authority } from '../access/authority.js';
import { Refresher } from '../access/refresh.js';
import type { GatewayContext } from '../context.js';
import { Gatekeeper, toAuthOptions, type Admission, type AuthOptions } from '../admission/gatekeeper.js';
import { requestUrl } from './http-util.js';
import type { PreparedFrame } from '../delivery/prepared-frame.js';
import { Session, type SessionPeer } from '../delivery/session.js';
import { FrameGuard, Verdict } from '../limits/frame-guard.js';

const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;

/**
 * The checks `ws` makes of a handshake (RFC 6455 §4.2.1), answered the way `ws` answers them.
 * @returns the HTTP response refusing a malformed handshake, or `undefined` when it is well-formed
 */
function handshakeRefusal(req: IncomingMessage): string | undefined {
  const answer = (status: string, extra = '') =>
    `HTTP/1.1 ${status}\r\nConnection: close\r\n${extra}Content-Length: 0\r\n\r\n`;
  if (req.method !== 'GET') return answer('405 Method Not Allowed', 'Allow: GET\r\n');
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return answer('400 Bad Request', 'Sec-WebSocket-Version: 13, 8\r\n');
  if (
    req.headers.upgrade?.toLowerCase() !== 'websocket' ||
    !WEBSOCKET_KEY.test(req.headers['sec-websocket-key'] ?? '')
  ) {
    return answer('400 Bad Request');
  }
  return undefined;
}

/** Bytes a socket may gather behind its cork before they are written anyway. */
const CORK_LIMIT_BYTES = 64 * 1024;

/**
 * A `ws` socket that carries its connection once accepted, for the listeners every connection shares: a field
 * of its own class, so it takes a slot of the object rather than growing its property store.
 */
class Carrier extends WebSocket {
  connection: WebSocketConnection | undefined = undefined;
}

/**
 * One accepted WebSocket connection: the session's view of its socket and the handling of what the client sends.
 * Its listeners are functions the endpoint shares among all connections (`this` is the socket), not closures per
 * connection: closures, their scopes and the upgrade request one of them kept alive were most of what an idle
 * connection cost beyond the raw socket's (BENCHMARKS.md, one hot topic).
 */
class WebSocketConnection implements SessionPeer {
  readonly answers = true;
  readonly session: Session;
  private readonly guard: FrameGuard;
  /** The write batch this socket was last corked in (see delivery/write-batch.ts). */
  private corkedBatch = 0;
  /** The socket's buffered bytes when it was corked: what it gathers since then is bounded. */
  private corkedAt = 0;

  /**
   * @param socket the socket the upgrade came on, which `ws` writes to: frames prepared once are written to it
   * directly, corked with the gateway's `writes`
   */
  constructor(
    private readonly endpoint: WebSocketEndpoint,
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    authority: Authority,
    readonly origin: string | undefined,
  ) {
    const { context } = endpoint;
    const now = context.clock.now();
    this.session = new Session(context.newId(), 'websocket', authority, this, now, context.backpressure);
    this.guard = new FrameGuard(context.limits.framesPerConnection, now);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /**
   * Writes a prepared frame's bytes straight to the socket. Safe because permessage-deflate is off, so every
   * send of `ws` is itself a synchronous write to this socket: order is kept and `bufferedAmount` counts them.
   */
  write(frame: PreparedFrame): void {
    const { ws, socket } = this;
    if (ws.readyState !== ws.OPEN) return;
    if (!socket.writableCorked) {
      socket.cork();
      this.corkedAt = socket.writableLength;
      // Uncorked early by the 64 KiB bound below, it is still listed in this batch: list it once.
      const { writes } = this.endpoint.context.hub;
      const batch = writes.current;
      if (this.corkedBatch !== batch) {
        this.corkedBatch = batch;
        writes.holdUntilTurnEnds(socket);
      }
    }
    socket.write(frame.ws);
    // A big burst goes out now rather than pile up behind the cork and pass for backpressure.
    if (socket.writableCorked && socket.writableLength - this.corkedAt >= CORK_LIMIT_BYTES) socket.uncork();
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  ping(): void {
    this.ws.ping();
  }

  /** A pong: the link is alive. */
  ponged(): void {
    this.session.lastSeen = this.endpoint.context.clock.now();
  }

  /** The socket closed: the session goes. */
  closed(code: number): void {
    const { hub, logger } = this.endpoint.context;
    hub.remove(this.session, code);
    logger.info('WS', 'Client disconnected:', { id: this.session.id, code });
  }

  /** A frame from the client: within its rate, JSON text, then handled. */
  received(data: RawData, isBinary: boolean): void {
    const { session } = this;
    const { hub, clock } = this.endpoint.context;
    session.lastSeen = clock.now();
    if (!this.withinRate()) return;
    if (isBinary) {
      session.sendFrame({ type: 'error', code: FrameError.binary, message: 'frames must be JSON text' });
      return this.strike();
    }
    const parsed = parseClientFrame(data.toString());
    if (!parsed.ok) {
      session.sendFrame(parsed.reply);
      return this.strike();
    }
    const { frame } = parsed;
    if (frame.type === 'sub') hub.subscribe(session, frame);
    else if (frame.type === 'unsub') hub.unsubscribe(session, frame.topic);
    else if (frame.type === 'ping') session.sendFrame({ type: 'pong' });
    else if (frame.type === 'refresh') void this.endpoint.refresher.handle(session, frame, this.origin);
  }

  private withinRate(): boolean {
    const { hub, clock } = this.endpoint.context;
    const verdict = this.guard.admit(clock.now());
    if (verdict === Verdict.close) this.session.close(CloseCode.rateLimited, RATE_LIMITED);
    else if (verdict === Verdict.warn) {
      hub.emit('rateLimited', 'frames', 'websocket');
      this.session.sendFrame({ type: 'error', code: FrameError.rateLimited, message: 'too many frames; slow down' });
    }
    return verdict === Verdict.handle;
  }

  private strike(): void {
    if (!this.guard.strike(this.endpoint.context.clock.now()))
      this.session.close(CloseCode.policyViolation, 'too_many_bad_frames');
  }
}

// `ws` makes every socket of the endpoint's server a Carrier (its `WebSocket` option).
function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  (this as Carrier).connection?.received(data, isBinary);
}

function onPong(this: WebSocket): void {
  (this as Carrier).connection?.ponged();
}

/** Serves WebSocket connections on one path. */
export class WebSocketEndpoint {
  /** The underlying `ws` server (no HTTP server of its own). */
  readonly wss: WebSocketServer;
  private readonly gatekeeper: Gatekeeper;
  /** Every upgraded socket until it closes, accepted or being refused. */
  private readonly sockets = new Set<Carrier>();
  /**
   * Answers `refresh` frames (used by each connection).
   * @internal
   */
  readonly refresher: Refresher;
  /** Upgrades whose ticket is being checked. */
  private inFlight = 0;
  private settled: (() => void) | undefined;

  /**
   * @param context the gateway's shared state (read by each connection: `@internal` as a property)
   * @param auth how tickets are checked
   * @param path the path upgrades are answered on
   */
  constructor(
    /** @internal */
    readonly context: GatewayContext,
    auth: AuthOptions,
    readonly path = '/rt',
  ) {
    this.gatekeeper = new Gatekeeper(context, toAuthOptions(auth));
    this.refresher = new Refresher(context, this.gatekeeper);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_CLIENT_FRAME_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
      WebSocket: Carrier,
    });
    context.heartbeat.start();
    context.expiry.start();
    const { sockets } = this;
    this.onSocketClose = function (code) {
      sockets.delete(this as Carrier);
      (this as Carrier).connection?.closed(code);
    };
  }

  /**
   * Listens for upgrades on `server`.
   * @param ownsServer answer upgrades on other paths with 404 (the gateway's own server); otherwise leave them to
   * other listeners (an application's server may host other WebSocket endpoints)
   */
  attach(server: Server, ownsServer = false): this {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = requestUrl(req);
      if (url.pathname === this.path) void this.handleUpgrade(req, socket, head, url);
      else if (ownsServer) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    return this;
  }

  /**
   * Authenticates an upgrade request, then completes it and accepts or refuses the connection.
   * @param url the request's URL, when the caller has parsed it already
   */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url = requestUrl(req)): Promise<void> {
    // A handshake `ws` would refuse anyway is answered before the ticket is looked at, so it cannot spend it.
    const refusal = handshakeRefusal(req);
    if (refusal !== undefined) return void socket.end(refusal);
    this.inFlight += 1;
    // Until `ws` owns the socket, an error on it (a reset during ticket verification) is ours to swallow.
    const onEarlyError = () => socket.destroy();
    socket.on('error', onEarlyError);
    try {
      let admission = await this.gatekeeper.admit(req, url.searchParams, 'WS');
      // Shutdown may have begun while the ticket was being checked: such a connection must not slip in.
      if (admission.ok && this.context.draining) {
        admission = { ok: false, status: 503, closeCode: CloseCode.serviceRestart, reason: 'service_restart' };
      }
      socket.removeListener('error', onEarlyError);
      const { origin } = req.headers;
      // The 101 response and the first frames (`hello`, or the refusal's close) leave in one write, when the
      // turn ends: one system call less per connection, the costliest step of a connect (BENCHMARKS.md).
      socket.cork();
      this.context.hub.writes.holdUntilTurnEnds(socket);
      // No listener is made here: a closure made here would keep this scope's `req` (its headers, a few KB)
      // alive for as long as the connection lives. The socket is a Carrier (the server's `WebSocket` option).
      this.wss.handleUpgrade(req, socket, head, (ws) => this.adopt(ws as Carrier, socket, admission, origin));
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.settled?.();
    }
  }

  /** Takes over a socket `ws` has upgraded: accepts it, or closes it with the refusal's code. */
  private adopt(ws: Carrier, socket: Duplex, admission: Admission, origin: string | undefined): void {
    // Before anything else: a peer may send garbage (an unmasked or oversized frame) at once, and an `error`
    // event without a listener would take the process down.
    ws.on('error', this.onSocketError);
    this.sockets.add(ws);
    ws.on('close', this.onSocketClose);
    if (admission.ok) this.accept(ws, socket, admission.authority, origin);
    else ws.close(admission.closeCode, admission.reason);
  }

  // Listeners all sockets share (see WebSocketConnection).
  private readonly onSocketError = (error: Error): void =>
    this.context.logger.debug('WS', 'Socket error:', { error: error.message });

  private readonly onSocketClose: (this: WebSocket, code: number) => void;

  /**
   * Closes every connection with `code`, including any whose ticket is still being checked, and resolves once
   * all are gone (terminating laggards after `graceMs`).
   */
  async closeAll(code: number, reason: string, graceMs = 2000): Promise<void> {
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.settled = resolve));
    this.settled = undefined;
    const closing = [...this.sockets].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === ws.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close(code, reason);
          setTimeout(() => ws.terminate(), graceMs).unref();
        }),
    );
    await Promise.all(closing);
  }

  private accept(ws: Carrier, socket: Duplex, authority: Authority, origin: string | undefined): void {
    const { hub, logger, heartbeatMs, clock } = this.context;
    const connection = new WebSocketConnection(this, ws, socket, authority, origin);
    const { session } = connection;
    ws.connection = connection;
    hub.add(session);
    ws.on('message', onMessage);
    ws.on('pong', onPong);
    session.greet(heartbeatMs, clock.now());
    logger.info('WS', 'Client connected:', {
      id: session.id,
      scopes: authority.scopes,
      ...(authority.subjectDigest && { subject: authority.subjectDigest }),
    });
  }
}
