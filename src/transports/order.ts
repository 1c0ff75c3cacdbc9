/**
 * The transports by name and the default order of preference.
 */
import { openSse } from './sse.js';
import type { TransportFactory, TransportName } from './transport.js';
import { openWebSocket } from './websocket.js';

/** Every transport by name. */
export const transports: Readonly<Record<TransportName, TransportFactory>> = { websocket: openWebSocket, sse: openSse };

/** The default order of preference: WebSocket first, SSE when it cannot be opened. */
export const DEFAULT_TRANSPORTS: readonly TransportName[] = ['websocket', 'sse'];
