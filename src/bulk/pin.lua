-- Pin one version for a bulk job (holder ARGV[1]) for ARGV[2] ms, in the registry's pin set of the
-- version (the ZSET `pin.lua` of src/registry keeps: holder -> expiry in Redis time), which
-- delete-version.lua and retention respect. A bulk job needs its version for longer than a request
-- (queued, then running for minutes), so its holder entry lives longer; the set's own expiry is
-- raised to outlive it, never lowered.
-- KEYS: 1 pin zset; ARGV: 1 holder, 2 ttl ms
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left < 2 * ttl then redis.call('PEXPIRE', KEYS[1], 2 * ttl) end
return 1
