-- Claims up to ARGV[3] visitors of a partition whose earliest wakeup is
-- at or before ARGV[1] (µs), until ARGV[2]; a visitor whose state has
-- expired leaves the index. Returns the ids, then the earliest score left
-- after now ('' when none).
local B = KEYS[1]
local out = {}
local due = redis.call('ZRANGEBYSCORE', B .. ':timers', '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(due) do
  if redis.call('EXISTS', B .. ':v:' .. id) == 1 then
    redis.call('ZADD', B .. ':timers', ARGV[2], id)
    out[#out + 1] = id
  else
    redis.call('ZREM', B .. ':timers', id)
  end
end
local next = redis.call('ZRANGEBYSCORE', B .. ':timers', '(' .. ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
return {out, next[2] or ''}
