/**
 * The module-level API, for applications that mount the gateway on their own HTTP server:
 * ```ts
 * const wss = startWebSocketServer(server, process.env.WS_HMAC_SECRET!);
 * app.get('/rt/sse', createSSEHandler(process.env.WS_HMAC_SECRET!));
 * fanout('kpis.s2', { crash_free: 99.2, p95_gpu: 15.8, ts: Date.now() });
 * ```
 * All of it shares one default {@link GatewayContext} per process (topics, subscribers, nonce store), created on
 * first use; `createGateway()` is the alternative that owns its server, one context per gateway.
 */
import type { AccessTarget } from './access/control.js';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { WebSocketServer } from 'ws';
import { GatewayContext, type ContextOptions } from './context.js';
import { toAuthOptions, type AuthOptions } from './admission/gatekeeper.js';
import type { FanoutResult, PublishResult } from './engines/engine.js';
import type { Stats } from './delivery/hub.js';
import { SseEndpoint } from './endpoints/sse.js';
import type { TopicSpec } from './delivery/topic-registry.js';
import { WebSocketEndpoint } from './endpoints/websocket.js';
import { PublishEndpoint } from './publish/endpoint.js';
import { PublisherKeys, type PublisherKey } from './publish/publisher-keys.js';

let shared: GatewayContext | undefined;

/**
 * Configures the default context before anything uses it (history size, heartbeat, logger, Redis…) and starts
 * its engine (with `redis`, resolves once connected).
 * @throws Error when the default context already exists
 */
export async function configureRealtime(options: ContextOptions): Promise<void> {
  if (shared) throw new Error('configureRealtime: call it before any other realtime function');
  shared = new GatewayContext(options);
  await shared.start();
}

/** The default context, created (in memory) on first use. */
export function defaultContext(): GatewayContext {
  if (!shared) {
    shared = new GatewayContext();
    void shared.start(); // the in-memory engine starts synchronously
  }
  return shared;
}

/**
 * Serves WebSocket connections on `/rt` of an existing HTTP server. Upgrades on other paths are
 * left to other listeners.
 * @param secretOrOptions the HMAC secret, or {@link AuthOptions}
 * @returns the `ws` server that accepts the connections (the seed's `wss`)
 */
export function startWebSocketServer(server: Server, secretOrOptions: string | AuthOptions): WebSocketServer {
  const context = defaultContext();
  const endpoint = new WebSocketEndpoint(context, toAuthOptions(secretOrOptions)).attach(server);
  context.logger.info('WS', 'WebSocket server started on /rt');
  return endpoint.wss;
}

/**
 * A `(req, res)` handler for `GET /rt/sse`, usable from Express, Connect or `http`.
 * @param secretOrOptions the HMAC secret, or {@link AuthOptions}
 */
export function createSSEHandler(
  secretOrOptions: string | AuthOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return new SseEndpoint(defaultContext(), toAuthOptions(secretOrOptions)).handle;
}

/**
 * A `(req, res)` handler for `POST /rt/publish` (PROTOCOL.md §10), usable from Express, Connect or `http`. Mount it
 * before any body parser: the signature covers the body's exact bytes.
 * @param keys the publisher keys (a {@link PublisherKeys} you may replace at run time, or an array)
 * @example app.post('/rt/publish', createPublishHandler(await readPublisherKeyFile('/etc/rt/publishers.json')))
 */
export function createPublishHandler(
  keys: readonly PublisherKey[] | PublisherKeys,
): (req: IncomingMessage, res: ServerResponse) => void {
  const context = defaultContext();
  const endpoint = new PublishEndpoint(context, keys instanceof PublisherKeys ? keys : new PublisherKeys(keys));
  return (req, res) => {
    endpoint.handle(req, res).catch((error: unknown) => {
      context.logger.error('HTTP', 'Publish request failed:', {
        error: error instanceof Error ? error.message : 'unknown',
      });
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"error":"internal"}');
      else res.destroy();
    });
  };
}

/**
 * Publishes `payload` to every subscriber of `topic`, on both transports.
 * @returns in memory: connections reached and messages dropped by backpressure; with Redis: a promise of the
 * assigned seq (it never crashes the process when ignored: failures are logged)
 * @throws Error for an unregistered topic; TypeError for a payload JSON cannot carry; `PayloadRefused` (a TypeError,
 *   v1.3) when the topic's schema or PII policy refuses it
 */
export function fanout(topic: string, payload: unknown): FanoutResult | Promise<PublishResult> {
  return defaultContext().hub.fanout(topic, payload);
}

/**
 * Registers a topic and the scopes a connection needs, all of them, to subscribe (the seed's four are
 * preloaded); v1.3: with a payload `schema` (Standard Schema or JSON Schema) and a `pii` policy, checked at every
 * entry point.
 * @throws TypeError for a malformed name or scope, an unknown PII policy or an invalid schema; Error naming the
 *   install command for a JSON Schema without the `ajv` package
 * @example registerTopic('orders.eu', { scopes: ['orders.read'] })
 * @example registerTopic('orders.eu', { scopes: ['orders.read'], schema: z.object({ total: z.number() }), pii: 'redact' })
 */
export function registerTopic(name: string, spec: TopicSpec): void {
  defaultContext().hub.registerTopic(name, spec);
}

/**
 * Ends the target's connections (close 4410 with `reason`, final for clients) on this gateway and, with Redis, on
 * every other; for a subject, also refuses its tickets issued up to now until they expire (PROTOCOL.md §2.8).
 * @returns the connections ended on this gateway
 * @throws TypeError for a malformed target or reason; Error when it reached this gateway only (Redis down)
 * @example await disconnect({ subject: user.id }, 'offboarded')
 */
export function disconnect(target: AccessTarget, reason?: string): Promise<number> {
  return defaultContext().access.disconnect(target, reason);
}

/**
 * Takes `scopes` from the target's connections everywhere; the topics they no longer cover end with `sub.err`
 * `forbidden`. For a subject, its older tickets carrying those scopes are refused until they expire.
 * @returns the connections narrowed on this gateway
 * @throws as {@link disconnect}
 * @example await revoke({ subject: user.id }, ['economy.admin'], 'role_removed')
 */
export function revoke(target: AccessTarget, scopes: readonly string[], reason?: string): Promise<number> {
  return defaultContext().access.revoke(target, scopes, reason);
}

/** Connections and subscribers per topic, as `/rt/stats` reports them. */
export function getStats(): Stats {
  return defaultContext().hub.stats();
}
