/**
 * Admission of a new connection, the same for both transports, cheapest checks first: draining and engine
 * health, the per-IP rate, the connection cap, `Origin`, then the ticket. Each endpoint maps the verdict onto its
 * own wire (close code or HTTP status, PROTOCOL.md §2.6).
 */
import type { IncomingMessage } from 'node:http';
import { AuthFailure, CloseCode, FORBIDDEN_ORIGIN, RATE_LIMITED } from '../../src/protocol/index.js';
import { authorityOf, type Authority } from '../access/authority.js';
import { verifyTicket } from './tickets.js';
import type { GatewayContext } from '../context.js';
import { KeyRing, type SigningKey } from './keyring.js';
import { OriginPolicy } from './origin.js';

/** How an endpoint authenticates connections: one `secret` (and its `kid`), or a key ring for rotation. */
export interface AuthOptions {
  /** The HMAC secret tickets are signed with (required unless `keys` is given; `keys` wins when both are). */
  secret?: string;
  /** The secret's key id; tickets may name it in `kid` (default: none; a ticket that names a `kid` is then refused). */
  kid?: string;
  /** Several keys, current first (rotation); a {@link KeyRing} is shared, so replacing its keys applies at once. */
  keys?: KeyRing | readonly SigningKey[];
  /** Exact origins allowed to connect; unset allows every origin (PROTOCOL.md §2.6). */
  allowedOrigins?: readonly string[];
  /** Demo mode: CORS for any origin on `/rt/sse` and `/rt/ticket` (default false). Never in production. */
  corsAnyOrigin?: boolean;
}

/** {@link AuthOptions} with the keys resolved into a ring. */
export interface ResolvedAuth extends AuthOptions {
  keys: KeyRing;
}

/**
 * Accepts `secret` alone, as the module-level `startWebSocketServer(server, secret)` does, or options.
 * @throws TypeError without a non-empty secret or a valid key ring
 */
export function toAuthOptions(secretOrOptions: string | AuthOptions): ResolvedAuth {
  const options = typeof secretOrOptions === 'string' ? { secret: secretOrOptions } : secretOrOptions;
  if (options.keys instanceof KeyRing) return { ...options, keys: options.keys };
  const keys = options.keys ?? [{ kid: options.kid, secret: options.secret as string }];
  return { ...options, keys: new KeyRing(keys) };
}

/** The outcome of {@link Gatekeeper.admit}. */
export type Admission =
  | { ok: true; authority: Authority }
  | { ok: false; status: 401 | 403 | 410 | 429 | 503; closeCode: number; reason: string; retryAfterS?: number };

type Refusal = Exclude<Admission, { ok: true }>;

const UNAVAILABLE: Refusal = { ok: false, status: 503, closeCode: CloseCode.tryAgainLater, reason: 'unavailable' };

/** Decides whether a connection request may proceed. */
export class Gatekeeper {
  readonly origins: OriginPolicy;

  constructor(
    private readonly context: GatewayContext,
    readonly auth: ResolvedAuth,
  ) {
    this.origins = new OriginPolicy(auth.allowedOrigins);
  }

  /** Runs every check; records the ticket's nonce only when everything else passed. */
  async admit(req: IncomingMessage, query: URLSearchParams, tag: 'WS' | 'SSE'): Promise<Admission> {
    const { context } = this;
    const transport = tag === 'SSE' ? 'sse' : 'websocket';
    const refuse = (refusal: Refusal): Admission => {
      // A flood of rate-limited attempts must not write the log at the attacker's pace: those go to debug.
      const log = refusal.reason === RATE_LIMITED ? context.logger.debug : context.logger.info;
      log(tag, 'Connection refused:', { reason: refusal.reason });
      const { reason, closeCode, status } = refusal;
      context.hub.emit('refuse', { transport, reason, closeCode, status });
      return refusal;
    };
    if (context.draining || !context.health().ok) return refuse(UNAVAILABLE);
    const wait = context.ipLimiter?.take(context.clientIp(req), context.clock.now()) ?? 0;
    if (wait > 0) {
      context.hub.emit('rateLimited', 'connections_per_ip', transport);
      return refuse({
        ok: false,
        status: 429,
        closeCode: CloseCode.rateLimited,
        reason: RATE_LIMITED,
        retryAfterS: wait,
      });
    }
    // Admissions still in flight count: with a remote nonce store many can pass this check before any is added.
    if (context.hub.sessions.size + context.admitting >= context.limits.maxConnections) {
      context.hub.emit('rateLimited', 'global_connections', transport);
      return refuse(UNAVAILABLE);
    }
    if (!this.origins.allows(req.headers.origin)) {
      return refuse({ ok: false, status: 403, closeCode: CloseCode.forbidden, reason: FORBIDDEN_ORIGIN });
    }
    // Released when admit returns; the endpoint adds an admitted session synchronously right after.
    context.admitting += 1;
    try {
      const verdict = await verifyTicket(query, {
        keys: this.auth.keys,
        nonces: context.nonces,
        now: () => context.clock.now(),
      });
      if (!verdict.ok)
        return refuse({ ok: false, status: 401, closeCode: CloseCode.unauthorized, reason: verdict.reason });
      const granted = authorityOf(verdict.ticket, context.clock.now(), context.maxConnectionAgeMs);
      // Revocations are checked last, in memory, on the turn the endpoint admits the connection: none slips in
      // between. One that ended the ticket's access is final, as for the connections it had.
      const checked = context.access.check(granted);
      if (checked.refused) {
        return refuse({ ok: false, status: 410, closeCode: CloseCode.revoked, reason: AuthFailure.revoked });
      }
      return { ok: true, authority: checked.authority };
    } catch (error) {
      context.logger.error(tag, 'Nonce store failed:', {
        error: error instanceof Error ? error.message : 'unknown',
      });
      return refuse(UNAVAILABLE);
    } finally {
      context.admitting -= 1;
    }
  }
}
