/**
 * `@lydian/realtime/server`: the reference gateway.
 * @packageDocumentation
 */
export { sign, verifyHMAC, rbacHas, issueTicket, createNonce, verifyTicket } from './auth.js';
export type { Signature, TicketCheck, TicketVerdict } from './auth.js';
export { createGateway } from './gateway.js';
export type { Gateway, GatewayOptions } from './gateway.js';
export { startWebSocketServer, createSSEHandler, fanout, registerTopic, getStats, configureRealtime, defaultContext } from './seed-api.js';
export { GatewayContext } from './context.js';
export type { ContextOptions } from './context.js';
export type { AuthOptions } from './gatekeeper.js';
export type { FanoutOptions } from './fanout-queue.js';
export { WebSocketEndpoint } from './ws-endpoint.js';
export { SseEndpoint } from './sse-endpoint.js';
export { Hub } from './hub.js';
export type { FanoutResult, Stats, Counters } from './hub.js';
export type { ResolvedAuth } from './gatekeeper.js';
export { MemoryNonceStore } from './nonce-store.js';
export type { NonceStore, MemoryNonceStoreOptions } from './nonce-store.js';
export { SEED_TOPICS, TopicRegistry } from './topic-registry.js';
export type { TopicSpec } from './topic-registry.js';
export type { BackpressureOptions } from './outbound-queue.js';
export { createLogger, redact } from './log.js';
export type { Logger, LogLevelName, LogSink } from './log.js';
export type { Clock } from './timers.js';
export { startDemoPublisher } from './demo-publisher.js';
export type { DemoPublisherOptions } from './demo-publisher.js';
export { AuditLog, verifyAuditLog, pruneAuditDir } from './audit/index.js';
export type { AuditLogOptions, AuditEntry } from './audit/index.js';
export { KeyRing, readKeyFile, watchKeyFile } from './keyring.js';
export type { SigningKey } from './keyring.js';
export { GatewayMetrics } from './metrics.js';
export { RATE_LIMIT_DEFAULTS } from './rate-limits.js';
export type { RateLimitOptions, BucketSpec } from './rate-limits.js';
export { RedisEngine } from './redis/engine.js';
export type { RedisEngineOptions } from './redis/engine.js';
export type { RedisOptions } from './redis/clients.js';
export type { Engine, PublishResult, Resume, EngineHealth } from './engine.js';
export type { HubEvents, Refusal, RateLimitKind } from './hub.js';
