/**
 * Redis connections for the gateway, with the settings that matter when Redis is away: commands fail at once
 * instead of queueing forever (no offline queue), reconnection backs off with jitter, a first connection that
 * cannot be made fails the start instead of hanging.
 */
import type { createClient } from 'redis';
import type { Logger } from '../../ops/log.js';

/** A node-redis client as created here. */
export type RedisClient = ReturnType<typeof createClient>;

/** How the gateway reaches Redis. */
export interface RedisOptions {
  /** `redis://[[user]:password@]host:port[/db]` (default `redis://127.0.0.1:6379`). */
  url?: string;
  /**
   * Nodes of a Redis Cluster to start from (`redis://host:port` each; a few are enough, the rest are discovered).
   * Given, the engine runs on the Cluster with sharded Pub/Sub (Redis ≥ 7) and `url` is ignored.
   */
  clusterNodes?: readonly string[];
  /** Prefix of every key and channel (default `rt:`), to share a Redis between deployments. */
  prefix?: string;
  /** How long the first connection may take before the start fails (default 5 000 ms). */
  connectTimeoutMs?: number;
  /** Longest reconnection delay (default 5 000 ms). */
  maxReconnectDelayMs?: number;
}

/** Full-jitter exponential backoff for reconnection: up to 100 ms × 2^n, capped. */
export function reconnectDelay(retries: number, maxMs: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(maxMs, 100 * 2 ** Math.min(retries, 16)));
}

/** The node-redis versions the engine is built and tested with (the gateway package's peer range). */
export const REDIS_RANGE = '^6.3.1';

/** Loaded at first use: `redis` is an optional peer dependency, installed only by gateways that use Redis. */
export async function loadRedis(): Promise<typeof import('redis')> {
  try {
    return await import('redis');
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (code === 'ERR_MODULE_NOT_FOUND' && String(message).includes("'redis'"))
      throw new Error(`the Redis engine needs the \`redis\` package: npm install redis@${REDIS_RANGE}`);
    throw error;
  }
}

/**
 * Connects one client. Its `error` events are logged once per outage (node-redis emits one per failed retry).
 * @throws Error when the first connection does not succeed within `connectTimeoutMs`
 */
export async function connectRedis(options: RedisOptions, logger: Logger, role: string): Promise<RedisClient> {
  const maxDelay = options.maxReconnectDelayMs ?? 5000;
  const { createClient } = await loadRedis();
  const client: RedisClient = createClient({
    url: options.url ?? 'redis://127.0.0.1:6379',
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 5000,
      reconnectStrategy: (retries: number) => reconnectDelay(retries, maxDelay),
    },
  });
  let reported = false;
  client.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    logger.warn('Redis', `${role} connection lost, reconnecting:`, { error: error.message });
  });
  client.on('ready', () => {
    if (reported) logger.info('Redis', `${role} connection restored`);
    reported = false;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis unreachable at ${options.url ?? 'redis://127.0.0.1:6379'}`)),
      options.connectTimeoutMs ?? 5000,
    );
  });
  const connecting = client.connect();
  connecting.catch(() => {}); // the race below reports it; never an unhandled rejection after a timeout
  try {
    await Promise.race([connecting, timeout]);
  } catch (error) {
    client.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return client;
}
