/**
 * A topic's admission of payloads: its contract (a schema), then its PII policy, in one call per entry point
 * (`fanout()`/`publish()`, `POST /rt/publish`, the Redis ingest stream, raw Redis `PUBLISH`). What it reports
 * (refusals, findings) names the topic, the entry point, reasons, kinds and content-free paths: never the payload.
 *
 * The payload that goes out is the one sent (or its redacted copy): a schema's output is not used, so a transform
 * in a schema can never silently rewrite messages.
 */
import type { Logger } from '../ops/log.js';
import { compileContract, type ContractCheck, type ContractIssue, type PayloadSchema } from './payload-contract.js';
import type { PiiKind } from './pii-detectors.js';
import { locatePii, MAX_SCAN_DEPTH, scanPayload, type PiiPolicy } from './pii-guard.js';

/** Where a payload came in: `fanout` (`fanout()`/`publish()`, in process), `http`, `stream` or `redis` (raw `PUBLISH`). */
export type PayloadSource = 'fanout' | 'http' | 'stream' | 'redis';

/** Why a payload was refused: its topic's `schema`, or its PII policy (`pii`). */
export type RefusalReason = 'schema' | 'pii';

/** A payload refused, as metrics and the audit log see it. */
export interface PayloadRefusal {
  /** The (registered) topic. */
  topic: string;
  source: PayloadSource;
  reason: RefusalReason;
  /** Where it failed: content-free JSON Pointers (schema issues, or where personal data was found). */
  paths: string[];
  /** The kinds of personal data found (`pii` only). */
  kinds: PiiKind[];
  /** The publisher key's id, for the publish API (`stream` for the ingest stream). */
  key?: string;
}

/** Personal data found in one payload: one event per kind, with how many findings. */
export interface PiiFinding {
  topic: string;
  source: PayloadSource;
  kind: PiiKind;
  count: number;
  /** What the policy did: published as is (`warned`), `redacted`, or `refused`. */
  action: 'warned' | 'redacted' | 'refused';
}

/** Where an admission reports; the gateway turns these into hub events (metrics, audit log). */
export interface AdmissionReport {
  refused(refusal: PayloadRefusal): void;
  found(finding: PiiFinding): void;
}

/** Reports of admitted payloads, held until they are published (run each once, in order). */
export type Held = (() => void)[];

/** Settings every topic's admission shares. */
export interface AdmissionOptions {
  /** The PII policy of topics whose spec sets none (default `warn`). */
  pii?: PiiPolicy;
  /** Where refusals and findings go (default: nowhere). */
  report?: AdmissionReport;
  /** Where the once-per-topic-and-kind `warn` line goes (default: nowhere). */
  logger?: Logger;
}

/**
 * A payload its topic refused. Its message, `issues` and `kinds` carry no content: safe to log.
 * @example try { gw.fanout('kpis.s2', data) } catch (e) { if (e instanceof PayloadRefused) console.warn(e.message, e.issues) }
 */
export class PayloadRefused extends TypeError {
  override name = 'PayloadRefused';

  constructor(
    /** The topic. */
    readonly topic: string,
    /** `schema` or `pii`. */
    readonly reason: RefusalReason,
    /** Where and why (paths are content-free JSON Pointers; for `pii`, the message is the kinds found there). */
    readonly issues: readonly ContractIssue[],
    /** The kinds of personal data found (`pii` only). */
    readonly kinds: readonly PiiKind[] = [],
  ) {
    super(
      reason === 'schema'
        ? `${topic}: the payload does not match the topic's schema (${describe(issues)})`
        : kinds.length > 0
          ? `${topic}: the payload carries personal data (${kinds.join(', ')}), which the topic refuses`
          : `${topic}: the payload is nested too deep to be scanned for personal data, which the topic refuses`,
    );
  }
}

function describe(issues: readonly ContractIssue[]): string {
  const shown = issues.slice(0, 3).map(({ path, message }) => `${path || '(root)'}: ${message}`);
  return shown.join('; ') + (issues.length > 3 ? `; and ${issues.length - 3} more` : '');
}

/** How often the `warn` line may repeat for one topic and kind. */
const WARN_EVERY_MS = 10 * 60 * 1000;

/** The admission of one topic's payloads. */
export class Admission {
  /** Nothing to check (no schema, PII policy `off`): callers pass payloads through without calling it. */
  readonly inert: boolean;
  /** The topic's PII policy. */
  readonly pii: PiiPolicy;
  private readonly contract: ContractCheck | undefined;
  private readonly warnedAt = new Map<PiiKind, number>();

  /**
   * @throws TypeError for a schema that is neither a Standard Schema validator nor a valid JSON Schema; Error
   *   naming the install command when a JSON Schema is given and ajv is missing
   */
  constructor(
    readonly topic: string,
    spec: { schema?: PayloadSchema | undefined; pii?: PiiPolicy | undefined },
    private readonly options: AdmissionOptions = {},
  ) {
    this.pii = spec.pii ?? options.pii ?? 'warn';
    this.contract = spec.schema === undefined ? undefined : compileContract(spec.schema);
    this.inert = this.contract === undefined && this.pii === 'off';
  }

  /**
   * Admits `payload` synchronously: the payload to publish (the same value, or its redacted copy).
   * @throws PayloadRefused when the schema or the PII policy refuses it; TypeError when the schema validates
   *   asynchronously (use {@link check})
   */
  checkSync(payload: unknown, source: PayloadSource, key?: string): unknown {
    const issues = this.validate(payload);
    if (issues instanceof Promise) {
      issues.catch(() => {}); // its verdict is not waited for
      throw new TypeError(
        `fanout: the schema of ${this.topic} validates asynchronously: use publish(), which waits for it`,
      );
    }
    return this.afterSchema(issues, payload, source, key, undefined);
  }

  /**
   * Admits `payload`, waiting for an asynchronous schema. With a synchronous one the promise is settled at once, so
   * payloads checked one after the other come out in the same order.
   * @returns the payload to publish; rejects with {@link PayloadRefused}
   */
  check(payload: unknown, source: PayloadSource, key?: string, held?: Held): Promise<unknown> {
    try {
      const verdict = this.admit(payload, source, key, held);
      return verdict instanceof Promise ? verdict : Promise.resolve(verdict.payload);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /**
   * Admits `payload` in this turn when the schema validates synchronously (`{ payload }`, the payload to publish),
   * or later when it does not (a promise of it): a caller that publishes at once keeps the order of its calls.
   * @param held where the reports of an admitted payload wait (findings `warned` or `redacted`, the `warn` line)
   *   until the caller publishes it, for a batch that may yet be refused; a refusal is reported at once
   * @throws PayloadRefused (synchronously, or as the promise's rejection)
   */
  admit(payload: unknown, source: PayloadSource, key?: string, held?: Held): { payload: unknown } | Promise<unknown> {
    const issues = this.validate(payload);
    if (issues instanceof Promise) return issues.then((found) => this.afterSchema(found, payload, source, key, held));
    return { payload: this.afterSchema(issues, payload, source, key, held) };
  }

  /**
   * `payload` with every finding redacted, whatever the policy (but `off`): what a dead-letter copy of a refused
   * payload may keep. No counting, no report.
   */
  redacted(payload: unknown): unknown {
    return this.pii === 'off' ? payload : scanPayload(payload, true).value;
  }

  private validate(payload: unknown): readonly ContractIssue[] | Promise<readonly ContractIssue[]> {
    return this.contract ? this.contract(payload) : [];
  }

  private afterSchema(
    issues: readonly ContractIssue[],
    payload: unknown,
    source: PayloadSource,
    key: string | undefined,
    held: Held | undefined,
  ): unknown {
    if (issues.length > 0) this.refuse(source, key, new PayloadRefused(this.topic, 'schema', issues));
    return this.guard(payload, source, key, held);
  }

  private guard(payload: unknown, source: PayloadSource, key: string | undefined, held: Held | undefined): unknown {
    if (this.pii === 'off') return payload;
    const scan = scanPayload(payload, this.pii === 'redact');
    if (scan.counts === undefined && !scan.truncated) return payload;
    const action = this.pii === 'warn' ? 'warned' : this.pii === 'redact' && !scan.truncated ? 'redacted' : 'refused';
    const kinds = scan.counts ? [...scan.counts.keys()] : [];
    const report = () => {
      for (const [kind, count] of scan.counts ?? [])
        this.options.report?.found({ topic: this.topic, source, kind, count, action });
      if (action === 'warned') this.warnOnce(kinds);
    };
    if (action !== 'refused') {
      if (held) held.push(report);
      else report();
      return action === 'warned' ? payload : scan.value;
    }
    report();
    const issues: ContractIssue[] = locatePii(payload).map(({ path, kinds: found }) => ({
      path,
      message: `personal data: ${found.join(', ')}`,
    }));
    if (scan.truncated)
      issues.push({ path: '', message: `nested deeper than ${MAX_SCAN_DEPTH} levels: cannot be scanned` });
    return this.refuse(source, key, new PayloadRefused(this.topic, 'pii', issues, kinds));
  }

  private refuse(source: PayloadSource, key: string | undefined, refused: PayloadRefused): never {
    const refusal: PayloadRefusal = {
      topic: this.topic,
      source,
      reason: refused.reason,
      paths: [...new Set(refused.issues.map((i) => i.path))],
      kinds: [...refused.kinds],
    };
    if (key !== undefined) refusal.key = key;
    this.options.report?.refused(refusal);
    throw refused;
  }

  /** One `warn` line per topic and kind per ten minutes: kinds only, never what was found. */
  private warnOnce(kinds: readonly PiiKind[]): void {
    const { logger } = this.options;
    if (!logger) return;
    const now = performance.now();
    const fresh = kinds.filter((kind) => now - (this.warnedAt.get(kind) ?? -Infinity) >= WARN_EVERY_MS);
    if (fresh.length === 0) return;
    for (const kind of fresh) this.warnedAt.set(kind, now);
    logger.warn('Contracts', `${this.topic}: personal data published as is (PII policy warn)`, {
      kinds: fresh.join(','),
    });
  }
}
