/**
 * `@lydian/realtime-gateway`: the reference gateway. This file only re-exports; everything not named here is
 * internal and may change without notice (`test/server/public-api.test.ts` pins the list).
 * @packageDocumentation
 */

/** The whole gateway in one call: HTTP server, WebSocket and SSE endpoints, `/health`, `/rt/stats`, drain on close. */
export { createGateway } from './gateway.js';
/** A running gateway, the options of {@link createGateway}, and the shared settings it extends. */
export type { Gateway, GatewayOptions } from './gateway.js';
/** Settings shared by every endpoint of a gateway (history, heartbeat, backpressure, Redis, limits, clock…). */
export type { ContextOptions } from './context.js';

/** The module-level API, for mounting the gateway on your own HTTP server: one default gateway per process. */
export {
  configureRealtime,
  createPublishHandler,
  createSSEHandler,
  disconnect,
  fanout,
  getStats,
  registerTopic,
  revoke,
  startWebSocketServer,
} from './module-api.js';

/** Tickets: sign and issue them in your backend, verify them (with a nonce store) in a gateway of your own. */
export { createNonce, issueTicket, rbacHas, sign, verifyHMAC, verifyTicket } from './admission/tickets.js';
/** A signature, what a ticket check needs, and its verdict. */
export type { IssueOptions, Signature, TicketCheck, TicketVerdict } from './admission/tickets.js';
/** Who an operator's `disconnect` or `revoke` applies to (v1.1). */
export type { AccessTarget } from './access/control.js';
/** The digest logs, the audit log and revocations name a subject by. */
export { subjectDigest } from './access/subject.js';
/** How endpoints authenticate connections: one secret, or a key ring; allowed origins. */
export type { AuthOptions } from './admission/gatekeeper.js';
/** Signing keys with ids, for rotation; read from a file and reloaded when it changes. */
export { KeyRing, readKeyFile, watchKeyFile } from './admission/keyring.js';
/** One signing key of a {@link KeyRing}. */
export type { SigningKey } from './admission/keyring.js';
/** Where used nonces are remembered (replay protection): the in-memory store, or your own. */
export { MemoryNonceStore } from './admission/nonce-store.js';
/** The nonce store contract and the in-memory store's options. */
export type { MemoryNonceStoreOptions, NonceStore } from './admission/nonce-store.js';

/**
 * Publishing from a backend (v1.2, PROTOCOL.md §10): publisher keys for `POST /rt/publish`, read from a file and
 * reloaded when it changes, and the request signature for clients of your own.
 */
export { PublisherKeys, readPublisherKeyFile, watchPublisherKeyFile } from './publish/publisher-keys.js';
/** One publisher key. */
export type { PublisherKey } from './publish/publisher-keys.js';
/** A typed client of the publish API for Node backends: signed requests, retries that stay idempotent. */
export { createPublisher, PublishError } from './publish/client.js';
/** Its options, what it returns, a message, and a failure's details. */
export type { Publisher, PublisherOptions, PublishFailure, PublishMessage, PublishReceipt } from './publish/client.js';
/** Signs a publish request (the four `RT-*` headers). */
export { signPublishRequest } from './publish/signature.js';
/** What {@link signPublishRequest} takes. */
export type { SignRequest } from './publish/signature.js';

/** Topics: the four preloaded ones and how a topic is registered. */
export { SEED_TOPICS } from './delivery/topic-registry.js';
/** How a topic is registered: the scopes a connection must hold, its payload contract and PII policy (v1.3). */
export type { TopicSpec } from './delivery/topic-registry.js';
/** v1.3: what `fanout()` throws (and `publish()` rejects with) when a topic's schema or PII policy refuses a payload. */
export { PayloadRefused } from './contracts/admission.js';
/** v1.3: where a payload came in, and why it was refused. */
export type { PayloadSource, RefusalReason } from './contracts/admission.js';
/** v1.3: a topic's schema (Standard Schema v1 or JSON Schema) and one content-free issue of a refused payload. */
export type { ContractIssue, JsonSchema, PayloadSchema } from './contracts/payload-contract.js';
/** v1.3: the PII guard's policies and the kinds of personal data it detects. */
export type { PiiPolicy } from './contracts/pii-guard.js';
export type { PiiKind } from './contracts/pii-detectors.js';

/** Tuning that callers pass: per-connection backpressure, the fanout time budget, the clock. */
export type { BackpressureOptions } from './delivery/backpressure.js';
/** The fanout time budget per turn of the event loop. */
export type { FanoutOptions } from './delivery/fanout-queue.js';
/** Rate limits and caps, with their defaults. */
export { RATE_LIMIT_DEFAULTS } from './limits/rate-limits.js';
/** Rate limit options and a token bucket's shape. */
export type { BucketSpec, RateLimitOptions } from './limits/rate-limits.js';
/** The clock and interval timer a gateway runs on (tests inject a fake). */
export type { Clock } from './clock.js';

/**
 * Engines: where sequence numbers, history and cross-gateway delivery live. A gateway picks one itself (in memory,
 * or Redis with the `redis` option); these types describe what a publish returns and the engine's `/health` state.
 */
export type { EngineHealth, PublishResult } from './engines/engine.js';
/** Options of the Redis engine and of its connections. */
export type { RedisEngineOptions } from './engines/redis/engine.js';
/** Redis connection options (URL, key prefix, reconnect bound). */
export type { RedisOptions } from './engines/redis/clients.js';

/** What a fanout did, and the `/rt/stats` and `/health` counters. */
export type { Counters, FanoutResult, Stats } from './delivery/hub.js';

/** Logging: a levelled logger that redacts signatures and nonces. */
export { createLogger, redact } from './ops/log.js';
/** A logger, its level names and where its lines go. */
export type { Logger, LogLevelName, LogSink } from './ops/log.js';

/** The attested audit log: the writer, its verifier and retention. */
export { AuditLog, formatProblem, pruneAuditDir, verifyAuditLog } from './ops/audit/index.js';
/** Audit log options, an entry, and the verifier's and pruner's options and results. */
export type {
  AuditEntry,
  AuditLogOptions,
  PruneOptions,
  VerifyOptions,
  VerifyProblem,
  VerifyResult,
} from './ops/audit/index.js';
