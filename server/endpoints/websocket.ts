/**
 * The WebSocket endpoint (`/rt`). Refusals complete the upgrade and close at once with 4401 / 4403 / 1013,
 * because a browser cannot read the status of a failed handshake (PROTOCOL.md §2.6).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
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
import { Gatekeeper, toAuthOptions, type AuthOptions } from '../admission/gatekeeper.js';
import { requestUrl } from './http-util.js';
import type { PreparedFrame } from '../delivery/prepared-frame.js';
import { Session, type SessionPeer } from '../delivery/session.js';
import { FrameGuard, Verdict } from '../limits/frame-guard.js';
import type { WriteBatch } from '../delivery/write-batch.js';

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

/** A session's view of its WebSocket: methods on the prototype, not closures per connection. */
class WebSocketPeer implements SessionPeer {
  readonly answers = true;
  /** The write batch this socket was last corked in (see delivery/write-batch.ts). */
  private corkedBatch = 0;
  /** The socket's buffered bytes when it was corked: what it gathers since then is bounded. */
  private corkedAt = 0;

  /**
   * @param socket the socket the upgrade came on, which `ws` writes to: frames prepared once are written to it
   * directly, corked with the gateway's `writes`
   */
  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly writes: WriteBatch,
  ) {}

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
      const batch = this.writes.current;
      if (this.corkedBatch !== batch) {
        this.corkedBatch = batch;
        this.writes.holdUntilTurnEnds(socket);
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
}

/** Serves WebSocket connections on one path. */
export class WebSocketEndpoint {
  /** The underlying `ws` server (no HTTP server of its own). */
  readonly wss: WebSocketServer;
  private readonly gatekeeper: Gatekeeper;
  private readonly refresher: Refresher;
  /** Every upgraded socket until it closes, accepted or being refused. */
  private readonly sockets = new Set<WebSocket>();
  /** Upgrades whose ticket is being checked. */
  private inFlight = 0;
  private settled: (() => void) | undefined;

  constructor(
    private readonly context: GatewayContext,
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
    });
    context.heartbeat.start();
    context.expiry.start();
  }

  /**
   * Listens for upgrades on `server`.
   * @param ownsServer answer upgrades on other paths with 404 (the gateway's own server); otherwise leave them to
   * other listeners (an application's server may host other WebSocket endpoints)
   */
  attach(server: Server, ownsServer = false): this {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (requestUrl(req).pathname === this.path) void this.handleUpgrade(req, socket, head);
      else if (ownsServer) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    return this;
  }

  /** Authenticates an upgrade request, then completes it and accepts or refuses the connection. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // A handshake `ws` would refuse anyway is answered before the ticket is looked at, so it cannot spend it.
    const refusal = handshakeRefusal(req);
    if (refusal !== undefined) return void socket.end(refusal);
    this.inFlight += 1;
    // Until `ws` owns the socket, an error on it (a reset during ticket verification) is ours to swallow.
    const onEarlyError = () => socket.destroy();
    socket.on('error', onEarlyError);
    try {
      let admission = await this.gatekeeper.admit(req, requestUrl(req).searchParams, 'WS');
      // Shutdown may have begun while the ticket was being checked: such a connection must not slip in.
      if (admission.ok && this.context.draining) {
        admission = { ok: false, status: 503, closeCode: CloseCode.serviceRestart, reason: 'service_restart' };
      }
      socket.removeListener('error', onEarlyError);
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        // Before anything else: a peer may send garbage (an unmasked or oversized frame) at once, and an
        // `error` event without a listener would take the process down.
        ws.on('error', (error) => this.context.logger.debug('WS', 'Socket error:', { error: error.message }));
        this.sockets.add(ws);
        ws.on('close', () => this.sockets.delete(ws));
        if (admission.ok) this.accept(ws, socket, admission.authority, req.headers.origin);
        else ws.close(admission.closeCode, admission.reason);
      });
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.settled?.();
    }
  }

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

  private accept(ws: WebSocket, socket: Duplex, authority: Authority, origin: string | undefined): void {
    const { context } = this;
    const { hub, logger, clock } = context;
    const peer = new WebSocketPeer(ws, socket, hub.writes);
    const session = new Session(context.newId(), 'websocket', authority, peer, clock.now(), context.backpressure);
    const guard = new FrameGuard(context.limits.framesPerConnection, clock.now());
    hub.add(session);

    const strike = () => {
      if (!guard.strike(clock.now())) session.close(CloseCode.policyViolation, 'too_many_bad_frames');
    };
    const withinRate = (): boolean => {
      const verdict = guard.admit(clock.now());
      if (verdict === Verdict.close) session.close(CloseCode.rateLimited, RATE_LIMITED);
      else if (verdict === Verdict.warn) {
        hub.emit('rateLimited', 'frames', 'websocket');
        session.sendFrame({ type: 'error', code: FrameError.rateLimited, message: 'too many frames; slow down' });
      }
      return verdict === Verdict.handle;
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      session.lastSeen = clock.now();
      if (!withinRate()) return;
      if (isBinary) {
        session.sendFrame({ type: 'error', code: FrameError.binary, message: 'frames must be JSON text' });
        return strike();
      }
      const parsed = parseClientFrame(data.toString());
      if (!parsed.ok) {
        session.sendFrame(parsed.reply);
        return strike();
      }
      const { frame } = parsed;
      if (frame.type === 'sub') hub.subscribe(session, frame);
      else if (frame.type === 'unsub') hub.unsubscribe(session, frame.topic);
      else if (frame.type === 'ping') session.sendFrame({ type: 'pong' });
      else if (frame.type === 'refresh') void this.refresher.handle(session, frame, origin);
    });
    ws.on('pong', () => {
      session.lastSeen = clock.now();
    });
    ws.on('close', (code) => {
      hub.remove(session, code);
      logger.info('WS', 'Client disconnected:', { id: session.id, code });
    });

    session.greet(context.heartbeatMs, clock.now());
    logger.info('WS', 'Client connected:', {
      id: session.id,
      scopes: authority.scopes,
      ...(authority.subjectDigest && { subject: authority.subjectDigest }),
    });
  }
}
