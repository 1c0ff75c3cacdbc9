/**
 * The operator's HTTP API (v1.1), enabled by an admin token (`RT_ADMIN_TOKEN`), separate from ticket secrets and
 * from the stats token:
 * - `POST /rt/admin/disconnect` `{ "subject" | "connectionId" | "scope": "…", "reason"?: "…" }` ends connections
 *   on every gateway (4410) and, for a subject, refuses its older tickets;
 * - `POST /rt/admin/revoke` `{ "subject" | "connectionId" | "scope": "…", "scopes": ["…"], "reason"?: "…" }` takes
 *   scopes from them.
 * Answers `{ "applied": n }` (connections ended or narrowed on the gateway that took the call; the others apply it
 * as the control message reaches them), 400 malformed, 401 bad token, 405, 413 over 4 KiB, 503 when it reached this
 * gateway only (Redis down).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessTarget } from '../access/control.js';
import type { GatewayContext } from '../context.js';
import { sendJson } from './http-util.js';

/** The paths of the admin API. */
export const ADMIN_PATHS = ['/rt/admin/disconnect', '/rt/admin/revoke'] as const;

/** Largest request body the admin API reads. */
const MAX_BODY_BYTES = 4096;

/** Reads a small JSON object body. @returns `undefined` for no JSON object; `'too_big'` past the limit */
async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | 'too_big' | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return 'too_big';
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The one target a body names, or `undefined`. */
function targetOf(body: Record<string, unknown>): AccessTarget | undefined {
  const named = (['subject', 'connectionId', 'scope'] as const).filter((key) => body[key] !== undefined);
  if (named.length !== 1) return undefined;
  const key = named[0] as 'subject' | 'connectionId' | 'scope';
  const value = body[key];
  if (typeof value !== 'string') return undefined;
  return { [key]: value } as AccessTarget;
}

/**
 * Serves one admin request, already authenticated by the caller.
 * @param path one of {@link ADMIN_PATHS}
 */
export async function serveAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  path: (typeof ADMIN_PATHS)[number],
  context: GatewayContext,
): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return sendJson(res, 405, { error: 'method_not_allowed' });
  }
  const body = await readBody(req);
  if (body === 'too_big') return sendJson(res, 413, { error: 'too_large' });
  const target = body && targetOf(body);
  if (!body || !target) return sendJson(res, 400, { error: 'bad_target' });
  const reason = body['reason'] ?? 'revoked';
  const scopes = body['scopes'];
  if (typeof reason !== 'string') return sendJson(res, 400, { error: 'bad_reason' });
  try {
    const applied =
      path === '/rt/admin/disconnect'
        ? await context.access.disconnect(target, reason)
        : Array.isArray(scopes)
          ? await context.access.revoke(target, scopes as string[], reason)
          : undefined;
    if (applied === undefined) return sendJson(res, 400, { error: 'bad_scopes' });
    return sendJson(res, 200, { applied });
  } catch (error) {
    if (error instanceof TypeError) {
      const what = /scopes/.test(error.message)
        ? 'bad_scopes'
        : /reason/.test(error.message)
          ? 'bad_reason'
          : 'bad_target';
      return sendJson(res, 400, { error: what });
    }
    // Applied here, not spread: the operator must know (the details are in the gateway's log).
    return sendJson(res, 503, { error: 'partial', detail: 'applied on this gateway only; retry' });
  }
}
