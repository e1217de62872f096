-- Fixed window: the first hit creates the counter with the window as its TTL. Atomic in Redis, so
-- every API process sharing the Redis counts against the same number.
-- KEYS: 1 counter; ARGV: 1 window ms. Returns {count, ms until the window resets}.
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
