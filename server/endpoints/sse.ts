/**
 * The Server-Sent Events endpoint (`/rt/sse`, PROTOCOL.md §6): the same frames as the WebSocket, one event
 * each, for networks where WebSocket cannot pass. One-way: the topic set is fixed by the URL.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CloseCode, parseSinceList, parseTopicList, type SseResume } from '../../src/protocol/index.js';
import { PreparedFrame } from '../delivery/prepared-frame.js';
import type { GatewayContext } from '../context.js';
import { answerPreflight, applyCors } from '../admission/cors.js';
import { Gatekeeper, toAuthOptions, type AuthOptions } from '../admission/gatekeeper.js';
import type { OriginPolicy } from '../admission/origin.js';
import { requestUrl, sendJson } from './http-util.js';
import { Session, type SessionPeer } from '../delivery/session.js';

const HEARTBEAT = Buffer.from(': hb\n\n');

/** What the SSE query asks for, or why it is malformed. */
type SseRequest = { topics: string[]; resume: Map<string, SseResume> } | { error: 'bad_topics' | 'bad_since' };

/** Reads `topics` and `since` (each at most once; every `since` entry must name a requested topic). */
export function parseSseRequest(query: URLSearchParams): SseRequest {
  const topicsParam = query.getAll('topics');
  const topics = topicsParam.length === 1 ? parseTopicList(topicsParam[0] as string) : undefined;
  if (!topics) return { error: 'bad_topics' };
  const sinceParam = query.getAll('since');
  if (sinceParam.length > 1) return { error: 'bad_since' };
  const resume = parseSinceList(sinceParam[0] ?? '');
  if (!resume || [...resume.keys()].some((t) => !topics.includes(t))) return { error: 'bad_since' };
  return { topics, resume };
}

/** Serves SSE streams. */
export class SseEndpoint {
  private readonly gatekeeper: Gatekeeper;
  /** Open streams and their sessions. */
  private readonly streams = new Map<ServerResponse, Session>();

  constructor(
    private readonly context: GatewayContext,
    auth: AuthOptions,
  ) {
    this.gatekeeper = new Gatekeeper(context, toAuthOptions(auth));
    context.heartbeat.start();
    context.expiry.start();
  }

  /** A plain `(req, res)` handler, usable from `http`, Express or Connect. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res).catch((error: unknown) => {
      this.context.logger.error('SSE', 'Request failed:', {
        error: error instanceof Error ? error.message : 'unknown',
      });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal' });
      else res.destroy();
    });
  };

  /** The origin policy of this endpoint (for CORS on other routes). */
  get origins(): OriginPolicy {
    return this.gatekeeper.origins;
  }

  /** Ends every open stream with a `close` frame 1012 (clients reconnect, with a fresh ticket, elsewhere). */
  closeAll(): void {
    const last = PreparedFrame.control({ type: 'close', code: CloseCode.serviceRestart, reason: 'service_restart' });
    for (const [res, session] of this.streams) {
      this.context.hub.remove(session); // nothing may be written after the end
      if (!res.writableEnded) res.end(last.sse);
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { auth, origins } = this.gatekeeper;
    applyCors(req, res, origins, auth.corsAnyOrigin === true);
    if (req.method === 'OPTIONS') return answerPreflight(res);
    // A HEAD would spend the ticket on a stream nobody reads.
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET, OPTIONS');
      return sendJson(res, 405, { error: 'method_not_allowed' });
    }
    const query = requestUrl(req).searchParams;
    const request = parseSseRequest(query);
    if ('error' in request) return sendJson(res, 400, { error: request.error });
    const admission = await this.gatekeeper.admit(req, query, 'SSE');
    if (!admission.ok) {
      if (admission.retryAfterS !== undefined) res.setHeader('Retry-After', String(admission.retryAfterS));
      return sendJson(res, admission.status, { error: admission.reason });
    }
    if (this.context.draining) return sendJson(res, 503, { error: 'unavailable' });
    if (req.destroyed) return;

    const { context } = this;
    const { hub, logger, clock } = context;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const peer: SessionPeer = {
      answers: false,
      get bufferedAmount() {
        return res.writableLength;
      },
      write: (frame) => void (res.writableEnded || res.write(frame.sse)),
      // SSE has no close code: a last frame says what a WebSocket's close would have (PROTOCOL.md §6).
      close: (code, reason) => {
        if (res.writableEnded) return;
        res.write(PreparedFrame.control({ type: 'close', code, reason }).sse);
        res.end();
      },
      terminate: () => res.destroy(),
      ping: () => void (res.writableEnded || res.write(HEARTBEAT)),
    };
    res.on('error', (error) => logger.debug('SSE', 'Stream error:', { error: error.message }));
    const { authority } = admission;
    const session = new Session(context.newId(), 'sse', authority, peer, clock.now(), context.backpressure);
    this.streams.set(res, session);
    hub.add(session);
    res.on('close', () => {
      this.streams.delete(res);
      hub.remove(session);
      logger.info('SSE', 'Client disconnected:', { id: session.id });
    });
    session.greet(context.heartbeatMs, clock.now());
    logger.info('SSE', 'Client connected:', {
      id: session.id,
      scopes: authority.scopes,
      ...(authority.subjectDigest && { subject: authority.subjectDigest }),
    });
    for (const topic of request.topics) hub.subscribe(session, { type: 'sub', topic, ...request.resume.get(topic) });
  }
}
