-- Store one finished result chunk and move the job's progress past it, in one step: after a
-- worker crash the job resumes at `doneChunks`, and no chunk is counted that was not stored. Refused
-- (0) unless the job is running, so a cancelled job gets no more results.
-- KEYS: 1 job hash, 2 result chunk; ARGV: 1 chunk bytes, 2 ttl ms, 3 doneChunks, 4 processed, 5 updatedAt
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('HSET', KEYS[1], 'doneChunks', ARGV[3], 'processed', ARGV[4], 'updatedAt', ARGV[5])
redis.call('HINCRBY', KEYS[1], 'chunkWrites', 1)
return 1
