#!/usr/bin/env node
/**
 * `npm start`: the reference gateway from the environment.
 *
 * | variable | default | |
 * |---|---|---|
 * | `PORT` / `HOST` | `3100` / `127.0.0.1` | where to listen |
 * | `WS_HMAC_SECRET` | required outside demo mode (or a key file) | the ticket secret |
 * | `WS_HMAC_KID` | none | the secret's key id |
 * | `WS_HMAC_KEYS_FILE` | none | a key ring `{"keys":[{"kid","secret"},…]}` (current first), reloaded when it changes and on SIGHUP |
 * | `RT_DEMO=1` or `--demo` | off | demo ticket endpoint, dashboard, synthetic publisher |
 * | `RT_DEMO_INTERVAL_MS` | `2000` | demo publisher pace |
 * | `RT_ALLOWED_ORIGINS` | any | comma-separated origin allowlist |
 * | `RT_HISTORY_SIZE` | `100` | messages kept per topic |
 * | `REDIS_URL` | none (in memory) | share sequence, history, fanout and nonces with other gateways |
 * | `RT_REDIS_PREFIX` | `rt:` | prefix of the gateway's Redis keys and channels |
 * | `RT_TLS_CERT` / `RT_TLS_KEY` | none | PEM files: serve `https`/`wss` |
 * | `RT_STATS_TOKEN` | none | bearer token required by `/rt/stats` and `/metrics` |
 * | `RT_CLIENT_IP_HEADER` | none (the socket's peer) | behind a proxy: the header it sets to the client address (e.g. `x-real-ip`), for rate limits |
 * | `RT_AUDIT_DIR` | none | write the attested audit log (JSON lines, one file per day) here |
 * | `RT_AUDIT_RETENTION_DAYS` | `90` | audit files older than this are deleted |
 * | `LOG_LEVEL` | `info` | `silent`, `error`, `warn`, `info` or `debug` (fanout lines) |
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { startDemoPublisher } from './demo/publisher.js';
import { createGateway } from './gateway.js';
import { KeyRing, readKeyFile, watchKeyFile } from './admission/keyring.js';
import { createLogger, LogLevel, type LogLevelName } from './ops/log.js';

const env = process.env;
const demo = process.argv.includes('--demo') || env['RT_DEMO'] === '1';
const levelName = env['LOG_LEVEL'] ?? 'info';
const logLevel: LogLevelName = levelName in LogLevel ? (levelName as LogLevelName) : 'info';
const logger = createLogger(logLevel);

function numberFromEnv(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    logger.error('Gateway', `${name} must be a non-negative integer`);
    process.exit(1);
  }
  return value;
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

let keys: KeyRing;
try {
  keys = await loadKeys();
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
const gateway = await createGateway({
  keys,
  ...(tlsCert && tlsKey ? { tls: { cert: readFileSync(tlsCert), key: readFileSync(tlsKey) } } : {}),
  ...(env['RT_STATS_TOKEN'] ? { statsToken: env['RT_STATS_TOKEN'] } : {}),
  ...(clientIp ? { clientIp } : {}),
  ...(env['RT_AUDIT_DIR']
    ? { audit: { dir: env['RT_AUDIT_DIR'], retentionDays: numberFromEnv('RT_AUDIT_RETENTION_DAYS', 90) } }
    : {}),
  ...(allowedOrigins?.length ? { allowedOrigins } : {}),
  port: numberFromEnv('PORT', 3100),
  host: env['HOST'] || '127.0.0.1',
  historySize: numberFromEnv('RT_HISTORY_SIZE', 100) || 1,
  ...(env['REDIS_URL'] ? { redis: { url: env['REDIS_URL'], prefix: env['RT_REDIS_PREFIX'] || 'rt:' } } : {}),
  demo,
  logger,
});

const stopPublisher = demo
  ? startDemoPublisher(gateway.fanout, { intervalMs: numberFromEnv('RT_DEMO_INTERVAL_MS', 2000) || 2000 })
  : () => {};
if (demo)
  logger.info('Gateway', `Demo dashboard: ${gateway.url}/  (tickets: ${gateway.url}/rt/ticket?scopes=ops.admin)`);

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
