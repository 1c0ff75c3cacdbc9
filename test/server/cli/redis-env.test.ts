import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redisFromEnv } from '../../../server/cli/redis-env.js';

describe('rt-gateway Redis settings from the environment', () => {
  it('runs in memory when no Redis variable is set', () => {
    assert.equal(redisFromEnv({}), undefined);
  });

  it('takes one REDIS_URL as a single server, with the prefix', () => {
    assert.deepEqual(redisFromEnv({ REDIS_URL: 'redis://r:6379', RT_REDIS_PREFIX: 'stg:' }), {
      url: 'redis://r:6379',
      prefix: 'stg:',
    });
  });

  it('takes a REDIS_URL list or REDIS_CLUSTER_NODES as Cluster nodes, host:port or URLs', () => {
    const expected = { clusterNodes: ['redis://a:7000', 'redis://b:7001'], prefix: 'rt:' };
    assert.deepEqual(redisFromEnv({ REDIS_URL: 'redis://a:7000, redis://b:7001' }), expected);
    assert.deepEqual(redisFromEnv({ REDIS_CLUSTER_NODES: 'a:7000,b:7001,' }), expected);
    assert.deepEqual(redisFromEnv({ REDIS_CLUSTER_NODES: 'a:7000,b:7001', REDIS_URL: 'redis://c:6379' }), expected);
  });
});
