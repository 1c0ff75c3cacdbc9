/**
 * Operator commands that end or narrow access, and the bus that carries them to every gateway: with Redis a
 * Pub/Sub channel, so a revocation issued on one gateway closes the subject's connections on all of them.
 */

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
  /** Stops listening. */
  close(): Promise<void>;
}

/** One gateway alone: nobody else to tell. */
export const localBus: ControlBus = {
  publish: () => Promise.resolve(),
  listen: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

const TARGET_KEYS = ['subjectDigest', 'connectionId', 'scope'] as const;
const CODE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Reads a command from the bus, strictly: anything else (another version, a stray publish on the channel) is
 * `undefined` and ignored.
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
  if (!CODE.test(target[key]) || typeof c['reason'] !== 'string' || typeof c['from'] !== 'string') return undefined;
  const scopes = c['scopes'];
  if (scopes !== undefined && !(Array.isArray(scopes) && scopes.every((s) => typeof s === 'string'))) return undefined;
  return c as unknown as ControlCommand;
}
