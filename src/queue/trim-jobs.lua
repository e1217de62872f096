-- Drops the oldest finished job records beyond `keep` (records of unfinished jobs stay).
-- KEYS: 1 all-jobs index; ARGV: 1 keep, 2 key prefix, 3 batch size. Returns records removed.
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[1])
if excess <= 0 then return 0 end
local ids = redis.call('ZRANGE', KEYS[1], 0, math.min(excess, tonumber(ARGV[3])) - 1)
local removed = 0
for _, id in ipairs(ids) do
  local key = ARGV[2] .. ':job:' .. id
  local st = redis.call('HGET', key, 'status')
  if (not st) or st == 'succeeded' or st == 'failed' or st == 'cancelled' then
    local model = redis.call('HGET', key, 'model')
    redis.call('DEL', key, key .. ':checkpoint', key .. ':history', key .. ':search')
    redis.call('ZREM', KEYS[1], id)
    if model then redis.call('ZREM', ARGV[2] .. ':jobs:model:' .. model, id) end
    removed = removed + 1
  end
end
return removed
