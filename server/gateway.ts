/**
 * The whole reference gateway in one call: an HTTP server with the WebSocket and SSE endpoints, `/health`,
 * `/rt/stats`, demo routes when asked, and graceful shutdown.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CloseCode } from '../src/protocol/index.js';
import { GatewayContext, type ContextOptions } from './context.js';
import { toAuthOptions, type AuthOptions } from './gatekeeper.js';
import type { FanoutResult, Hub, Stats } from './hub.js';
import { createHttpApp } from './http-app.js';
import { OriginPolicy } from './origin.js';
import { SseEndpoint } from './sse-endpoint.js';
import type { TopicSpec } from './topic-registry.js';
import { WebSocketEndpoint } from './ws-endpoint.js';

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
}

/** A running gateway. */
export interface Gateway {
  /** The HTTP server. */
  readonly server: Server;
  /** The port it listens on. */
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  /** Sessions, topics and fanout. */
  readonly hub: Hub;
  /** Shared state (clock, logger, heartbeat, nonce store). */
  readonly context: GatewayContext;
  /** Publishes a message to every subscriber of `topic`. */
  fanout(topic: string, payload: unknown): FanoutResult;
  /** Registers (or updates) a topic. */
  registerTopic(name: string, spec: TopicSpec): void;
  /** `/rt/stats`. */
  stats(): Stats;
  /**
   * Graceful shutdown: stop accepting, close WebSocket clients with 1012 and end SSE streams so they reconnect
   * elsewhere, then close the server. Idempotent.
   */
  close(): Promise<void>;
}

/** The package root, whether this file runs from `server/` (tsx) or `dist/server/` (built). */
function packageRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.replace(/(dist\/)?server\/$/, '');
}

function defaultStaticRoots(): Record<string, string> {
  const root = packageRoot();
  return { '/': `${root}demo`, '/dist/': `${root}dist/browser` };
}

/**
 * Starts a gateway.
 * @example const gw = await createGateway({ secret: process.env.WS_HMAC_SECRET!, port: 3100 });
 *          gw.fanout('kpis.s2', { crash_free: 99.2 });
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const auth: AuthOptions = toAuthOptions({ ...options, corsAnyOrigin: options.demo === true || options.corsAnyOrigin === true });
  const context = new GatewayContext(options);
  const sse = new SseEndpoint(context, auth);
  const startedAt = context.clock.now();
  const demo = options.demo
    ? { secret: auth.secret, kid: auth.kid, staticRoots: options.staticRoots ?? defaultStaticRoots() }
    : undefined;
  const server = createServer(createHttpApp({ context, sse, origins: new OriginPolicy(auth.allowedOrigins), demo, startedAt }));
  const ws = new WebSocketEndpoint(context, auth).attach(server, true);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3100, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  context.logger.info('WS', `WebSocket server started on /rt (http://${host}:${address.port})`);

  let closing: Promise<void> | undefined;
  const close = async () => {
    context.draining = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    sse.closeAll();
    await ws.closeAll(CloseCode.serviceRestart, 'service_restart');
    server.closeAllConnections();
    await stopped;
    await context.close();
    context.logger.info('WS', 'Gateway stopped');
  };

  return {
    server,
    port: address.port,
    url: `http://${host}:${address.port}`,
    hub: context.hub,
    context,
    fanout: (topic, payload) => context.hub.fanout(topic, payload),
    registerTopic: (name, spec) => context.hub.registerTopic(name, spec),
    stats: () => context.hub.stats(),
    close: () => (closing ??= close()),
  };
}
