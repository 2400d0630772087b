-- Reads a partition's counts of the hours from ARGV[1] on:
-- {field, n, field, n, ...}.
local B = KEYS[1]
local out = {}
for _, hour in ipairs(redis.call('ZRANGEBYSCORE', B .. ':c', ARGV[1], '+inf')) do
  local all = redis.call('HGETALL', B .. ':c:' .. hour)
  for i = 1, #all do out[#out + 1] = all[i] end
end
return out
