import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as server from '../../server/index.js';

/**
 * The runtime names of `@lydian/realtime-gateway`. An internal that slips into `server/index.ts` fails here:
 * adding a name to the public API is a decision, made by editing this list too.
 */
const PUBLIC_NAMES = [
  'AuditLog',
  'KeyRing',
  'MemoryNonceStore',
  'PayloadRefused',
  'PublishError',
  'PublisherKeys',
  'RATE_LIMIT_DEFAULTS',
  'SEED_TOPICS',
  'configureRealtime',
  'createGateway',
  'createLogger',
  'createNonce',
  'createPublisher',
  'createPublishHandler',
  'createSSEHandler',
  'disconnect',
  'fanout',
  'formatProblem',
  'getStats',
  'issueTicket',
  'pruneAuditDir',
  'rbacHas',
  'readKeyFile',
  'readPublisherKeyFile',
  'redact',
  'registerTopic',
  'revoke',
  'sign',
  'signPublishRequest',
  'startWebSocketServer',
  'subjectDigest',
  'verifyAuditLog',
  'verifyHMAC',
  'verifyTicket',
  'watchKeyFile',
  'watchPublisherKeyFile',
];

describe('the public server API', () => {
  it('exports exactly the deliberate names, no internals', () => {
    assert.deepEqual(Object.keys(server).sort(), [...PUBLIC_NAMES].sort());
  });

  it('keeps the gateway internals out', () => {
    for (const internal of [
      'Hub',
      'GatewayContext',
      'WebSocketEndpoint',
      'SseEndpoint',
      'TopicRegistry',
      'GatewayMetrics',
      'defaultContext',
      'MemoryEngine',
      'RedisEngine',
    ]) {
      assert.equal(internal in server, false, internal);
    }
  });
});
