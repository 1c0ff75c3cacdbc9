#!/usr/bin/env node
/**
 * `npm start`: the reference gateway from the environment.
 *
 * | variable | default | |
 * |---|---|---|
 * | `PORT` / `HOST` | `3100` / `127.0.0.1` | where to listen |
 * | `WS_HMAC_SECRET` | required outside demo mode | the ticket secret |
 * | `WS_HMAC_KID` | none | the secret's key id |
 * | `RT_DEMO=1` or `--demo` | off | demo ticket endpoint, dashboard, synthetic publisher |
 * | `RT_DEMO_INTERVAL_MS` | `2000` | demo publisher pace |
 * | `RT_ALLOWED_ORIGINS` | any | comma-separated origin allowlist |
 * | `RT_HISTORY_SIZE` | `100` | messages kept per topic |
 * | `REDIS_URL` | none (in memory) | share sequence, history, fanout and nonces with other gateways |
 * | `RT_REDIS_PREFIX` | `rt:` | prefix of the gateway's Redis keys and channels |
 * | `LOG_LEVEL` | `info` | `silent`, `error`, `warn`, `info` or `debug` (fanout lines) |
 */
import { randomBytes } from 'node:crypto';
import { startDemoPublisher } from './demo-publisher.js';
import { createGateway } from './gateway.js';
import { createLogger, LogLevel, type LogLevelName } from './log.js';

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

let secret = env['WS_HMAC_SECRET'];
if (!secret) {
  if (!demo) {
    logger.error('Gateway', 'WS_HMAC_SECRET is required (or run in demo mode with --demo)');
    process.exit(1);
  }
  secret = randomBytes(32).toString('hex');
  logger.warn('Gateway', 'Demo mode without WS_HMAC_SECRET: using a random per-process secret; tickets come from /rt/ticket');
}

const allowedOrigins = env['RT_ALLOWED_ORIGINS']?.split(',').map((o) => o.trim()).filter(Boolean);
const gateway = await createGateway({
  secret,
  ...(env['WS_HMAC_KID'] ? { kid: env['WS_HMAC_KID'] } : {}),
  ...(allowedOrigins?.length ? { allowedOrigins } : {}),
  port: numberFromEnv('PORT', 3100),
  host: env['HOST'] || '127.0.0.1',
  historySize: numberFromEnv('RT_HISTORY_SIZE', 100) || 1,
  ...(env['REDIS_URL'] ? { redis: { url: env['REDIS_URL'], prefix: env['RT_REDIS_PREFIX'] || 'rt:' } } : {}),
  demo,
  logger,
});

const stopPublisher = demo ? startDemoPublisher(gateway.fanout, { intervalMs: numberFromEnv('RT_DEMO_INTERVAL_MS', 2000) || 2000 }) : () => {};
if (demo) logger.info('Gateway', `Demo dashboard: ${gateway.url}/  (tickets: ${gateway.url}/rt/ticket?scopes=ops.admin)`);

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
