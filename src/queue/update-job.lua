#!lua flags=allow-oom
-- allow-oom: a job's record must reach its final status even when Redis is at maxmemory (the
-- write is tiny); otherwise it would read `running` for a job no worker holds any more.
-- HSET the given fields unless the job is in a terminal status (terminal states are sticky, so a
-- late progress update can never resurrect a cancelled job). Returns {applied, ...HGETALL}:
-- applied is 1, or 0 when the job was terminal; {-1} when there is no such job.
-- KEYS: 1 job hash; ARGV: field, value, field, value...
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {-1} end
if st == 'succeeded' or st == 'failed' or st == 'cancelled' then
  local all = redis.call('HGETALL', KEYS[1])
  table.insert(all, 1, 0)
  return all
end
redis.call('HSET', KEYS[1], unpack(ARGV))
local all = redis.call('HGETALL', KEYS[1])
table.insert(all, 1, 1)
return all
