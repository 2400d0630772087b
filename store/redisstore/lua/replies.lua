-- Reads replies: ARGV[1] 'session' with ARGV[2] the session id (in
-- recorded order), or 'recent' with ARGV[2] how many (newest recorded
-- first). Returns {seq, json, recorded} for each; a reply that expired
-- leaves the lists.
local B = KEYS[1]
local list, ids
if ARGV[1] == 'session' then
  list = B .. ':sr:' .. ARGV[2]
  ids = redis.call('ZRANGE', list, 0, -1, 'WITHSCORES')
else
  list = B .. ':rr'
  ids = redis.call('ZREVRANGE', list, 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
end
local out = {}
for i = 1, #ids, 2 do
  local j = redis.call('HGET', B .. ':rp:' .. ids[i], 'j')
  if j then
    out[#out + 1] = {ids[i], j, ids[i + 1]}
  else
    redis.call('ZREM', list, ids[i])
  end
end
return out
