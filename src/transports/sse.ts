/**
 * The Server-Sent Events transport: the one-way fallback (PROTOCOL.md §6). The browser's own EventSource
 * reconnection would repeat a spent ticket, so an error closes the stream and reports a close code; the client
 * opens a new one with a fresh ticket and `since`.
 *
 * An EventSource hides the HTTP status of a refusal. So when the stream fails before its first frame, the
 * same URL is fetched once (a refused ticket's nonce was never recorded, so the gateway repeats its answer)
 * and the answer maps onto the close code a WebSocket would have seen: the mapping is `SSE_REFUSALS` in
 * src/protocol/close-codes.ts, described in PROTOCOL.md §7.
 */
import { CloseCode, SSE_REFUSALS } from '../protocol/close-codes.js';
import { formatSinceList } from '../protocol/sse.js';
import { frameOf, withQuery, type TransportFactory } from './transport.js';

/** Why `url` failed, asked again with `fetch`: `[close code, reason]`. */
async function refusal(url: string): Promise<[number, string]> {
  try {
    const res = await fetch(url);
    if (res.ok) void res.body?.cancel(); // admitted this time: the stream itself is not wanted
    // `{"error": reason}`; a proxy's own page (an HTML 503, say) still maps by its status.
    const error = res.ok
      ? 'sse_error'
      : String(
          await res.json().then(
            (b: { error?: unknown }) => b.error,
            () => res.status,
          ),
        );
    return [(error !== 'replay' && SSE_REFUSALS[res.status]) || CloseCode.abnormal, error];
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
  const end = ([code, reason]: [number, string]): void => {
    const current = h;
    close();
    current?.close(code, reason);
  };
  const url = withQuery(options.url, query);
  try {
    const ES = options.EventSource ?? globalThis.EventSource;
    es = new ES(url);
    es.onmessage = (e: MessageEvent) => {
      const frame = frameOf(e);
      live = true;
      if (frame) h?.frame(frame);
    };
    es.onerror = () => {
      es?.close(); // no reconnection by the browser: it would repeat a spent ticket
      if (live || !h) end([CloseCode.abnormal, 'sse_error']);
      else void refusal(url).then(end); // a close() meanwhile silences `end`
    };
  } catch (error) {
    queueMicrotask(() => end([CloseCode.abnormal, String(error)]));
  }
  return { duplex: false, send() {}, close };
};
