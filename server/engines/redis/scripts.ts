/**
 * The Lua scripts of the Redis engine. Each runs atomically in Redis, so sequence, history and publication can
 * never disagree between gateways (the approach of Centrifugo's Redis engine).
 *
 * Keys per topic share a hash tag (`{topic}`) so they land in one slot under Redis Cluster:
 * `<prefix>{<topic>}:meta` (hash: `seq`, `epoch`, and `from`, the seq a renewed epoch began at) and `<prefix>{<topic>}:hist` (list of entries).
 * An entry is `<seq>\n<msg frame JSON>`: gateways read the seq without parsing JSON, and forward the frame as is.
 */

/**
 * Publishes one message. KEYS: meta, hist, and the message's idempotency key when it has one (same slot: it
 * starts with the topic's hash tag). ARGV: topic, data JSON, ts (ms), history size, epoch candidate, channel,
 * publish command (`PUBLISH`, or `SPUBLISH` on a cluster, where the channel shares the keys' slot), the
 * idempotency window (ms), the keys' expiry (ms, 0: none; retention restarts with each publish). Returns
 * `{seq, epoch, duplicate (0|1)}`. A topic without meta (new, its history lost or expired) starts a new epoch. A key already present answers what it was published as, and publishes nothing: two
 * gateways that receive the same retry at once publish it once.
 */
export const PUBLISH_SCRIPT = `
if KEYS[3] then
  local prior = redis.call('GET', KEYS[3])
  if prior then
    local cut = string.find(prior, ':', 1, true)
    return {tonumber(string.sub(prior, 1, cut - 1)), string.sub(prior, cut + 1), 1}
  end
end
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
redis.call(ARGV[7], ARGV[6], entry)
if KEYS[3] then redis.call('SET', KEYS[3], seq .. ':' .. epoch, 'PX', ARGV[8]) end
if ARGV[9] ~= '0' then
  redis.call('PEXPIRE', KEYS[1], ARGV[9])
  redis.call('PEXPIRE', KEYS[2], ARGV[9])
end
return {seq, epoch, 0}
`;

/**
 * Reads what a subscriber needs (PROTOCOL.md §4). KEYS: meta, hist. ARGV: since (-1 for none), the client's
 * epoch ('' for none), epoch candidate, the keys' expiry (ms, 0: none; set only on the meta it creates, a read
 * does not extend retention). Returns `{seq, epoch, reset (0|1), entries}`.
 */
export const RESUME_SCRIPT = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[3]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
  redis.call('DEL', KEYS[2])
  if ARGV[4] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
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

/**
 * Checks a gateway's evidence about a topic against Redis after an outage, and says how its subscribers go on
 * (PROTOCOL.md §8). KEYS: meta, hist. ARGV: the epoch the gateway delivered, its last delivered seq, the SHA-1 (hex)
 * of the entry it delivered at that seq ('' for none; a digest, so gateways keep no payload), an epoch candidate,
 * '1' when Redis restarted or failed over since, the keys' expiry (ms, 0: none) for the epoch it renews.
 * Returns `{seq, epoch, verdict, entries}`:
 * - verdict 0, *continue*: the history still holds the gateway's last entry, unchanged (same SHA-1); `entries`
 *   follow it;
 * - verdict 1, *reset*: the gateway cannot go on from what it delivered; `entries` are the latest message as the
 *   epoch began (or as of now) and every message after it. The epoch is new when the history was lost or went
 *   back (a snapshot older than what was delivered), so that no client can mistake a new message for one it
 *   holds, and when Redis restarted and the history no longer holds the gateway's last entry to compare; it
 *   stays when the history is intact but no longer reaches back far enough (too much was published meanwhile) on
 *   a Redis that did not restart. A new epoch records in meta `from`, the seq it began at.
 */
export const RECOVER_SCRIPT = `
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local function since(first)
  local oldest = seq - redis.call('LLEN', KEYS[2]) + 1
  if first < oldest then first = oldest end
  if first < 1 then first = 1 end
  if first > seq then return {} end
  return redis.call('LRANGE', KEYS[2], first - seq - 1, -1)
end
local function renew()
  redis.call('HSET', KEYS[1], 'epoch', ARGV[4], 'from', seq)
  if ARGV[6] ~= '0' then
    redis.call('PEXPIRE', KEYS[1], ARGV[6])
    redis.call('PEXPIRE', KEYS[2], ARGV[6])
  end
  return {seq, ARGV[4], 1, since(seq)}
end
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  redis.call('DEL', KEYS[1], KEYS[2])
  seq = 0
  return renew()
end
if epoch ~= ARGV[1] then
  return {seq, epoch, 1, since(tonumber(redis.call('HGET', KEYS[1], 'from') or '0'))}
end
local last = tonumber(ARGV[2])
if last > seq then return renew() end
local oldest = seq - redis.call('LLEN', KEYS[2]) + 1
if last > 0 and last >= oldest then
  local held = redis.call('LINDEX', KEYS[2], last - seq - 1)
  if not held or redis.sha1hex(held) ~= ARGV[3] then return renew() end
elseif last > 0 and ARGV[5] == '1' then
  return renew()
elseif last < oldest - 1 then
  return {seq, epoch, 1, since(seq)}
end
if last == seq then return {seq, epoch, 0, {}} end
return {seq, epoch, 0, redis.call('LRANGE', KEYS[2], last - seq, -1)}
`;

/**
 * Moves one refused ingest-stream entry to the dead stream, bounded by count and by age. KEYS: the dead stream.
 * ARGV: its approximate MAXLEN, the retention (ms, '0': none), then the entry's fields and values. With a
 * retention, entries older than it (by their ids, i.e. Redis's clock) are trimmed, and the key expires that long
 * after its last write: a refused payload is gone less than twice the retention after it was written, however
 * rarely entries are refused. Returns the new id.
 */
export const BURY_SCRIPT = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 3))
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  local ms = tonumber(string.match(id, '^%d+'))
  if ms > ttl then redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d', ms - ttl)) end
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return id
`;
