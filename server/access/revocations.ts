/**
 * Revocation fences: after an operator revokes a subject (or some of its scopes), tickets of that subject issued
 * up to that moment are refused, at connect and on refresh, for as long as they could still pass the ticket
 * window. Live connections are ended by the control bus; the fence covers the tickets still in flight.
 */
import { TICKET_WINDOW_S, type ParsedTicket } from '../../src/protocol/index.js';

/** One revocation of a subject. */
export interface Fence {
  /** When it was revoked (ms): tickets with `ts` up to this second are refused. */
  at: number;
  /** The scopes revoked; absent: the whole subject (every ticket of it). */
  scopes?: string[];
}

/** How long a fence must live: a ticket issued before it passes the window check for at most this long. */
export const FENCE_TTL_MS = (TICKET_WINDOW_S + 2) * 1000;

/** Where fences are kept: in memory (one gateway), or in Redis (every gateway of a cluster). */
export interface RevocationStore {
  /**
   * Records `fence` for the subject whose digest is `digest`, for {@link FENCE_TTL_MS}.
   * @throws when the store cannot be reached: the operator's call fails rather than pretend
   */
  add(digest: string, fence: Fence): Promise<void>;
  /**
   * The live fences of a subject.
   * @throws when the store cannot be reached: the caller refuses the ticket as unavailable
   */
  fencesOf(digest: string): Promise<Fence[]>;
}

/**
 * Whether `fences` refuse `ticket`: it was issued in or before the second of a revocation, and that revocation
 * took the whole subject or a scope the ticket carries.
 */
export function fencesRefuse(fences: readonly Fence[], ticket: ParsedTicket): boolean {
  return fences.some(
    (fence) =>
      ticket.ts <= Math.floor(fence.at / 1000) &&
      (fence.scopes === undefined || fence.scopes.some((scope) => ticket.scopeList.includes(scope))),
  );
}

/** Most subjects with live fences held in memory; beyond it the oldest are forgotten first. */
const MAX_SUBJECTS = 100_000;
/** Most fences kept per subject: repeated revocations of one subject keep the latest. */
const MAX_FENCES = 16;

/** Fences in this process, each dropped once its ticket window has passed. */
export class MemoryRevocationStore implements RevocationStore {
  private readonly fences = new Map<string, Fence[]>();

  constructor(private readonly now: () => number) {}

  add(digest: string, fence: Fence): Promise<void> {
    const live = this.live(digest);
    this.fences.delete(digest); // re-inserted last: the map stays in order of the latest revocation
    this.fences.set(digest, [...live, fence].slice(-MAX_FENCES));
    if (this.fences.size > MAX_SUBJECTS) this.prune();
    return Promise.resolve();
  }

  fencesOf(digest: string): Promise<Fence[]> {
    return Promise.resolve(this.live(digest));
  }

  private live(digest: string): Fence[] {
    const cutoff = this.now() - FENCE_TTL_MS;
    return (this.fences.get(digest) ?? []).filter((fence) => fence.at > cutoff);
  }

  /** Drops expired subjects, then the oldest until the bound holds. */
  private prune(): void {
    for (const digest of this.fences.keys()) if (this.live(digest).length === 0) this.fences.delete(digest);
    for (const digest of this.fences.keys()) {
      if (this.fences.size <= MAX_SUBJECTS) break;
      this.fences.delete(digest);
    }
  }
}
