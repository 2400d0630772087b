-- Ends a queued delivery: ARGV[1] is its id; ARGV[2] 'retry' (ARGV[3] its
-- new JSON, ARGV[4] its new due time), 'done', or 'dead' (ARGV[3] its
-- JSON with its give-up time, ARGV[4] how many dead letters to keep).
local B = KEYS[1]
local id = ARGV[1]
local raw = redis.call('HGET', B .. ':ob:d', id)
if not raw then return 'notfound' end
if ARGV[2] == 'retry' then
  redis.call('HSET', B .. ':ob:d', id, ARGV[3])
  redis.call('ZADD', B .. ':ob:due', ARGV[4], id)
  return 'ok'
end
local d = cjson.decode(raw)
redis.call('HDEL', B .. ':ob:d', id)
redis.call('ZREM', B .. ':ob:due', id)
if d.order and d.order ~= '' then redis.call('ZREM', B .. ':ob:line', d.url .. '\0' .. d.order .. '\0' .. id) end
if tonumber(redis.call('HINCRBY', B .. ':ob:n', d.url, -1)) <= 0 then redis.call('HDEL', B .. ':ob:n', d.url) end
redis.call('HINCRBY', B .. ':ob:n', '*', -1)
if ARGV[2] == 'dead' then
  redis.call('RPUSH', B .. ':dead', ARGV[3])
  redis.call('LTRIM', B .. ':dead', -math.max(tonumber(ARGV[4]), 1), -1)
  if tonumber(ARGV[4]) <= 0 then redis.call('DEL', B .. ':dead') end
end
return 'ok'
