/**
 * The Lua scripts of the Redis engine. Each runs atomically in Redis, so sequence, history and publication can
 * never disagree between gateways (the approach of Centrifugo's Redis engine).
 *
 * Keys per topic share a hash tag (`{topic}`) so they land in one slot under Redis Cluster:
 * `<prefix>{<topic>}:meta` (hash: `seq`, `epoch`) and `<prefix>{<topic>}:hist` (list of entries).
 * An entry is `<seq>\n<msg frame JSON>`: gateways read the seq without parsing JSON, and forward the frame as is.
 */

/**
 * Publishes one message. KEYS: meta, hist. ARGV: topic, data JSON, ts (ms), history size, epoch candidate,
 * channel. Returns `{seq, epoch}`. A topic without meta (new, or its history lost) starts a new epoch.
 */
export const PUBLISH_SCRIPT = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[5]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
  redis.call('DEL', KEYS[2])
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local entry = seq .. '\\n{"type":"msg","topic":"' .. ARGV[1] .. '","seq":' .. seq .. ',"ts":' .. ARGV[3] .. ',"data":' .. ARGV[2] .. '}'
redis.call('RPUSH', KEYS[2], entry)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)
redis.call('PUBLISH', ARGV[6], entry)
return {seq, epoch}
`;

/**
 * Reads what a subscriber needs (PROTOCOL.md §4). KEYS: meta, hist. ARGV: since (-1 for none), the client's
 * epoch ('' for none), epoch candidate. Returns `{seq, epoch, reset (0|1), entries}`.
 */
export const RESUME_SCRIPT = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[3]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
  redis.call('DEL', KEYS[2])
end
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local since = tonumber(ARGV[1])
if since < 0 then return {seq, epoch, 0, redis.call('LRANGE', KEYS[2], -1, -1)} end
local oldest = seq - redis.call('LLEN', KEYS[2]) + 1
if (ARGV[2] ~= '' and ARGV[2] ~= epoch) or since > seq or since < oldest - 1 then
  return {seq, epoch, 1, redis.call('LRANGE', KEYS[2], -1, -1)}
end
if since == seq then return {seq, epoch, 0, {}} end
return {seq, epoch, 0, redis.call('LRANGE', KEYS[2], since - seq, -1)}
`;

/** Extends a lease held by this owner. KEYS: lease. ARGV: owner, ttl ms. Returns 1 if still held. */
export const RENEW_LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** Gives an existing topic a new epoch (after a Redis restart). KEYS: meta. ARGV: the new epoch. */
export const BUMP_EPOCH_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'epoch', ARGV[1]) end
return 0
`;
