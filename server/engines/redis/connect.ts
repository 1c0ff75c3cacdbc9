/**
 * Picks the Redis the engine runs on from its options: a Cluster when `clusterNodes` are given (or `url` lists
 * several nodes), a single server otherwise.
 */
import type { Logger } from '../../ops/log.js';
import type { RedisEngineOptions } from './engine.js';
import { SingleRedisLink, type RedisLink } from './link.js';

/** Connects to a single Redis or a Cluster. @throws Error when Redis cannot be reached in time */
export function connectLink(options: RedisEngineOptions, logger: Logger): Promise<RedisLink> {
  return SingleRedisLink.connect(options, logger);
}
