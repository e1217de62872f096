-- Pin one version for ARGV[2] ms on behalf of holder ARGV[1]: a ZSET per version of holder ->
-- expiry (Redis's own clock, so processes on other hosts agree). The key itself expires too, so a
-- crashed holder leaves nothing behind for long.
-- KEYS: 1 pin zset; ARGV: 1 holder, 2 ttl ms
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left < 2 * ttl then redis.call('PEXPIRE', KEYS[1], 2 * ttl) end
return 1
