/**
 * The revocation log: the operator commands of the last minutes, held by every gateway. A command applies to the
 * authority granted by tickets issued in or before the second it was issued (the ticket's `ts`): to live
 * connections when it arrives, to a connection being admitted or refreshed when its ticket is checked. Tickets
 * issued later are the application's decision again. Checked in memory, with no round trip: a command reaches
 * every gateway over the control bus, and the periodic catch-up from the bus's log fills what a gateway missed.
 */
import { TICKET_WINDOW_S } from '../../src/protocol/index.js';
import type { Authority } from './authority.js';
import type { ControlCommand } from './control.js';

/**
 * How long a command is held for admission checks: a ticket issued before it passes the window check for at most
 * this long (the window, plus a second for the rounding of `ts`, plus one of slack).
 */
export const HOLD_MS = (TICKET_WINDOW_S + 2) * 1000;

/** Most commands held; beyond it the oldest are dropped first (a flood of commands cannot grow memory). */
const MAX_HELD = 10_000;

/** What a command does to an authority being granted: nothing, refuse it, or take some scopes from it. */
export type Verdict = { refused: true } | { refused: false; authority: Authority };

/** Whether `command` targets a grant of `authority` (a connection id target never matches a new grant). */
export function targets(command: ControlCommand, authority: Pick<Authority, 'subjectDigest' | 'scopes'>): boolean {
  const { target } = command;
  if ('subjectDigest' in target) return authority.subjectDigest === target.subjectDigest;
  if ('scope' in target) return authority.scopes.includes(target.scope);
  return false;
}

/** Whether `command` was issued in or after the second of a ticket issued at `issuedAtS`: it reaches that grant. */
export function reaches(command: ControlCommand, issuedAtS: number): boolean {
  return issuedAtS <= Math.floor(command.at / 1000);
}

/** The recent commands, by id (a command heard twice, from the bus and from the catch-up, counts once). */
export class RevocationLog {
  private readonly held = new Map<string, ControlCommand>();

  constructor(private readonly now: () => number) {}

  /** Holds `command`. @returns whether it was new */
  add(command: ControlCommand): boolean {
    if (this.held.has(command.id)) return false;
    this.held.set(command.id, command);
    if (this.held.size > MAX_HELD) this.prune();
    return true;
  }

  /**
   * What the held commands do to `authority` (from a ticket issued at `authority.issuedAt`): a `disconnect` that
   * reaches it refuses it; a `revoke` takes its scopes away.
   */
  check(authority: Authority): Verdict {
    this.prune();
    let scopes = authority.scopes;
    for (const command of this.held.values()) {
      if (!targets(command, { ...authority, scopes }) || !reaches(command, authority.issuedAt)) continue;
      if (command.op === 'disconnect') return { refused: true };
      const revoked = new Set(command.scopes);
      scopes = scopes.filter((scope) => !revoked.has(scope));
    }
    return { refused: false, authority: scopes === authority.scopes ? authority : { ...authority, scopes } };
  }

  /** Drops what no ticket can reach any more, then the oldest past the bound. */
  private prune(): void {
    const cutoff = this.now() - HOLD_MS;
    for (const [id, command] of this.held) if (command.at <= cutoff || this.held.size > MAX_HELD) this.held.delete(id);
  }
}
