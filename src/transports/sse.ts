/**
 * The Server-Sent Events transport: the one-way fallback (PROTOCOL.md §6). The browser's own EventSource
 * reconnection would repeat a spent ticket, so an error closes the stream and reports a close code; the client
 * opens a new one with a fresh ticket and `since`.
 *
 * An EventSource hides the HTTP status of a refusal. So when the stream fails before its first frame, the
 * same URL is fetched once (a refused ticket's nonce was never recorded, so the gateway repeats its answer)
 * and the answer maps onto the close code a WebSocket would have seen: the mapping is `SSE_REFUSALS` in
 * src/protocol/close-codes.ts, described in PROTOCOL.md §7. An answer that is not the gateway's (a dev
 * server's `index.html`, another server's 404) is also reported as what came back: the URL is no gateway.
 *
 * A stream the gateway ends on purpose (v1.1: its authority expired, access revoked, a restart) ends with a
 * `close` frame, since SSE has no close code of its own: it is reported as that close.
 */
import { CloseCode, SSE_REFUSALS } from '../protocol/close-codes.js';
import { formatSinceList } from '../protocol/sse.js';
import { read } from './answer.js';
import { frameOf, withQuery, type TransportFactory } from './transport.js';

/**
 * Why `url` failed, asked again with `fetch`: `[close code, reason]`, plus what came back when that was not the
 * gateway's `{"error": reason}` but another server's page (an HTML page, a 404), named by `base` (no ticket).
 */
async function refusal(url: string, base: string): Promise<[number, string, string?]> {
  try {
    const res = await fetch(url);
    // Admitted this time: the stream itself is not wanted.
    if (res.ok && /event-stream/.test(String(res.headers.get('content-type')))) {
      void res.body?.cancel();
      return [CloseCode.abnormal, 'sse_error'];
    }
    const [body, what] = await read(res, base);
    const error = (body as { error?: unknown } | undefined)?.error;
    return [
      (error !== 'replay' && SSE_REFUSALS[res.status]) || CloseCode.abnormal,
      String(error ?? res.status),
      // A 5xx page is a proxy in front of a gateway that is down: no misconfiguration.
      typeof error === 'string' || res.status > 499 ? undefined : what,
    ];
  } catch {
    return [CloseCode.abnormal, 'sse_error'];
  }
}

/**
 * Derives the SSE endpoint from the WebSocket one: `ws://h/rt` → `http://h/rt/sse`, `wss:` → `https:`.
 * @example sseUrlFor('wss://example.com/rt') // 'https://example.com/rt/sse'
 */
export const sseUrlFor = (wsUrl: string): string =>
  wsUrl
    .replace(/^ws/i, 'http')
    .replace(/[?#].*$/, '')
    .replace(/\/$/, '') + '/sse';

/**
 * Opens `url?<ticket>&topics=…&since=…` as an EventSource.
 * @example openSse({ url: 'http://localhost:3100/rt/sse', ticket, topics }, { frame, close })
 */
export const openSse: TransportFactory = (options, handlers) => {
  let h: typeof handlers | undefined = handlers;
  let es: EventSource | undefined;
  let live = false; // a frame arrived: the gateway admitted the stream
  const since = formatSinceList(options.topics);
  let query = `${options.ticket}&topics=${[...options.topics.keys()].join(',')}`;
  if (since) query += `&since=${since}`;
  const close = (): void => {
    h = undefined;
    es?.close();
  };
  const end = ([code, reason, answer]: [number, string, string?]): void => {
    const current = h;
    close();
    current?.close(code, reason, answer);
  };
  const url = withQuery(options.url, query);
  try {
    const ES = options.EventSource ?? globalThis.EventSource;
    es = new ES(url);
    es.onmessage = (e: MessageEvent) => {
      const frame = frameOf(e);
      live = true;
      if (frame?.type === 'close') end([frame.code, frame.reason]);
      else if (frame) h?.frame(frame);
    };
    es.onerror = () => {
      es?.close(); // no reconnection by the browser: it would repeat a spent ticket
      if (live || !h) end([CloseCode.abnormal, 'sse_error']);
      else void refusal(url, options.url).then(end); // a close() meanwhile silences `end`
    };
  } catch (error) {
    queueMicrotask(() => end([CloseCode.abnormal, String(error)]));
  }
  return { duplex: false, send() {}, close };
};
