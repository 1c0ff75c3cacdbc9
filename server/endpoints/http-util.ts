/** Small HTTP helpers shared by the gateway's routes. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Sends a JSON body with `status`; never anything that could carry a stack trace. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/** The request's path and query, parsed against a dummy base (the Host header is not trusted). */
export function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://gateway.invalid');
  } catch {
    return new URL('http://gateway.invalid/');
  }
}
