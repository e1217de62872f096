-- Part of the registry's atomic changes: a reader never sees a half-published version and a
-- cancelled job never publishes.
-- Publish a staged artefact as the next version.
-- KEYS: 1 model hash, 2 versions zset, 3 models set, 4 staging key, 5 job record (may be a dummy), 6 model channel
-- ARGV: 1 model, 2 key prefix, 3 jobId ('' when none), 4 meta JSON, 5 checksum, 6 createdAt ISO
-- Returns {status, version}: 2 published, 1 already published by this job (idempotent retry),
-- 0 refused because the job was cancelled, -1 staging artefact missing.
local jobId = ARGV[3]
if jobId ~= '' then
  local existing = redis.call('HGET', KEYS[5], 'version')
  if existing and existing ~= '' then
    redis.call('DEL', KEYS[4])
    return {1, tonumber(existing)}
  end
  local st = redis.call('HGET', KEYS[5], 'status')
  if redis.call('HGET', KEYS[5], 'cancelRequested') == '1' or st == 'cancelled' then
    redis.call('DEL', KEYS[4])
    return {0, 0}
  end
end
if redis.call('EXISTS', KEYS[4]) == 0 then return {-1, 0} end
local model = ARGV[1]
local base = ARGV[2] .. ':model:' .. model
local v = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local art = base .. ':artefact:' .. v
redis.call('RENAME', KEYS[4], art)
redis.call('PERSIST', art)
redis.call('HSET', base .. ':v:' .. v, 'meta', ARGV[4], 'checksum', ARGV[5], 'createdAt', ARGV[6], 'jobId', jobId)
redis.call('ZADD', KEYS[2], v, v)
redis.call('HSET', KEYS[1], 'latest', v, 'updatedAt', ARGV[6])
-- A new version moves `latest` on its own: a canary and a shadow were set against the old `latest`
-- (what a canary is tried beside, what a shadow is compared with), so they end here, and with them
-- the shadow's report.
redis.call('HDEL', KEYS[1], 'canary', 'canaryPercent', 'shadow', 'shadowSince')
redis.call('DEL', base .. ':shadow')
redis.call('SADD', KEYS[3], model)
if jobId ~= '' then
  redis.call('HSET', KEYS[5], 'version', v, 'status', 'succeeded', 'finishedAt', ARGV[6], 'updatedAt', ARGV[6])
end
redis.call('PUBLISH', KEYS[6], cjson.encode({event = 'published', model = model, version = v, latest = v}))
return {2, v}
