/**
 * Admission of a new connection, the same for both transports: draining, `Origin`, then the ticket. Each
 * endpoint maps the verdict onto its own wire (close code or HTTP status, PROTOCOL.md §2.6).
 */
import type { IncomingMessage } from 'node:http';
import { CloseCode, FORBIDDEN_ORIGIN, type ParsedTicket } from '../src/protocol/index.js';
import { verifyTicket } from './auth.js';
import type { GatewayContext } from './context.js';
import { OriginPolicy } from './origin.js';

/** How an endpoint authenticates connections. */
export interface AuthOptions {
  /** The HMAC secret tickets are signed with (required, non-empty). */
  secret: string;
  /** The secret's key id; tickets may name it in `kid`. */
  kid?: string;
  /** Exact origins allowed to connect; unset allows every origin (PROTOCOL.md §2.6). */
  allowedOrigins?: readonly string[];
  /** Demo mode: CORS for any origin on `/rt/sse` and `/rt/ticket`. Never in production. */
  corsAnyOrigin?: boolean;
}

/** Accepts `secret` alone, as the seed's `startWebSocketServer(server, secret)` does. */
export function toAuthOptions(secretOrOptions: string | AuthOptions): AuthOptions {
  const options = typeof secretOrOptions === 'string' ? { secret: secretOrOptions } : secretOrOptions;
  if (typeof options.secret !== 'string' || options.secret.length === 0) {
    throw new TypeError('a non-empty HMAC secret is required');
  }
  return options;
}

/** The outcome of {@link Gatekeeper.admit}. */
export type Admission =
  | { ok: true; ticket: ParsedTicket }
  | { ok: false; status: 401 | 403 | 503; closeCode: number; reason: string };

const UNAVAILABLE = { ok: false, status: 503, closeCode: CloseCode.tryAgainLater, reason: 'unavailable' } as const;

/** Decides whether a connection request may proceed. */
export class Gatekeeper {
  readonly origins: OriginPolicy;

  constructor(
    private readonly context: GatewayContext,
    readonly auth: AuthOptions,
  ) {
    this.origins = new OriginPolicy(auth.allowedOrigins);
  }

  /** Checks draining, `Origin` and the ticket in `query`; records the nonce only when everything passed. */
  async admit(req: IncomingMessage, query: URLSearchParams, tag: 'WS' | 'SSE'): Promise<Admission> {
    const refuse = (admission: Exclude<Admission, { ok: true }>): Admission => {
      this.context.logger.info(tag, 'Connection refused:', { reason: admission.reason, ip: req.socket.remoteAddress ?? '' });
      const { reason, closeCode, status } = admission;
      this.context.hub.emit('refuse', { transport: tag === 'SSE' ? 'sse' : 'websocket', reason, closeCode, status });
      return admission;
    };
    if (this.context.draining || !this.context.health().ok) return refuse(UNAVAILABLE);
    if (!this.origins.allows(req.headers.origin)) {
      return refuse({ ok: false, status: 403, closeCode: CloseCode.forbidden, reason: FORBIDDEN_ORIGIN });
    }
    try {
      const verdict = await verifyTicket(query, {
        secret: this.auth.secret,
        kid: this.auth.kid,
        nonces: this.context.nonces,
        now: () => this.context.clock.now(),
      });
      if (verdict.ok) return verdict;
      return refuse({ ok: false, status: 401, closeCode: CloseCode.unauthorized, reason: verdict.reason });
    } catch (error) {
      this.context.logger.error(tag, 'Nonce store failed:', { error: error instanceof Error ? error.message : 'unknown' });
      return refuse(UNAVAILABLE);
    }
  }
}
