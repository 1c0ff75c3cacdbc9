/**
 * The topics a gateway serves and the scopes each requires. A `Map`, so a topic named `__proto__` or
 * `constructor` is simply unknown.
 */
import { isScopeName, isTopicName } from '../../src/protocol/index.js';
import { Admission, type AdmissionOptions } from '../contracts/admission.js';
import type { PayloadSchema } from '../contracts/payload-contract.js';
import { isPiiPolicy, type PiiPolicy } from '../contracts/pii-guard.js';
import { Topic, type Subscriber } from './topic.js';

/** How a topic is registered. */
export interface TopicSpec {
  /** Scopes a connection must hold, all of them, to subscribe (empty: any authenticated connection). */
  scopes: readonly string[];
  /**
   * v1.3: the payload contract, checked at every entry point (`fanout()`, `publish()`, `POST /rt/publish`, the
   * Redis ingest stream, raw Redis `PUBLISH`): a Standard Schema v1 validator (zod, valibot, arktype…) or a JSON
   * Schema object (needs the optional `ajv` package; `ajv-formats` for `format`). A payload that does not match is
   * refused. The payload is published as sent, never the schema's output.
   * @example { scopes: ['ops.admin'], schema: z.object({ crash_free: z.number() }) }
   */
  schema?: PayloadSchema | undefined;
  /**
   * v1.3: what to do with personal data (e-mail, phone, IP, card, T.C. Kimlik No) found in the payload's strings
   * and keys: `off` (not scanned), `warn` (published, counted), `redact` (replaced by `[redacted:<kind>]`),
   * `refuse` (not published). Default: the gateway's `piiPolicy`, itself `warn` by default.
   */
  pii?: PiiPolicy | undefined;
}

/** The seed's topics and the scopes they require. */
export const SEED_TOPICS: Readonly<Record<string, TopicSpec>> = {
  'kpis.s2': { scopes: ['ops.admin'] },
  'liveops.events': { scopes: ['liveops.admin'] },
  'economy.patch': { scopes: ['economy.admin'] },
  'ab.status': { scopes: ['liveops.admin'] },
};

/**
 * `/rt/stats` reports `total` (and cluster-wide `gateways`) beside the topic counts, and a `__proto__` key
 * cannot be set on a plain object: no topic may take these names.
 */
const RESERVED = new Set(['total', 'gateways', '__proto__']);

/**
 * Topics by name.
 * @typeParam S the subscribers' type (the gateway's `Session`)
 */
export class TopicRegistry<S extends Subscriber = Subscriber> {
  private readonly topics = new Map<string, Topic<S>>();

  /**
   * @param historySize messages kept per topic for resume (default 100)
   * @param admission what every topic's admission shares: the default PII policy, where refusals and findings go
   */
  constructor(
    readonly historySize = 100,
    private readonly admission: AdmissionOptions = {},
  ) {}

  /**
   * Registers a topic, or updates the scopes, schema and PII policy of a registered one (its history and
   * subscribers stay).
   * @throws TypeError for a malformed topic or scope name, a reserved name (`total`, `gateways`, `__proto__`), an
   *   unknown PII policy or a schema that is neither a Standard Schema validator nor a valid JSON Schema; Error
   *   naming the install command when a JSON Schema is given and `ajv` is not installed
   */
  register(name: string, spec: TopicSpec): Topic<S> {
    if (!isTopicName(name) || RESERVED.has(name))
      throw new TypeError(`registerTopic: invalid topic name ${JSON.stringify(name)}`);
    if (!spec.scopes.every(isScopeName)) throw new TypeError(`registerTopic: invalid scope for ${name}`);
    if (spec.pii !== undefined && !isPiiPolicy(spec.pii))
      throw new TypeError(`registerTopic: the pii policy of ${name} must be off, warn, redact or refuse`);
    let admission: Admission;
    try {
      admission = new Admission(name, spec, this.admission);
    } catch (error) {
      const message = `registerTopic: ${name}: ${error instanceof Error ? error.message : String(error)}`;
      throw error instanceof TypeError
        ? new TypeError(message, { cause: error })
        : new Error(message, { cause: error });
    }
    const scopes = Object.freeze([...spec.scopes]);
    const existing = this.topics.get(name);
    if (existing) {
      existing.scopes = scopes;
      existing.admission = admission;
      return existing;
    }
    const topic = new Topic<S>(name, scopes, this.historySize, admission);
    this.topics.set(name, topic);
    return topic;
  }

  /** The topic named `name`, if registered. */
  get(name: string): Topic<S> | undefined {
    return this.topics.get(name);
  }

  /** Every registered topic. */
  all(): IterableIterator<Topic<S>> {
    return this.topics.values();
  }
}
