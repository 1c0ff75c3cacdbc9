/**
 * The whole reference gateway in one call: an HTTP server with the WebSocket and SSE endpoints, `/health`,
 * `/rt/stats`, demo routes when asked, and graceful shutdown.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloseCode } from '../src/protocol/index.js';
import { AuditLog } from './ops/audit/audit-log.js';
import { GatewayContext, type ContextOptions } from './context.js';
import { toAuthOptions, type AuthOptions } from './admission/gatekeeper.js';
import type { FanoutResult, PublishResult } from './engines/engine.js';
import type { Hub, Stats } from './delivery/hub.js';
import type { RedisEngineOptions } from './engines/redis/engine.js';
import { createHttpApp } from './endpoints/http-app.js';
import { SseEndpoint } from './endpoints/sse.js';
import type { TopicSpec } from './delivery/topic-registry.js';
import type { AccessTarget } from './access/control.js';
import { WebSocketEndpoint } from './endpoints/websocket.js';
import { PublishEndpoint } from './publish/endpoint.js';
import { PublisherKeys, type PublisherKey } from './publish/publisher-keys.js';

/** Options of {@link createGateway}. */
export interface GatewayOptions extends ContextOptions, AuthOptions {
  /** Port to listen on (default 3100; 0 picks a free one). */
  port?: number;
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string;
  /**
   * Demo mode: `GET /rt/ticket` signs tickets for any scopes, the dashboard is served at `/`, CORS allows any
   * origin. Never in production.
   */
  demo?: boolean;
  /** Demo mode: URL prefix → directory of static files (default: the package's `demo/` and browser bundles). */
  staticRoots?: Readonly<Record<string, string>>;
  /** Serve `https`/`wss` with this certificate and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** When set, `/rt/stats` and `/metrics` require `Authorization: Bearer <token>`. */
  statsToken?: string;
  /**
   * Turns the admin API on (`POST /rt/admin/disconnect`, `/rt/admin/revoke`) for `Authorization: Bearer <token>`
   * (at least 16 characters; `RT_ADMIN_TOKEN`). Unset: those paths answer 404.
   */
  adminToken?: string;
  /**
   * Turns the publish API on (`POST /rt/publish`, PROTOCOL.md §10) for these publisher keys: an array, or a
   * {@link PublisherKeys} you replace at run time (`RT_PUBLISH_KEYS_FILE` reloads one). Unset: that path answers 404.
   */
  publishKeys?: readonly PublisherKey[] | PublisherKeys;
  /**
   * Time a client has to send its request headers (default 10 000 ms): slow-loris connections are dropped.
   * A WebSocket upgrade or SSE request is then bounded by the ticket check; the heartbeat takes over after.
   */
  headersTimeoutMs?: number;
  /**
   * Write the attested audit log (hash-chained JSON lines, one file per UTC day) into `dir`; entries kept
   * `retentionDays` (default 90, 0 = forever). One directory per gateway process.
   */
  audit?: { dir: string; retentionDays?: number };
}

/**
 * A running gateway. `F` is what `fanout()` returns: `FanoutResult` with the in-memory engine (synchronous, the
 * seed's `{ sent, dropped }`), `Promise<PublishResult>` with Redis (the message first goes through Redis).
 */
export interface Gateway<F extends FanoutResult | Promise<PublishResult> = FanoutResult> {
  /** The HTTP server. */
  readonly server: Server;
  /** The port it listens on. */
  readonly port: number;
  /** `http://host:port` (`https://` with TLS). */
  readonly url: string;
  /** Sessions, topics and fanout: the gateway's insides, for its own parts and tests (not in the `.d.ts`). @internal */
  readonly hub: Hub;
  /** Shared state (clock, logger, heartbeat, nonce store): internal like {@link Gateway.hub}. @internal */
  readonly context: GatewayContext;
  /**
   * Publishes a message to every subscriber of `topic` (on every gateway, with Redis).
   * @throws `PayloadRefused` (v1.3) when the topic's schema or PII policy refuses the payload; TypeError when its
   *   schema validates asynchronously (use {@link Gateway.publish})
   */
  fanout(topic: string, payload: unknown): F;
  /**
   * Publishes with either engine; resolves with the assigned seq and epoch. With an idempotency key `id`, a retry
   * within the window (default a day) is not published again and resolves with the first one's seq and
   * `duplicate: true`. Rejects with `PayloadRefused` (v1.3) when the topic's schema or PII policy refuses the payload.
   */
  publish(topic: string, payload: unknown, options?: { id?: string }): Promise<PublishResult>;
  /**
   * Registers (or updates) a topic: its scopes and (v1.3) its payload `schema` and `pii` policy, checked at every
   * entry point.
   * @throws TypeError for a malformed name or scope, an unknown PII policy or an invalid schema; Error naming the
   *   install command for a JSON Schema without the `ajv` package
   * @example gw.registerTopic('orders.eu', { scopes: ['orders.read'], schema: z.object({ total: z.number() }), pii: 'refuse' })
   */
  registerTopic(name: string, spec: TopicSpec): void;
  /**
   * Ends the target's connections on every gateway (close 4410 with `reason`, which clients take as final); for a
   * subject, also refuses its tickets issued up to now until they expire.
   * @returns the connections ended on this gateway
   * @throws TypeError for a malformed target or reason; Error when it reached this gateway only (Redis down)
   * @example await gw.disconnect({ subject: user.id }, 'offboarded')
   */
  disconnect(target: AccessTarget, reason?: string): Promise<number>;
  /**
   * Takes `scopes` from the target's connections on every gateway; the topics they no longer cover end with
   * `sub.err` `forbidden`. For a subject, its older tickets carrying those scopes are refused until they expire.
   * @returns the connections narrowed on this gateway
   * @throws as {@link Gateway.disconnect}
   * @example await gw.revoke({ subject: user.id }, ['economy.admin'])
   */
  revoke(target: AccessTarget, scopes: readonly string[], reason?: string): Promise<number>;
  /** `/rt/stats` of this gateway. */
  stats(): Stats;
  /** `/rt/stats` of this gateway (`'gateway'`) or summed over every gateway sharing the Redis engine (`'cluster'`). */
  stats(scope: 'gateway' | 'cluster'): Promise<Stats>;
  /**
   * Graceful shutdown: stop accepting, close WebSocket clients with 1012 and end SSE streams so they reconnect
   * elsewhere, then close the server. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Where the dashboard's files are: in the gateway package, `dist/demo/` and `dist/browser/` beside this file's
 * `dist/server/` (server/build-demo.mjs puts them there); in the repository, running from source with tsx,
 * `demo/` and the browser package's `dist/browser/`.
 */
export function dashboardRoots(): Record<string, string> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const built = /[\\/]dist[\\/]server[\\/]$/.test(here);
  const base = fileURLToPath(new URL('..', import.meta.url));
  return built
    ? { '/': join(base, 'demo'), '/dist/': join(base, 'browser') }
    : { '/': join(base, 'demo'), '/dist/': join(base, 'dist', 'browser') };
}

/**
 * Starts a gateway; with `redis`, on the Redis engine (its `fanout` resolves with `{ seq, epoch }`).
 * @example const gw = await createGateway({ secret: process.env.WS_HMAC_SECRET!, port: 3100 });
 *          gw.fanout('kpis.s2', { crash_free: 99.2 });
 */
export function createGateway(
  options: GatewayOptions & { redis: string | RedisEngineOptions },
): Promise<Gateway<Promise<PublishResult>>>;
/** Starts a gateway on the in-memory engine: its `fanout` answers at once with `{ sent, dropped }`. */
export function createGateway(options: GatewayOptions & { redis?: undefined }): Promise<Gateway<FanoutResult>>;
/** Starts a gateway on either engine (`redis` decided at run time). */
export function createGateway(options: GatewayOptions): Promise<Gateway<FanoutResult | Promise<PublishResult>>>;
export async function createGateway(options: GatewayOptions): Promise<Gateway<FanoutResult | Promise<PublishResult>>> {
  if (options.statsToken !== undefined && options.statsToken.length < 8)
    throw new TypeError('statsToken must have at least 8 characters');
  if (options.adminToken !== undefined && options.adminToken.length < 16)
    throw new TypeError('adminToken must have at least 16 characters');
  const auth = toAuthOptions({ ...options, corsAnyOrigin: options.demo === true || options.corsAnyOrigin === true });
  const publishKeys =
    options.publishKeys === undefined || options.publishKeys instanceof PublisherKeys
      ? options.publishKeys
      : new PublisherKeys(options.publishKeys);
  const context = new GatewayContext(options);
  await context.start();
  // Before listening, so no connection goes unrecorded.
  const audit = options.audit
    ? (await AuditLog.open({ ...options.audit, now: () => context.clock.now(), logger: context.logger })).attach(
        context.hub,
      )
    : undefined;
  if (audit) context.metrics.watchAudit(audit);
  const sse = new SseEndpoint(context, auth);
  const startedAt = context.clock.now();
  const demo = options.demo ? { keys: auth.keys, staticRoots: options.staticRoots ?? dashboardRoots() } : undefined;
  const app = createHttpApp({
    context,
    sse,
    origins: sse.origins,
    demo,
    startedAt,
    statsToken: options.statsToken,
    adminToken: options.adminToken,
    publish: publishKeys && new PublishEndpoint(context, publishKeys),
  });
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const serverOptions = {
    headersTimeout,
    requestTimeout: headersTimeout * 3,
    connectionsCheckingInterval: Math.min(1000, headersTimeout),
  };
  const server: Server = options.tls
    ? createHttpsServer({ ...serverOptions, ...options.tls }, app)
    : createServer(serverOptions, app);
  const ws = new WebSocketEndpoint(context, auth).attach(server, true);

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 3100, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await Promise.all([context.close(), audit?.close()]);
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const scheme = options.tls ? 'https' : 'http';
  context.logger.info('WS', `WebSocket server started on /rt (${scheme}://${host}:${address.port})`);

  let closing: Promise<void> | undefined;
  const close = async () => {
    context.draining = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    sse.closeAll();
    await ws.closeAll(CloseCode.serviceRestart, 'service_restart');
    server.closeAllConnections();
    await stopped;
    await context.close();
    await audit?.close(); // after the drain, so its disconnects are recorded
    context.logger.info('WS', 'Gateway stopped');
  };

  return {
    server,
    port: address.port,
    url: `${scheme}://${host}:${address.port}`,
    hub: context.hub,
    context,
    fanout: (topic, payload) => context.hub.fanout(topic, payload),
    publish: (topic, payload, publishOptions) => context.hub.publish(topic, payload, publishOptions?.id),
    registerTopic: (name, spec) => context.hub.registerTopic(name, spec),
    disconnect: (target, reason) => context.access.disconnect(target, reason),
    revoke: (target, scopes, reason) => context.access.revoke(target, scopes, reason),
    stats: ((scope?: 'gateway' | 'cluster') =>
      scope === undefined ? context.hub.stats() : context.stats(scope)) as Gateway['stats'],
    close: () => (closing ??= close()),
  };
}
