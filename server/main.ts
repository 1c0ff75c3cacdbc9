#!/usr/bin/env node
/**
 * `rt-gateway` (the gateway package's bin; `npm start` in the repository): the reference gateway, configured from
 * its flags and the environment. `cli` below lists both; `rt-gateway --help` prints them.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { startDemoPublisher } from './demo/publisher.js';
import { createGateway, dashboardRoots, type Gateway } from './gateway.js';
import type { FanoutResult } from './delivery/hub.js';
import type { PublishResult } from './engines/engine.js';
import { KeyRing, readKeyFile, watchKeyFile } from './admission/keyring.js';
import { createLogger, LogLevel, type LogLevelName } from './ops/log.js';
import { defineCommand, helpText, parseCommandLine, wantsHelp, type Parsed } from './cli/args.js';
import { redisFromEnv } from './cli/redis-env.js';
import { isPiiPolicy, type PiiPolicy } from './contracts/pii-guard.js';
import { PublisherKeys, readPublisherKeyFile, watchPublisherKeyFile } from './publish/publisher-keys.js';

const cli = defineCommand({
  name: 'rt-gateway',
  summary: 'runs the Lydian Realtime gateway: WebSocket and SSE endpoints, /health, /rt/stats and /metrics.',
  usage: ['rt-gateway [--demo] [--port <n>] [--host <address>]'],
  flags: {
    demo: {
      type: 'boolean',
      default: false,
      help: 'the dashboard at /, an open ticket endpoint (never in production), a publisher',
    },
    port: { type: 'string', value: '<n>', defaultHelp: '$PORT, else 3100', help: 'port to listen on (0: a free one)' },
    host: { type: 'string', value: '<address>', defaultHelp: '$HOST, else 127.0.0.1', help: 'address to listen on' },
  },
  env: {
    WS_HMAC_SECRET: 'the ticket secret (required outside demo mode, unless WS_HMAC_KEYS_FILE)',
    WS_HMAC_KID: "the secret's key id",
    WS_HMAC_KEYS_FILE: 'a key ring {"keys":[{"kid","secret"},…]} (current first), reloaded on change and SIGHUP',
    RT_DEMO: '1: demo mode, as --demo',
    RT_DEMO_INTERVAL_MS: 'demo publisher pace (default 2000)',
    RT_ALLOWED_ORIGINS: 'comma-separated origin allowlist (default: any)',
    RT_HISTORY_SIZE: 'messages kept per topic (default 100)',
    RT_PII_POLICY:
      'personal data in payloads of topics without a policy of their own: off, warn (default), redact or refuse',
    RT_HISTORY_TTL:
      "seconds a topic's history and latest message outlive its last publish (default 7776000 = 90 days; 0 = for ever)",
    REDIS_URL:
      'share sequence, history, fanout and nonces with other gateways (npm install redis); a comma-separated list: Cluster nodes',
    REDIS_CLUSTER_NODES:
      'run on a Redis Cluster (7+, sharded Pub/Sub) reached through these host:port nodes, comma-separated',
    RT_REDIS_PREFIX: "prefix of the gateway's Redis keys and channels (default rt:)",
    RT_INGEST_STREAM: 'off: do not read the ingest stream <prefix>ingest (Redis; PROTOCOL.md §10.5)',
    RT_INGEST_CLAIM_IDLE_MS:
      'ms an ingest-stream entry stays pending with a gateway before another claims it (default 15000)',
    'RT_TLS_CERT, RT_TLS_KEY': 'PEM files: serve https and wss',
    RT_STATS_TOKEN: 'bearer token required by /rt/stats and /metrics',
    RT_ADMIN_TOKEN: 'turns the admin API on (/rt/admin/disconnect, /rt/admin/revoke) for this bearer token',
    RT_PUBLISH_KEYS_FILE:
      'turns the publish API on (POST /rt/publish): publisher keys {"keys":[{"id","secret","topics"},…]}, reloaded on change and SIGHUP',
    RT_PUBLISH_DEDUPE_WINDOW: 'seconds an idempotency key is remembered per topic (default 86400)',
    RT_MAX_CONNECTION_AGE: "seconds a connection's authority lasts without a refresh (default 86400; 0 = no cap)",
    RT_CLIENT_IP_HEADER: 'behind a proxy: the header holding the client address (e.g. x-real-ip)',
    RT_AUDIT_DIR: 'write the attested audit log here (RT_AUDIT_RETENTION_DAYS, default 90)',
    LOG_LEVEL: 'silent, error, warn, info (default) or debug',
  },
  examples: ['rt-gateway --demo', 'WS_HMAC_SECRET="$(openssl rand -hex 32)" rt-gateway --port 3100'],
  notes: 'Exit codes: 0 stopped by SIGTERM or SIGINT after draining, 1 cannot start, 2 usage.',
});

const argv = process.argv.slice(2);
if (wantsHelp(argv)) {
  process.stdout.write(helpText(cli));
  process.exit(0);
}
let flags: Parsed<typeof cli.flags>['values'];
try {
  flags = parseCommandLine(cli, argv).values;
  // A bad flag value is a usage error too (exit 2), found before anything starts.
  if (flags.port !== undefined && !/^\d+$/.test(flags.port)) throw new Error('--port must be a non-negative integer');
} catch (error) {
  process.stderr.write(`rt-gateway: ${(error as Error).message} (see rt-gateway --help)\n`);
  process.exit(2);
}

const env = process.env;
const demo = flags.demo || env['RT_DEMO'] === '1';
const levelName = env['LOG_LEVEL'] ?? 'info';
const logLevel: LogLevelName = levelName in LogLevel ? (levelName as LogLevelName) : 'info';
const logger = createLogger(logLevel);

function numberFromEnv(name: string, fallback: number, raw = env[name]): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  // Safe once a caller turns seconds into ms (RT_HISTORY_TTL): a value past that is a typo, not a wish.
  if (!Number.isInteger(value) || value < 0 || value * 1000 > Number.MAX_SAFE_INTEGER) {
    logger.error('Gateway', `${name} must be a non-negative integer`);
    process.exit(1);
  }
  return value;
}

/** RT_PII_POLICY, checked (warn when unset). */
function piiPolicyFromEnv(): PiiPolicy {
  const raw = env['RT_PII_POLICY'];
  if (raw === undefined || raw === '') return 'warn';
  if (isPiiPolicy(raw)) return raw;
  logger.error('Gateway', 'RT_PII_POLICY must be off, warn, redact or refuse');
  process.exit(1);
}

/** The signing keys: a key file (rotation), else WS_HMAC_SECRET, else (demo only) a random secret. */
async function loadKeys(): Promise<KeyRing> {
  const file = env['WS_HMAC_KEYS_FILE'];
  if (file) {
    const ring = new KeyRing(await readKeyFile(file));
    watchKeyFile(file, ring, logger);
    return ring;
  }
  const secret = env['WS_HMAC_SECRET'];
  if (secret) return new KeyRing([{ kid: env['WS_HMAC_KID'] || undefined, secret }]);
  if (!demo) throw new Error('WS_HMAC_SECRET or WS_HMAC_KEYS_FILE is required (or run in demo mode with --demo)');
  logger.warn(
    'Gateway',
    'Demo mode without WS_HMAC_SECRET: using a random per-process secret; tickets come from /rt/ticket',
  );
  return new KeyRing([{ secret: randomBytes(32).toString('hex') }]);
}

/** The publisher keys of `RT_PUBLISH_KEYS_FILE`, watched; none when unset (the publish API is off). */
async function loadPublisherKeys(): Promise<PublisherKeys | undefined> {
  const file = env['RT_PUBLISH_KEYS_FILE'];
  if (!file) return undefined;
  const publisherKeys = new PublisherKeys(await readPublisherKeyFile(file));
  watchPublisherKeyFile(file, publisherKeys, logger);
  logger.info('Publish', 'Publish API on (POST /rt/publish):', { ids: publisherKeys.ids.join(',') });
  return publisherKeys;
}

let keys: KeyRing;
let publishKeys: PublisherKeys | undefined;
try {
  keys = await loadKeys();
  publishKeys = await loadPublisherKeys();
} catch (error) {
  logger.error('Gateway', error instanceof Error ? error.message : 'cannot load keys');
  process.exit(1);
}
const ipHeader = env['RT_CLIENT_IP_HEADER']?.toLowerCase();
/** Behind a proxy: the first address in the header it sets; the peer address when the header is absent. */
const clientIp = ipHeader
  ? (req: IncomingMessage) => {
      const value = req.headers[ipHeader];
      const first = (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
      return first || (req.socket.remoteAddress ?? 'unknown');
    }
  : undefined;
const tlsCert = env['RT_TLS_CERT'];
const tlsKey = env['RT_TLS_KEY'];

const allowedOrigins = env['RT_ALLOWED_ORIGINS']
  ?.split(',')
  .map((o) => o.trim())
  .filter(Boolean);
const redis = redisFromEnv(env);
let gateway: Gateway<FanoutResult | Promise<PublishResult>>;
try {
  gateway = await createGateway({
    keys,
    ...(tlsCert && tlsKey ? { tls: { cert: readFileSync(tlsCert), key: readFileSync(tlsKey) } } : {}),
    ...(env['RT_STATS_TOKEN'] ? { statsToken: env['RT_STATS_TOKEN'] } : {}),
    ...(env['RT_ADMIN_TOKEN'] ? { adminToken: env['RT_ADMIN_TOKEN'] } : {}),
    ...(publishKeys ? { publishKeys } : {}),
    idempotencyWindowMs: (numberFromEnv('RT_PUBLISH_DEDUPE_WINDOW', 86_400) || 86_400) * 1000,
    maxConnectionAgeMs: numberFromEnv('RT_MAX_CONNECTION_AGE', 86_400) * 1000,
    ...(clientIp ? { clientIp } : {}),
    ...(env['RT_AUDIT_DIR']
      ? { audit: { dir: env['RT_AUDIT_DIR'], retentionDays: numberFromEnv('RT_AUDIT_RETENTION_DAYS', 90) } }
      : {}),
    ...(allowedOrigins?.length ? { allowedOrigins } : {}),
    port: numberFromEnv(flags.port === undefined ? 'PORT' : '--port', 3100, flags.port ?? env['PORT']),
    host: flags.host || env['HOST'] || '127.0.0.1',
    historySize: numberFromEnv('RT_HISTORY_SIZE', 100) || 1,
    piiPolicy: piiPolicyFromEnv(),
    historyTtlMs: numberFromEnv('RT_HISTORY_TTL', 90 * 24 * 60 * 60) * 1000,
    ...(redis ? { redis } : {}),
    demo,
    logger,
  });
} catch (error) {
  // A port in use, a missing `redis` package, Redis unreachable: one line, no stack trace.
  logger.error('Gateway', `cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const stopPublisher = demo
  ? startDemoPublisher(gateway.fanout, { intervalMs: numberFromEnv('RT_DEMO_INTERVAL_MS', 2000) || 2000 })
  : () => {};
if (demo) {
  // Advertise the dashboard only when its files are there (a package built without them serves 404 at /).
  const roots = dashboardRoots();
  const missing = [join(roots['/'] as string, 'index.html'), join(roots['/dist/'] as string, 'rt-elements.js')].filter(
    (file) => !existsSync(file),
  );
  if (missing.length === 0)
    logger.info('Gateway', `Demo dashboard: ${gateway.url}/  (tickets: ${gateway.url}/rt/ticket?scopes=ops.admin)`);
  else
    logger.warn('Gateway', `Demo dashboard not available (missing ${missing.join(', ')}: run npm run build)`, {
      tickets: `${gateway.url}/rt/ticket?scopes=ops.admin`,
    });
}

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info('Gateway', `${signal}: draining`);
  stopPublisher();
  gateway.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
