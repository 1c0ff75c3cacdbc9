/**
 * Demo-mode routes: the ticket endpoint an application's backend would implement behind its own login, and
 * the dashboard's static files. Never mounted unless demo mode is on.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { parseScopeList } from '../../src/protocol/index.js';
import { issueTicket } from '../admission/tickets.js';
import { sendJson } from '../endpoints/http-util.js';
import type { SigningKey } from '../admission/keyring.js';

/** How long a demo ticket's authority lasts (seconds): the client refreshes it in band before it ends. */
export const DEMO_TICKET_TTL_S = 600;

/**
 * `GET /rt/ticket?scopes=a,b`: signs a ticket for whatever scopes are asked. This is the part a real backend
 * decides from its user's session; here anyone gets anything, which is why it exists only in demo mode.
 */
export function serveDemoTicket(query: URLSearchParams, res: ServerResponse, key: SigningKey): void {
  const requested = query.getAll('scopes');
  const scopes = requested.length <= 1 ? parseScopeList(requested[0] ?? '') : undefined;
  if (!scopes) return sendJson(res, 400, { error: 'bad_scopes' });
  // Ten minutes, so the dashboard shows the refresh a real ticket endpoint's lifetime brings.
  const options = { ttlS: DEMO_TICKET_TTL_S, ...(key.kid === undefined ? {} : { kid: key.kid }) };
  sendJson(res, 200, issueTicket(key.secret, scopes, options));
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/**
 * Serves a file under one of `roots` (`/` is `index.html` of the first). Paths that leave a root, dotfiles and
 * unknown types answer 404.
 * @param roots URL prefix → directory, e.g. `{ '/': 'demo', '/dist/': 'dist/browser' }`
 */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  roots: Readonly<Record<string, string>>,
): Promise<boolean> {
  const prefix = Object.keys(roots)
    .sort((a, b) => b.length - a.length)
    .find((p) => pathname.startsWith(p));
  if (prefix === undefined) return false;
  const root = resolve(roots[prefix] as string);
  let relative: string;
  try {
    relative = decodeURIComponent(pathname.slice(prefix.length)) || 'index.html';
  } catch {
    return false;
  }
  const file = resolve(join(root, relative));
  const type = CONTENT_TYPES[extname(file)];
  if (!file.startsWith(root + sep) || relative.split('/').some((part) => part.startsWith('.')) || !type) return false;
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return false;
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': info.size, 'Cache-Control': 'no-cache' });
  if (req.method === 'HEAD') res.end();
  else pipeline(createReadStream(file), res, () => {}); // a file gone since `stat` just ends the response
  return true;
}
