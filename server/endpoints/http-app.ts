/**
 * The gateway's HTTP routes: `/health`, `/rt/stats`, `/rt/sse`, the admin and publish APIs when configured, and
 * in demo mode `/rt/ticket` and the dashboard. Everything else is a JSON 404 or 405.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext } from '../context.js';
import { answerPreflight, applyCors } from '../admission/cors.js';
import { serveDemoTicket, serveStatic } from '../demo/routes.js';
import { requestUrl, sendJson } from './http-util.js';
import { ADMIN_PATHS, serveAdmin } from './admin.js';
import type { KeyRing } from '../admission/keyring.js';
import type { SseEndpoint } from './sse.js';
import type { OriginPolicy } from '../admission/origin.js';
import type { PublishEndpoint } from '../publish/endpoint.js';
import { PUBLISH_PATH } from '../publish/signature.js';

/** What the router needs. */
export interface HttpAppOptions {
  context: GatewayContext;
  sse: SseEndpoint;
  origins: OriginPolicy;
  /** Demo mode: serves `/rt/ticket` and static files, CORS for any origin. */
  demo?: { keys: KeyRing; staticRoots: Readonly<Record<string, string>> } | undefined;
  /** When the process started (for `/health`). */
  startedAt: number;
  /** When set, `/rt/stats` and `/metrics` require `Authorization: Bearer <token>`. */
  statsToken?: string | undefined;
  /** When set, the admin API (`/rt/admin/*`) is on, for `Authorization: Bearer <token>`. */
  adminToken?: string | undefined;
  /** When set, `POST /rt/publish` is on (PROTOCOL.md §10). */
  publish?: PublishEndpoint | undefined;
}

/** Whether the request carries the bearer token (compared in constant time). */
function hasToken(req: IncomingMessage, token: string): boolean {
  const given = /^bearer +(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** Creates the request listener. */
export function createHttpApp(options: HttpAppOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { context, sse, origins, demo, startedAt, statsToken, adminToken, publish } = options;
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req);
    const { pathname } = url;
    const admin = ADMIN_PATHS.find((path) => path === pathname);
    if (admin) {
      // Off, it answers as an unknown path would, but says why: an operator's first call must not be a riddle.
      if (adminToken === undefined) return sendJson(res, 404, { error: 'not_found', detail: 'admin API off' });
      if (!hasToken(req, adminToken)) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        return sendJson(res, 401, { error: 'unauthorized' });
      }
      return serveAdmin(req, res, admin, context);
    }
    if (pathname === PUBLISH_PATH) {
      if (!publish) return sendJson(res, 404, { error: 'not_found', detail: 'publish API off' });
      return publish.handle(req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
      res.setHeader('Allow', 'GET, HEAD, OPTIONS');
      return sendJson(res, 405, { error: 'method_not_allowed' });
    }
    if (pathname === '/rt/sse') return sse.handle(req, res);
    if (pathname === '/health') {
      const engine = context.health();
      const status = context.draining ? 'draining' : engine.ok ? 'ok' : 'degraded';
      const uptimeS = Math.round((context.clock.now() - startedAt) / 1000);
      const body = {
        status,
        ...(engine.ok ? {} : { reason: engine.reason }),
        uptimeS,
        ...context.hub.counters(),
        engine: context.engine.status(),
      };
      return sendJson(res, status === 'ok' ? 200 : 503, body);
    }
    if (
      (pathname === '/rt/stats' || pathname === '/metrics') &&
      statsToken !== undefined &&
      !hasToken(req, statsToken)
    ) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendJson(res, 401, { error: 'unauthorized' });
    }
    if (pathname === '/metrics') {
      const text = await context.metrics.render();
      res.writeHead(200, { 'Content-Type': context.metrics.contentType, 'Cache-Control': 'no-store' });
      return void res.end(text);
    }
    if (pathname === '/rt/stats') {
      const scope = url.searchParams.get('scope') === 'cluster' ? 'cluster' : 'gateway';
      return sendJson(res, 200, await context.stats(scope));
    }
    if (demo && pathname === '/rt/ticket') {
      applyCors(req, res, origins, true);
      if (req.method === 'OPTIONS') return answerPreflight(res);
      return serveDemoTicket(url.searchParams, res, demo.keys.current);
    }
    if (demo && (await serveStatic(req, res, pathname, demo.staticRoots))) return;
    // Readable by the origins that may read the gateway, so a page with a mistyped path sees "404", not "CORS?".
    applyCors(req, res, origins, demo !== undefined);
    sendJson(res, 404, { error: 'not_found' });
  };
  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      context.logger.error('HTTP', 'Request failed:', { error: error instanceof Error ? error.message : 'unknown' });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal' });
      else res.destroy();
    });
  };
}
