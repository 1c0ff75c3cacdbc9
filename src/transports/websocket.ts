/**
 * The WebSocket transport: the preferred one, two-way.
 */
import { CloseCode } from '../protocol/close-codes.js';
import { frameOf, withQuery, type TransportFactory } from './transport.js';

/**
 * Opens `url?<ticket>` as a WebSocket. A missing implementation or a constructor that throws (a blocked URL)
 * is reported as a lost connection (1006) on the next microtask; an `error` event is left to the `close` event
 * that follows it.
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
      const frame = frameOf(e);
      if (frame) h?.frame(frame);
    };
    ws.onclose = (e: CloseEvent) => end(e.code || CloseCode.abnormal, e.reason);
    // The close that follows reports the failure. Without a listener, Node's `ws` would throw its 'error'
    // (ECONNREFUSED, a close() while CONNECTING) as an uncaught exception and take the process down.
    ws.onerror = () => {};
  } catch (error) {
    queueMicrotask(() => end(CloseCode.abnormal, String(error)));
  }
  return {
    duplex: true,
    send(frame) {
      if (ws?.readyState === 1) ws.send(JSON.stringify(frame));
    },
    close() {
      h = undefined;
      try {
        ws?.close(CloseCode.normal);
      } catch {
        // already closed or never opened: nothing to release
      }
    },
  };
};
