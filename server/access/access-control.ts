/**
 * Ending access (v1.1): the operator's `disconnect` and `revoke`, applied to this gateway's connections at once
 * and to every other gateway's through the control bus, with a fence so the subject's tickets issued before the
 * revocation are refused until they expire. Also the check of those fences at connect and on refresh.
 */
import { CloseCode, isScopeName, type ParsedTicket } from '../../src/protocol/index.js';
import type { Hub, Revocation } from '../delivery/hub.js';
import type { Logger } from '../ops/log.js';
import type { AccessTarget, ControlBus, ControlCommand } from './control.js';
import { fencesRefuse, type RevocationStore } from './revocations.js';
import { subjectDigest } from './subject.js';
import type { Session } from '../delivery/session.js';

/** An operator's reason: a short code, sent to clients as the close reason (default `revoked`). */
export const REASON = /^[a-z0-9_.-]{1,64}$/;

/** Applies and spreads operator commands, and checks tickets against revocations. */
export class AccessControl {
  constructor(
    private readonly hub: Hub,
    private readonly fences: RevocationStore,
    private readonly bus: ControlBus,
    private readonly logger: Logger,
    private readonly now: () => number,
    /** This gateway's id on the bus. */
    private readonly gatewayId: string,
  ) {}

  /** Listens for the other gateways' commands. */
  start(): Promise<void> {
    return this.bus.listen((command) => {
      if (command.from !== this.gatewayId) this.apply(command);
    });
  }

  /**
   * Ends the target's connections on every gateway: closed with 4410 and `reason`, which clients take as final.
   * A subject's tickets issued up to now are refused from now until they expire.
   * @returns the connections ended on this gateway
   * @throws TypeError for a malformed target or reason; Error when the fence or the bus cannot be written (Redis
   *   down): this gateway's connections are ended anyway, the others' may not be
   */
  async disconnect(target: AccessTarget, reason = 'revoked'): Promise<number> {
    return this.issue('disconnect', target, undefined, reason);
  }

  /**
   * Takes `scopes` from the target's connections on every gateway: topics they no longer cover end with
   * `sub.err` `forbidden`, the connections stay. A subject's tickets issued up to now that carry one of these
   * scopes are refused until they expire.
   * @returns the connections narrowed on this gateway
   * @throws as {@link disconnect}
   */
  async revoke(target: AccessTarget, scopes: readonly string[], reason = 'revoked'): Promise<number> {
    if (scopes.length === 0 || !scopes.every(isScopeName)) throw new TypeError('revoke: scopes must be scope names');
    return this.issue('revoke', target, [...scopes], reason);
  }

  /** Whether a revocation refuses `ticket` (only tickets with a subject can be revoked). */
  async refuses(ticket: ParsedTicket): Promise<boolean> {
    if (ticket.sub === undefined) return false;
    return fencesRefuse(await this.fences.fencesOf(subjectDigest(ticket.sub)), ticket);
  }

  private async issue(
    op: ControlCommand['op'],
    target: AccessTarget,
    scopes: string[] | undefined,
    reason: string,
  ): Promise<number> {
    if (!REASON.test(reason)) throw new TypeError('reason must be 1-64 characters of a-z 0-9 _ . -');
    const command: ControlCommand = { op, target: toWire(target), reason, from: this.gatewayId };
    if (scopes) command.scopes = scopes;
    // Here first: whatever happens to Redis, this gateway's connections of the target lose their access now.
    const applied = this.apply(command);
    const revocation: Revocation = { op, kind: kindOf(command), reason, applied };
    if ('subjectDigest' in command.target) revocation.subjectDigest = command.target.subjectDigest;
    if (scopes) revocation.scopes = scopes;
    else if ('scope' in command.target) revocation.scopes = [command.target.scope];
    this.hub.emit('revocation', revocation);
    this.logger.info('Access', `${op}:`, { ...revocation });
    // The fence before the message: a gateway that hears of the revocation already refuses the old tickets.
    let failure: unknown;
    if ('subjectDigest' in command.target) {
      const fence = scopes ? { at: this.now(), scopes } : { at: this.now() };
      await this.fences.add(command.target.subjectDigest, fence).catch((error: unknown) => (failure = error));
    }
    await this.bus.publish(command).catch((error: unknown) => (failure ??= error));
    if (failure !== undefined) {
      const message = failure instanceof Error ? failure.message : 'unknown';
      this.logger.error('Access', `${op} applied here only:`, { error: message });
      throw new Error(`${op} reached this gateway only: ${message}`);
    }
    return applied;
  }

  /** Applies a command to this gateway's connections. @returns how many it ended or narrowed */
  apply(command: ControlCommand): number {
    let applied = 0;
    for (const session of [...this.hub.sessions]) {
      if (session.isClosed || !matches(session, command.target)) continue;
      if (command.op === 'disconnect') {
        session.close(CloseCode.revoked, command.reason);
        this.hub.emit('authority', session, { event: 'disconnected', reason: command.reason });
        applied += 1;
        continue;
      }
      const revoked = new Set(command.scopes);
      const kept = session.scopes.filter((scope) => !revoked.has(scope));
      if (kept.length === session.scopes.length) continue;
      session.scopes = kept;
      this.hub.narrow(session);
      this.hub.emit('authority', session, { event: 'narrowed', reason: command.reason });
      applied += 1;
    }
    return applied;
  }
}

/** The target as it travels: a subject only as its digest. @throws TypeError when it is not exactly one target */
function toWire(target: AccessTarget): ControlCommand['target'] {
  const keys = Object.keys(target);
  if (keys.length !== 1) throw new TypeError('target must name exactly one of subject, connectionId, scope');
  if ('subject' in target && typeof target.subject === 'string' && target.subject !== '')
    return { subjectDigest: subjectDigest(target.subject) };
  if (
    'connectionId' in target &&
    typeof target.connectionId === 'string' &&
    /^[A-Za-z0-9_-]{1,64}$/.test(target.connectionId)
  )
    return { connectionId: target.connectionId };
  if ('scope' in target && isScopeName(target.scope)) return { scope: target.scope };
  throw new TypeError('target must name exactly one of subject, connectionId, scope');
}

function kindOf(command: ControlCommand): Revocation['kind'] {
  const { target } = command;
  return 'subjectDigest' in target ? 'subject' : 'connectionId' in target ? 'connection' : 'scope';
}

function matches(session: Session, target: ControlCommand['target']): boolean {
  if ('subjectDigest' in target) return session.subjectDigest === target.subjectDigest;
  if ('connectionId' in target) return session.id === target.connectionId;
  return session.scopes.includes(target.scope);
}
