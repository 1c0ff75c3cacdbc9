export type { Transport, TransportFactory, TransportHandlers, TransportName, TransportOptions } from './transport.js';
export { withQuery } from './transport.js';
export { openSse, sseUrlFor } from './sse.js';
export { openWebSocket } from './websocket.js';
export { DEFAULT_TRANSPORTS, transports } from './order.js';
