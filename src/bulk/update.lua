-- HSET the given fields of a bulk job's record unless the job is terminal (succeeded, failed and
-- cancelled are sticky: a late write never resurrects a cancelled job). Returns {applied, ...HGETALL}
-- (applied 1, or 0 when terminal); {-1} when there is no such job.
-- KEYS: 1 job hash; ARGV: field, value, field, value...
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {-1} end
local applied = 0
if st ~= 'succeeded' and st ~= 'failed' and st ~= 'cancelled' then
  redis.call('HSET', KEYS[1], unpack(ARGV))
  applied = 1
end
local all = redis.call('HGETALL', KEYS[1])
table.insert(all, 1, applied)
return all
