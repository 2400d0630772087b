-- Commits one partition's share of a batch, or nothing of it.
-- KEYS[1]: the partition's key prefix. ARGV[1]: the batch's header (JSON,
-- every number a string); ARGV[2..]: the blobs the header points at.
local B = KEYS[1]
local h = cjson.decode(ARGV[1])
local function blob(i) return ARGV[tonumber(i) + 1] end
local function n(s) return tonumber(s) end
local function expire(key, ttl) if ttl > 0 then redis.call('EXPIRE', key, ttl) end end

-- Refusals, before anything is written.
if h.u then
  if redis.call('HGET', B .. ':m:' .. h.u.id, 'r') ~= blob(h.u.old) then return {'changed', h.u.id} end
end
if h.fs then
  for _, v in ipairs(h.v) do
    local ver = redis.call('HGET', B .. ':v:' .. v.id, 'ver')
    if ver and n(ver) >= n(v.ver) then return {'conflict', v.id} end
  end
end
for _, i in ipairs(h.i) do
  if i.claim then
    local old = redis.call('HMGET', B .. ':i:' .. i.key, 'c', 'mid')
    if old[1] and old[2] ~= i.mid and n(i.created) - n(old[1]) < n(i.window) then
      return {'dup', 'Idempotency-Key ' .. i.key}
    end
  end
end
for _, m in ipairs(h.m) do
  if redis.call('EXISTS', B .. ':m:' .. m.id) == 1 then return {'dup', 'message ' .. m.id} end
end
local limit = n(h.ol)
if h.ad and limit > 0 then
  local need = {}
  for _, d in ipairs(h.d) do need[d.url] = (need[d.url] or 0) + 1 end
  for url, k in pairs(need) do
    local have = n(redis.call('HGET', B .. ':ob:n', url) or '0')
    if have + k > limit then return {'full', url} end
  end
end

local tv, tm, ti = n(h.ttl.v), n(h.ttl.m), n(h.ttl.i)
local stale = {}
for _, v in ipairs(h.v) do
  local k = B .. ':v:' .. v.id
  local old = redis.call('HMGET', k, 'ver', 'sid')
  if old[1] and n(old[1]) >= n(v.ver) then
    stale[#stale + 1] = v.id
  else
    redis.call('HSET', k, 'ver', v.ver, 'seen', v.seen, 'sid', v.sid, 'start', v.start, 'wk', v.wk, 'data', blob(v.data))
    expire(k, tv)
    expire(B .. ':t:' .. v.id, tv) -- its token record, if it has one, lives as long
    if v.sid ~= '' and v.sid ~= old[2] then
      redis.call('SET', B .. ':s:' .. v.sid, v.id)
      expire(B .. ':s:' .. v.sid, tv)
      redis.call('ZADD', B .. ':x:s', v.sday, v.sid)
    end
    if v.wake ~= '0' then
      redis.call('ZADD', B .. ':timers', v.wake, v.id)
    else
      redis.call('ZREM', B .. ':timers', v.id)
    end
    redis.call('ZADD', B .. ':x:v', v.day, v.id)
  end
end

local seqs = {}
for _, m in ipairs(h.m) do
  local seq = redis.call('INCR', B .. ':mseq')
  local k = B .. ':m:' .. m.id
  redis.call('HSET', k, 'r', blob(m.r), 'seq', seq, 'st', m.st, 'vid', m.vid, 'sid', m.sid, 'sent', m.sent)
  expire(k, tm)
  if m.sid ~= '' then
    redis.call('ZADD', B .. ':sm:' .. m.sid, seq, m.id)
    expire(B .. ':sm:' .. m.sid, tm)
  end
  if n(m.st) < n(h.dl) then
    local q = B .. ':q:' .. m.vid
    redis.call('ZADD', q, seq, m.id)
    if n(h.ql) > 0 then redis.call('ZREMRANGEBYRANK', q, 0, -(n(h.ql) + 1)) end
    expire(q, tm)
  end
  redis.call('ZADD', B .. ':x:m', m.day, m.id)
  seqs[#seqs + 1] = seq
end

local dropped, ids = 0, {}
for _, d in ipairs(h.d) do
  if limit > 0 and n(redis.call('HGET', B .. ':ob:n', d.url) or '0') >= limit then
    dropped = dropped + 1
    ids[#ids + 1] = ''
  else
    local id = d.id
    if id == '' then id = string.format('dlv_%020d', redis.call('INCR', B .. ':ob:seq')) end
    redis.call('HSET', B .. ':ob:d', id, blob(d.j))
    redis.call('ZADD', B .. ':ob:due', d.due, id)
    if d.order ~= '' then redis.call('ZADD', B .. ':ob:line', 0, d.url .. '\0' .. d.order .. '\0' .. id) end
    redis.call('HINCRBY', B .. ':ob:n', d.url, 1)
    redis.call('HINCRBY', B .. ':ob:n', '*', 1)
    ids[#ids + 1] = id
  end
end

local rseqs = {}
if #h.r > 0 then
  local now = redis.call('TIME')
  local recorded = now[1] .. string.format('%06d', tonumber(now[2]))
  for _, r in ipairs(h.r) do
    local seq = redis.call('INCR', B .. ':rseq')
    local k = B .. ':rp:' .. seq
    redis.call('HSET', k, 'j', blob(r.j), 'sid', r.sid, 't', r.t)
    expire(k, tm)
    if r.sid ~= '' then
      redis.call('ZADD', B .. ':sr:' .. r.sid, seq, seq)
      expire(B .. ':sr:' .. r.sid, tm)
    end
    redis.call('ZADD', B .. ':rr', recorded, seq) -- the newest, for the whole workspace
    redis.call('ZREMRANGEBYRANK', B .. ':rr', 0, -1001)
    redis.call('ZADD', B .. ':x:r', r.day, seq)
    rseqs[#rseqs + 1] = seq
  end
end

for _, i in ipairs(h.i) do
  local k = B .. ':i:' .. i.key
  redis.call('HSET', k, 'c', i.created, 'mid', i.mid, 'j', blob(i.j))
  expire(k, ti)
  redis.call('ZADD', B .. ':x:i', i.day, i.key)
end

for _, c in ipairs(h.c) do
  local k = B .. ':c:' .. c.h
  redis.call('HINCRBY', k, c.f, c.n)
  expire(k, tm)
  redis.call('ZADD', B .. ':c', c.h, c.h)
end

if h.u then
  redis.call('HSET', B .. ':m:' .. h.u.id, 'r', blob(h.u.new), 'st', h.u.st)
  if h.u.deq then redis.call('ZREM', B .. ':q:' .. h.u.vid, h.u.id) end
end
return {'ok', stale, tostring(dropped), seqs, ids, rseqs}
