-- Adds one API process's shadow counts to the model's shadow report, unless the report belongs to
-- another run by now (the shadow was changed or cleared after the counts were taken): then they
-- are dropped, so a report only ever counts the setup it was started for.
-- KEYS: 1 shadow report hash
-- ARGV: 1 run, 2 texts scored, 3 agreements, 4 texts skipped, then field/count pairs
--       ('served:<label>' and 'shadow:<label>')
-- Returns 1, or 0 when the counts were dropped.
if redis.call('HGET', KEYS[1], 'run') ~= ARGV[1] then return 0 end
redis.call('HINCRBY', KEYS[1], 'requests', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'agreements', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'skipped', ARGV[4])
for i = 5, #ARGV - 1, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
return 1
