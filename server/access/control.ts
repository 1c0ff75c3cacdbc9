/**
 * Operator commands that end or narrow access, and the bus that carries them to every gateway: with Redis a
 * Pub/Sub channel (at once) and a log beside it (read at start and every 5 s), so a revocation
 * issued on one gateway reaches the subject's connections on all of them, even on a gateway that was cut off.
 */
import { isScopeName } from '../../src/protocol/index.js';

/** An operator's reason: a short code, sent to clients as the close reason (default `revoked`). */
export const REASON = /^[a-z0-9_.-]{1,64}$/;

/** Which connections a command applies to: exactly one of the three. */
export type AccessTarget =
  | {
      /** Every connection of this subject (the ticket's `sub`, given in clear to the API, carried as its digest). */
      subject: string;
    }
  | {
      /** One connection, by the id its `hello` carried. */
      connectionId: string;
    }
  | {
      /** Every connection holding this scope. */
      scope: string;
    };

/** A command as it travels between gateways: subjects only as digests. */
export interface ControlCommand {
  /** Unique per command: a command heard twice (the bus and the catch-up) applies once. */
  id: string;
  /** When it was issued (ms since the Unix epoch): it reaches tickets issued in or before this second. */
  at: number;
  /** `disconnect`: close the matching connections (4410); `revoke`: take `scopes` from them. */
  op: 'disconnect' | 'revoke';
  /** The target, its subject replaced by its digest. */
  target: { subjectDigest: string } | { connectionId: string } | { scope: string };
  /** The scopes a `revoke` takes away. */
  scopes?: string[];
  /** The reason the operator gave (a short code, sent to the clients as the close reason). */
  reason: string;
  /** The gateway that issued it (it applied it already). */
  from: string;
}

/** Carries commands to the other gateways. */
export interface ControlBus {
  /**
   * Sends `command` to every other gateway.
   * @throws when it cannot be sent (Redis down): the operator's call fails rather than pretend
   */
  publish(command: ControlCommand): Promise<void>;
  /** Calls `handler` for every command another gateway published. */
  listen(handler: (command: ControlCommand) => void): Promise<void>;
  /**
   * The commands published after `sinceMs`, from the bus's log: what a gateway that was cut off missed.
   * @throws when the log cannot be read (Redis down): the caller tries again later
   */
  catchUp(sinceMs: number): Promise<ControlCommand[]>;
  /** Stops listening. */
  close(): Promise<void>;
}

/** One gateway alone: nobody else to tell. */
export const localBus: ControlBus = {
  publish: () => Promise.resolve(),
  listen: () => Promise.resolve(),
  catchUp: () => Promise.resolve([]),
  close: () => Promise.resolve(),
};

const TARGET_KEYS = ['subjectDigest', 'connectionId', 'scope'] as const;
const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Reads a command from the bus, strictly: anything else (another version, a stray publish on the channel, a
 * reason no close frame could carry) is `undefined` and ignored.
 */
export function parseCommand(text: string): ControlCommand | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const c = value as Partial<Record<string, unknown>> | null;
  if (typeof c !== 'object' || c === null || (c['op'] !== 'disconnect' && c['op'] !== 'revoke')) return undefined;
  const target = c['target'] as Record<string, unknown> | undefined;
  const keys = typeof target === 'object' && target !== null ? Object.keys(target) : [];
  const key = keys[0] as (typeof TARGET_KEYS)[number];
  if (keys.length !== 1 || !TARGET_KEYS.includes(key) || typeof target?.[key] !== 'string') return undefined;
  if (!ID.test(target[key]) || typeof c['id'] !== 'string' || !ID.test(c['id'])) return undefined;
  if (typeof c['from'] !== 'string' || !Number.isSafeInteger(c['at'])) return undefined;
  if (typeof c['reason'] !== 'string' || !REASON.test(c['reason'])) return undefined;
  const scopes = c['scopes'];
  if (scopes !== undefined && !(Array.isArray(scopes) && scopes.length > 0 && scopes.every(isScopeName)))
    return undefined;
  if (c['op'] === 'revoke' && scopes === undefined) return undefined;
  return c as unknown as ControlCommand;
}
