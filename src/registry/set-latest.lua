-- Point `latest` at an existing version, with the model's canary and shadow beside it: the whole
-- serving setup changes in one step (a call without a canary or a shadow clears them), and every
-- API process hears of it on the model channel.
-- KEYS: 1 model hash, 2 versions zset, 3 model channel, 4 shadow report hash
-- ARGV: 1 model, 2 version, 3 updatedAt, 4 canary version ('' none), 5 canary percent,
--       6 shadow version ('' none)
-- Returns 1, or -1 model missing, -2 version missing, -7 canary version missing, -8 shadow version missing.
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then return -2 end
local canary, shadow = ARGV[4], ARGV[6]
if canary ~= '' and not redis.call('ZSCORE', KEYS[2], canary) then return -7 end
if shadow ~= '' and not redis.call('ZSCORE', KEYS[2], shadow) then return -8 end
redis.call('HSET', KEYS[1], 'latest', ARGV[2], 'updatedAt', ARGV[3])
if canary ~= '' then
  redis.call('HSET', KEYS[1], 'canary', canary, 'canaryPercent', ARGV[5])
else
  redis.call('HDEL', KEYS[1], 'canary', 'canaryPercent')
end
-- Every setting of a shadow starts a fresh report, told apart by its run number (which only counts
-- up): counts an API process adds late for an earlier run are dropped (shadow-record.lua).
redis.call('DEL', KEYS[4])
if shadow ~= '' then
  local run = redis.call('HINCRBY', KEYS[1], 'shadowRun', 1)
  redis.call('HSET', KEYS[1], 'shadow', shadow, 'shadowSince', ARGV[3])
  redis.call('HSET', KEYS[4], 'run', run, 'version', shadow, 'since', ARGV[3])
else
  redis.call('HDEL', KEYS[1], 'shadow', 'shadowSince')
end
redis.call('PUBLISH', KEYS[3], cjson.encode({event = 'latest', model = ARGV[1], version = tonumber(ARGV[2]), latest = tonumber(ARGV[2])}))
return 1
