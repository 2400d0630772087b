-- Deletes a partition's counts of the hours before ARGV[1]; returns how
-- many counts went.
local B = KEYS[1]
local n = 0
for _, hour in ipairs(redis.call('ZRANGEBYSCORE', B .. ':c', '-inf', '(' .. ARGV[1])) do
  n = n + redis.call('HLEN', B .. ':c:' .. hour)
  redis.call('DEL', B .. ':c:' .. hour)
  redis.call('ZREM', B .. ':c', hour)
end
return n
