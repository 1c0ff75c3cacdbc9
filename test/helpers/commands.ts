/**
 * Typed wrappers of the gateway plugin's server commands (test/helpers/gateway-plugin.mjs).
 */
import { executeServerCommand } from '@web/test-runner-commands';

/** A gateway started for one test, and the proxy in front of it. */
export interface TestGateway {
  id: number;
  /** `http://127.0.0.1:<port>` of the gateway. */
  url: string;
  /** `ws://127.0.0.1:<port>/rt` straight to the gateway. */
  wsUrl: string;
  /** `ws://127.0.0.1:<proxy port>/rt` through the TCP proxy that `cut` can break. */
  proxyWsUrl: string;
}

export const startGateway = (options: { historySize?: number; heartbeatMs?: number; allowedOrigins?: string[] } = {}) =>
  executeServerCommand<TestGateway, typeof options>('gw:start', options);
export const stopGateway = (gw: TestGateway) => executeServerCommand<boolean, { id: number }>('gw:stop', { id: gw.id });
export const fanout = (gw: TestGateway, topic: string, data: unknown) =>
  executeServerCommand<{ sent: number; dropped: number }, object>('gw:fanout', { id: gw.id, topic, data });
export const registerTopic = (gw: TestGateway, topic: string, scopes: string[]) =>
  executeServerCommand<boolean, object>('gw:register', { id: gw.id, topic, scopes });
export const restartGateway = (gw: TestGateway) => executeServerCommand<boolean, object>('gw:restart', { id: gw.id });
export const cutConnections = (gw: TestGateway) => executeServerCommand<boolean, object>('gw:cut', { id: gw.id });
export const setProxyMode = (gw: TestGateway, mode: 'pass' | 'kill-ws') =>
  executeServerCommand<boolean, object>('gw:proxy-mode', { id: gw.id, mode });
export const gatewayStats = (gw: TestGateway) =>
  executeServerCommand<Record<string, number>, object>('gw:stats', { id: gw.id });
/** HMAC-SHA256 hex computed by Node's `createHmac` (key and data as UTF-8 strings). */
export const nodeHmac = (key: string, data: string) => executeServerCommand<string, object>('gw:hmac', { key, data });
