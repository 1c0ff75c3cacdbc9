/**
 * Ending access (v1.1): the operator's `disconnect` and `revoke`, applied to this gateway's connections at once
 * and to every other gateway's through the control bus, and held in the revocation log so that a ticket issued up
 * to the command is refused or narrowed when it is checked, at connect or on refresh.
 *
 * Every check runs in memory, right before the connection is admitted or its refresh applied, on the same turn of
 * the event loop: a command that arrives while a ticket is being verified is not missed.
 */
import { randomBytes } from 'node:crypto';
import { CloseCode, isScopeName } from '../../src/protocol/index.js';
import type { Clock } from '../clock.js';
import type { Hub, Revocation } from '../delivery/hub.js';
import type { Session } from '../delivery/session.js';
import type { Logger } from '../ops/log.js';
import type { Authority } from './authority.js';
import { REASON, type AccessTarget, type ControlBus, type ControlCommand } from './control.js';
import { RevocationLog, reaches, type Verdict } from './revocations.js';
import { subjectDigest } from './subject.js';

/** How often a gateway reads the bus's log for commands it may have missed (a lost Pub/Sub message). */
export const CATCH_UP_MS = 5000;
/** How far back each catch-up reads beyond the last one that succeeded: commands in flight meanwhile. */
const CATCH_UP_OVERLAP_MS = 10_000;

/** Applies and spreads operator commands, and checks grants against them. */
export class AccessControl {
  private readonly log: RevocationLog;
  /** Up to when the bus's log has been read. */
  private caughtUpTo: number;
  private timer: unknown;
  private catching = false;

  constructor(
    private readonly hub: Hub,
    private readonly bus: ControlBus,
    private readonly logger: Logger,
    private readonly clock: Clock,
    /** This gateway's id on the bus. */
    private readonly gatewayId: string,
    /** How far back a starting gateway reads the bus's log: as long as a connection may live. */
    reachMs: number,
  ) {
    this.log = new RevocationLog(() => clock.now());
    this.caughtUpTo = clock.now() - reachMs;
  }

  /** Listens for the other gateways' commands, reads what was issued before this gateway started, and keeps up. */
  async start(): Promise<void> {
    await this.bus.listen((command) => this.hear(command));
    await this.catchUp();
    this.timer ??= this.clock.setInterval(() => void this.catchUp(), CATCH_UP_MS);
  }

  /** Stops the periodic catch-up. */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Ends the target's connections on every gateway: closed with 4410 and `reason`, which clients take as final.
   * Tickets of the target issued up to now are refused when checked (until they expire).
   * @returns the connections ended on this gateway
   * @throws TypeError for a malformed target or reason; Error when the bus cannot carry it (Redis down): this
   *   gateway's connections are ended anyway, the others' may not be
   */
  async disconnect(target: AccessTarget, reason = 'revoked'): Promise<number> {
    return this.issue('disconnect', target, undefined, reason);
  }

  /**
   * Takes `scopes` from the target's connections on every gateway: topics they no longer cover end with
   * `sub.err` `forbidden`, the connections stay. Tickets of the target issued up to now lose these scopes when
   * checked (at connect, on refresh).
   * @returns the connections narrowed on this gateway
   * @throws as {@link disconnect}
   */
  async revoke(target: AccessTarget, scopes: readonly string[], reason = 'revoked'): Promise<number> {
    if (scopes.length === 0 || !scopes.every(isScopeName)) throw new TypeError('revoke: scopes must be scope names');
    return this.issue('revoke', target, [...scopes], reason);
  }

  /**
   * What the revocations do to a grant about to be made (a connection being admitted, a refresh being applied):
   * refused, or narrowed; and for a refresh, the scopes taken from that very connection stay taken.
   */
  check(authority: Authority): Verdict {
    return this.log.check(authority);
  }

  /** Reads the bus's log from where it was last read (less an overlap) and applies what was missed. */
  async catchUp(): Promise<void> {
    if (this.catching) return;
    this.catching = true;
    const until = this.clock.now();
    try {
      for (const command of await this.bus.catchUp(this.caughtUpTo - CATCH_UP_OVERLAP_MS)) this.hear(command);
      this.caughtUpTo = until;
    } catch {
      // Redis is away: the next round reads from the same point (no message is lost, only delayed).
    } finally {
      this.catching = false;
    }
  }

  private async issue(
    op: ControlCommand['op'],
    target: AccessTarget,
    scopes: string[] | undefined,
    reason: string,
  ): Promise<number> {
    if (!REASON.test(reason)) throw new TypeError('reason must be 1-64 characters of a-z 0-9 _ . -');
    const command: ControlCommand = {
      id: randomBytes(12).toString('base64url'),
      at: this.clock.now(),
      op,
      target: toWire(target),
      reason,
      from: this.gatewayId,
    };
    if (scopes) command.scopes = scopes;
    // Here first: whatever happens to Redis, this gateway's connections of the target lose their access now.
    this.log.add(command);
    const applied = this.apply(command);
    const revocation: Revocation = { op, kind: kindOf(command), reason, applied };
    if ('subjectDigest' in command.target) revocation.subjectDigest = command.target.subjectDigest;
    if (scopes) revocation.scopes = scopes;
    else if ('scope' in command.target) revocation.scopes = [command.target.scope];
    this.hub.emit('revocation', revocation);
    this.logger.info('Access', `${op}:`, { ...revocation });
    try {
      await this.bus.publish(command);
    } catch (error) {
      const message = error instanceof Error ? error.message : 'unknown';
      this.logger.error('Access', `${op} applied here only:`, { error: message });
      throw new Error(`${op} reached this gateway only: ${message}`);
    }
    return applied;
  }

  /** A command from the bus or its log: applied once, however often it is heard. */
  private hear(command: ControlCommand): void {
    if (this.log.add(command) && command.from !== this.gatewayId) this.apply(command);
  }

  /** Applies a command to this gateway's connections it reaches. @returns how many it ended or narrowed */
  private apply(command: ControlCommand): number {
    let applied = 0;
    for (const session of [...this.hub.sessions]) {
      if (session.isClosed || !matches(session, command)) continue;
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
      // Taken from this very connection: a refresh with an older ticket must not bring them back either.
      if ('connectionId' in command.target)
        session.revokedScopes = new Set([...(session.revokedScopes ?? []), ...revoked]);
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
  if (keys.length === 1) {
    if ('subject' in target && typeof target.subject === 'string' && target.subject !== '')
      return { subjectDigest: subjectDigest(target.subject) };
    if (
      'connectionId' in target &&
      typeof target.connectionId === 'string' &&
      /^[A-Za-z0-9_-]{1,64}$/.test(target.connectionId)
    )
      return { connectionId: target.connectionId };
    if ('scope' in target && isScopeName(target.scope)) return { scope: target.scope };
  }
  throw new TypeError('target must name exactly one of subject, connectionId, scope');
}

function kindOf(command: ControlCommand): Revocation['kind'] {
  const { target } = command;
  return 'subjectDigest' in target ? 'subject' : 'connectionId' in target ? 'connection' : 'scope';
}

/** Whether `command` reaches `session`: its target, and (but for a connection id) a grant issued up to it. */
function matches(session: Session, command: ControlCommand): boolean {
  const { target } = command;
  if ('connectionId' in target) return session.id === target.connectionId;
  const hit =
    'subjectDigest' in target ? session.subjectDigest === target.subjectDigest : session.scopes.includes(target.scope);
  return hit && reaches(command, session.issuedAt);
}
