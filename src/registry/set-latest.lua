-- Point `latest` at an existing version.
-- KEYS: 1 model hash, 2 versions zset, 3 model channel; ARGV: 1 model, 2 version, 3 updatedAt
-- Returns 1, or -1 model missing, -2 version missing.
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then return -2 end
redis.call('HSET', KEYS[1], 'latest', ARGV[2], 'updatedAt', ARGV[3])
redis.call('PUBLISH', KEYS[3], cjson.encode({event = 'latest', model = ARGV[1], version = tonumber(ARGV[2]), latest = tonumber(ARGV[2])}))
return 1
