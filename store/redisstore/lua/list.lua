-- Reads the message records a sorted set lists (KEYS[1] the partition's
-- prefix, ARGV[1] the set's key after it), in order: {id, record, seq,
-- status} each; ids whose record has expired leave the set.
local B = KEYS[1]
local set = B .. ARGV[1]
local out = {}
for _, id in ipairs(redis.call('ZRANGE', set, 0, -1)) do
  local r = redis.call('HMGET', B .. ':m:' .. id, 'r', 'seq', 'st')
  if r[1] then
    out[#out + 1] = {id, r[1], r[2], r[3]}
  else
    redis.call('ZREM', set, id)
  end
end
return out
