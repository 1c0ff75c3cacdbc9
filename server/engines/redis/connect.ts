/**
 * Picks the Redis the engine runs on from its options: a Cluster when `clusterNodes` are given, a single server
 * otherwise.
 */
import type { Logger } from '../../ops/log.js';
import { ClusterRedisLink } from './cluster-link.js';
import type { RedisEngineOptions } from './engine.js';
import { SingleRedisLink, type RedisLink } from './link.js';

/** Connects to a single Redis or a Cluster. @throws Error when Redis cannot be reached in time */
export function connectLink(options: RedisEngineOptions, logger: Logger): Promise<RedisLink> {
  const nodes = options.clusterNodes ?? [];
  if (nodes.length > 0) return ClusterRedisLink.connect(nodes, options, logger);
  return SingleRedisLink.connect(options, logger);
}
