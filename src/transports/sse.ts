/**
 * The Server-Sent Events transport: the one-way fallback (PROTOCOL.md §6). The browser's own EventSource
 * reconnection would repeat a spent ticket, so an error closes the stream and reports 1006; the client opens
 * a new one with a fresh ticket and `since`.
 */
import { parseServerFrame } from '../protocol/frames.js';
import { formatSinceList, type SseResume } from '../protocol/sse.js';
import { withQuery, type TransportFactory } from './transport.js';

/**
 * Derives the SSE endpoint from the WebSocket one: `ws://h/rt` → `http://h/rt/sse`, `wss:` → `https:`.
 * @example sseUrlFor('wss://example.com/rt') // 'https://example.com/rt/sse'
 */
export const sseUrlFor = (wsUrl: string): string => wsUrl.replace(/^ws/i, 'http').replace(/[?#].*$/, '').replace(/\/$/, '') + '/sse';

/**
 * Opens `url?<ticket>&topics=…&since=…` as an EventSource.
 * @example openSse({ url: 'http://localhost:3100/rt/sse', ticket, topics }, { frame, close })
 */
export const openSse: TransportFactory = (options, handlers) => {
  let h: typeof handlers | undefined = handlers;
  let es: EventSource | undefined;
  const resume = new Map<string, SseResume>();
  for (const [topic, r] of options.topics) if (r) resume.set(topic, r);
  let query = `${options.ticket}&topics=${[...options.topics.keys()].join(',')}`;
  if (resume.size) query += `&since=${formatSinceList(resume)}`;
  const close = (): void => {
    h = undefined;
    es?.close();
  };
  try {
    const ES = options.EventSource ?? globalThis.EventSource;
    es = new ES(withQuery(options.url, query));
    es.onmessage = (e: MessageEvent) => {
      const frame = typeof e.data === 'string' ? parseServerFrame(e.data) : undefined;
      if (frame) h?.frame(frame);
    };
    es.onerror = () => {
      const current = h;
      close();
      current?.close(1006, 'sse_error');
    };
  } catch (error) {
    queueMicrotask(() => {
      const current = h;
      h = undefined;
      current?.close(1006, String(error));
    });
  }
  return { duplex: false, send() {}, close };
};
