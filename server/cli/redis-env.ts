/**
 * The Redis settings of `rt-gateway` from its environment: `REDIS_URL` (one server, or a comma-separated list of
 * Cluster nodes) or `REDIS_CLUSTER_NODES` (`host:port` or URLs, comma-separated), and `RT_REDIS_PREFIX`.
 */
import type { RedisEngineOptions } from '../engines/redis/engine.js';

/** The engine's Redis options, or undefined when neither variable is set (the in-memory engine). */
export function redisFromEnv(env: Readonly<Record<string, string | undefined>>): RedisEngineOptions | undefined {
  const prefix = env['RT_REDIS_PREFIX'] || 'rt:';
  const url = env['REDIS_URL']?.trim() ?? '';
  const listed = env['REDIS_CLUSTER_NODES'] || (url.includes(',') ? url : '');
  const nodes = listed
    .split(',')
    .map((node) => node.trim())
    .filter(Boolean)
    .map((node) => (node.includes('://') ? node : `redis://${node}`));
  if (nodes.length > 0) return { clusterNodes: nodes, prefix };
  return url ? { url, prefix } : undefined;
}
