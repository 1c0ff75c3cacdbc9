/**
 * The `refresh` frame (v1.1, WebSocket): a fresh ticket for an open connection. It is checked as fully as at
 * connect (window, key, signature over scopes and claims, `exp`, single-use nonce, revocations, the connection's
 * origin still allowed) and must name the connection's subject; then its scopes and end replace the connection's,
 * and the topics it no longer covers end. A refused refresh changes nothing.
 */
import {
  AuthFailure,
  REFRESH_INTERVAL_S,
  RefreshError,
  parseTicketObject,
  type RefreshFrame,
} from '../../src/protocol/index.js';
import type { Session } from '../delivery/session.js';
import type { GatewayContext } from '../context.js';
import type { Gatekeeper } from '../admission/gatekeeper.js';
import { verifyParsedTicket } from '../admission/tickets.js';
import { authorityOf } from './authority.js';

/** Refreshes one connection may make at once before the interval applies. */
const BURST = 3;

/** A token bucket per connection: {@link BURST} refreshes, then one per {@link REFRESH_INTERVAL_S}. */
interface Allowance {
  tokens: number;
  at: number;
  busy: boolean;
}

/** Handles `refresh` frames of one endpoint's connections. */
export class Refresher {
  private readonly allowances = new WeakMap<Session, Allowance>();

  constructor(
    private readonly context: GatewayContext,
    private readonly gatekeeper: Gatekeeper,
  ) {}

  /**
   * Checks and applies a refresh, answering `refresh.ok` or `refresh.err`.
   * @param origin the `Origin` the connection was opened from
   */
  async handle(session: Session, frame: RefreshFrame, origin: string | undefined): Promise<void> {
    const allowance = this.take(session);
    if (!allowance) return this.refuse(session, RefreshError.rateLimited);
    allowance.busy = true;
    try {
      const code = await this.check(session, frame, origin);
      if (code !== undefined) this.refuse(session, code);
    } finally {
      allowance.busy = false;
    }
  }

  /** @returns the refusal code, or `undefined` once the refresh is applied */
  private async check(
    session: Session,
    frame: RefreshFrame,
    origin: string | undefined,
  ): Promise<RefreshError | undefined> {
    const { context } = this;
    const parsed = parseTicketObject(frame.ticket);
    if (!parsed.ok) return parsed.reason;
    const { ticket } = parsed;
    if (!this.gatekeeper.origins.allows(origin)) return RefreshError.forbiddenOrigin;
    // Before the nonce is spent: a ticket of another user is no refresh of this connection.
    if (ticket.sub !== session.subject) return RefreshError.subjectMismatch;
    try {
      const verdict = await verifyParsedTicket(ticket, {
        keys: this.gatekeeper.auth.keys,
        nonces: context.nonces,
        now: () => context.clock.now(),
      });
      if (!verdict.ok) return verdict.reason;
    } catch (error) {
      context.logger.error(session.tag, 'Refresh check failed:', {
        error: error instanceof Error ? error.message : 'unknown',
      });
      return RefreshError.unavailable;
    }
    if (session.isClosed) return undefined;
    const now = context.clock.now();
    // In memory and on this turn, right before it applies: a revocation heard during the check is not missed.
    const checked = context.access.check(authorityOf(ticket, now, context.maxConnectionAgeMs));
    if (checked.refused) return AuthFailure.revoked;
    session.grant(checked.authority);
    context.hub.narrow(session);
    const expiresIn = session.expiresIn(now);
    session.sendFrame({
      type: 'refresh.ok',
      scopes: [...session.scopes],
      ...(expiresIn === undefined ? {} : { expiresIn }),
    });
    context.hub.emit('authority', session, { event: 'refreshed' });
    context.logger.info(session.tag, 'Refreshed:', { id: session.id, scopes: session.scopes });
    return undefined;
  }

  private refuse(session: Session, code: RefreshError): void {
    if (session.isClosed) return;
    session.sendFrame({ type: 'refresh.err', code });
    const { hub, logger } = this.context;
    if (code === RefreshError.rateLimited) {
      // A flood must not write the logs at the client's pace: counted and digested as any rate limit.
      hub.emit('rateLimited', 'refreshes', session.transport);
      return logger.debug(session.tag, 'Refresh refused:', { id: session.id, code });
    }
    hub.emit('authority', session, { event: 'refresh_refused', reason: code });
    logger.info(session.tag, 'Refresh refused:', { id: session.id, code });
  }

  /** Takes one refresh from the connection's allowance; `undefined` when none is left or one is in flight. */
  private take(session: Session): Allowance | undefined {
    const now = this.context.clock.now();
    let allowance = this.allowances.get(session);
    if (!allowance) this.allowances.set(session, (allowance = { tokens: BURST, at: now, busy: false }));
    allowance.tokens = Math.min(BURST, allowance.tokens + (now - allowance.at) / (REFRESH_INTERVAL_S * 1000));
    allowance.at = now;
    if (allowance.busy || allowance.tokens < 1) return undefined;
    allowance.tokens -= 1;
    return allowance;
  }
}
