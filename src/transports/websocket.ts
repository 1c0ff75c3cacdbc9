/**
 * The WebSocket transport: the preferred one, two-way.
 */
import { parseServerFrame } from '../protocol/frames.js';
import { withQuery, type TransportFactory } from './transport.js';

/**
 * Opens `url?<ticket>` as a WebSocket. A missing implementation or a constructor that throws (a blocked URL)
 * is reported as close 1006 on the next microtask; an `error` event is left to the `close` event that follows it.
 * @example openWebSocket({ url: 'ws://localhost:3100/rt', ticket, topics }, { frame, close })
 */
export const openWebSocket: TransportFactory = (options, handlers) => {
  let h: typeof handlers | undefined = handlers;
  let ws: WebSocket | undefined;
  const end = (code: number, reason: string): void => {
    const current = h;
    h = undefined;
    current?.close(code, reason);
  };
  try {
    const WS = options.WebSocket ?? globalThis.WebSocket;
    ws = new WS(withQuery(options.url, options.ticket));
    ws.onmessage = (e: MessageEvent) => {
      const frame = typeof e.data === 'string' ? parseServerFrame(e.data) : undefined;
      if (frame) h?.frame(frame);
    };
    ws.onclose = (e: CloseEvent) => end(e.code || 1006, e.reason);
    // The close that follows reports the failure. Without a listener, Node's `ws` would throw its 'error'
    // (ECONNREFUSED, a close() while CONNECTING) as an uncaught exception and take the process down.
    ws.onerror = () => {};
  } catch (error) {
    queueMicrotask(() => end(1006, String(error)));
  }
  return {
    duplex: true,
    send(frame) {
      if (ws?.readyState === 1) ws.send(JSON.stringify(frame));
    },
    close() {
      h = undefined;
      try {
        ws?.close(1000);
      } catch {
        // already closed or never opened: nothing to release
      }
    },
  };
};
