-- Deletes up to 1000 of a partition's items of kind ARGV[1] whose expiry
-- day is before ARGV[2] and whose own time is before ARGV[3] (ns).
-- Returns how many it deleted and whether more may wait.
local B = KEYS[1]
local kind, cutoff = ARGV[1], tonumber(ARGV[3])
local index = B .. ':x:' .. kind
local ids = redis.call('ZRANGEBYSCORE', index, '-inf', '(' .. ARGV[2], 'LIMIT', 0, 1000)
local n = 0
for _, id in ipairs(ids) do
  if kind == 'v' then
    local seen = redis.call('HGET', B .. ':v:' .. id, 'seen')
    if seen and tonumber(seen) < cutoff then
      redis.call('DEL', B .. ':v:' .. id, B .. ':t:' .. id)
      redis.call('ZREM', B .. ':timers', id)
      n = n + 1
    end
  elseif kind == 'r' then
    local r = redis.call('HMGET', B .. ':rp:' .. id, 't', 'sid')
    if r[1] and tonumber(r[1]) < cutoff / 1000 then
      redis.call('DEL', B .. ':rp:' .. id)
      redis.call('ZREM', B .. ':rr', id)
      if r[2] ~= '' then redis.call('ZREM', B .. ':sr:' .. r[2], id) end
      n = n + 1
    end
  elseif kind == 't' then
    if redis.call('EXISTS', B .. ':v:' .. id) == 0 then redis.call('DEL', B .. ':t:' .. id) end
  elseif kind == 's' then
    n = n + redis.call('DEL', B .. ':s:' .. id)
  elseif kind == 'm' then
    local m = redis.call('HMGET', B .. ':m:' .. id, 'sent', 'vid', 'sid')
    if m[1] and tonumber(m[1]) < cutoff then
      redis.call('DEL', B .. ':m:' .. id)
      redis.call('ZREM', B .. ':q:' .. m[2], id)
      if m[3] ~= '' then redis.call('ZREM', B .. ':sm:' .. m[3], id) end
      n = n + 1
    end
  elseif kind == 'i' then
    local c = redis.call('HGET', B .. ':i:' .. id, 'c')
    if c and tonumber(c) < cutoff / 1000 then
      redis.call('DEL', B .. ':i:' .. id)
      n = n + 1
    end
  end
  redis.call('ZREM', index, id)
end
return {n, #ids == 1000 and 1 or 0}
