-- Delete one version unless `latest`, the canary or the shadow points to it, or an in-flight
-- request pins it (a pin whose expiry, Redis time in ms, has passed no longer counts: its holder died).
-- KEYS: 1 model hash, 2 versions zset, 3 version hash, 4 artefact, 5 model channel, 6 pin zset;
-- ARGV: 1 model, 2 version
-- Returns 1, or -1 model missing, -2 version missing, -3 in use (latest), -4 pinned, -5 the canary,
-- -6 the shadow.
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then return -2 end
if redis.call('HGET', KEYS[1], 'latest') == ARGV[2] then return -3 end
local routes = redis.call('HMGET', KEYS[1], 'canary', 'shadow')
if routes[1] == ARGV[2] then return -5 end
if routes[2] == ARGV[2] then return -6 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now)
if redis.call('ZCARD', KEYS[6]) > 0 then return -4 end
redis.call('DEL', KEYS[3], KEYS[4], KEYS[6])
redis.call('ZREM', KEYS[2], ARGV[2])
local latest = tonumber(redis.call('HGET', KEYS[1], 'latest'))
redis.call('PUBLISH', KEYS[5], cjson.encode({event = 'deleted', model = ARGV[1], version = tonumber(ARGV[2]), latest = latest}))
return 1
