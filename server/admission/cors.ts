/**
 * CORS for the endpoints a page on another origin reads with `fetch` or `EventSource` (`/rt/sse`,
 * `/rt/ticket`): an allowlisted `Origin` is echoed, demo mode allows any; an arbitrary `Origin` is never
 * reflected.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OriginPolicy } from './origin.js';

/** Sets `Access-Control-Allow-Origin` when the request's origin may read the response. */
export function applyCors(req: IncomingMessage, res: ServerResponse, origins: OriginPolicy, anyOrigin: boolean): void {
  res.setHeader('Vary', 'Origin');
  const origin = req.headers.origin;
  if (anyOrigin) res.setHeader('Access-Control-Allow-Origin', '*');
  else if (origins.lists(origin)) res.setHeader('Access-Control-Allow-Origin', origin as string);
}

/** Answers a CORS preflight with 204. */
export function answerPreflight(res: ServerResponse): void {
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Max-Age': '600',
  });
  res.end();
}
