/**
 * The Redis settings of `rt-gateway` from its environment: `REDIS_URL` (one server, or a comma-separated list of
 * Cluster nodes) or `REDIS_CLUSTER_NODES` (`host:port` or URLs, comma-separated), `RT_REDIS_PREFIX`, and the ingest
 * stream's `RT_INGEST_STREAM=off` and `RT_INGEST_CLAIM_IDLE_MS`.
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
  const stream = streamFromEnv(env);
  if (nodes.length > 0) return { clusterNodes: nodes, prefix, ...stream };
  return url ? { url, prefix, ...stream } : undefined;
}

/** The ingest stream's settings, only those set (a bad number is refused by the engine, at start). */
function streamFromEnv(env: Readonly<Record<string, string | undefined>>): Pick<RedisEngineOptions, 'stream'> {
  if (env['RT_INGEST_STREAM']?.trim().toLowerCase() === 'off') return { stream: false };
  const claimIdle = env['RT_INGEST_CLAIM_IDLE_MS']?.trim();
  return claimIdle ? { stream: { claimIdleMs: Number(claimIdle) } } : {};
}
