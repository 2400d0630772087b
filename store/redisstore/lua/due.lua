-- Lists a partition's deliveries due at ARGV[1] (µs), skipping the first
-- ARGV[2], at most ARGV[3]. With ARGV[4] = '1' it hands out only the
-- first delivery of each line and claims each one until ARGV[5].
-- Returns {id, json, due, first of its line ('1' or '0')} for each, then
-- the earliest due time after now ('' when none).
local B = KEYS[1]
local claim = ARGV[4] == '1'
local limit = tonumber(ARGV[3])
local function first(d)
  if not d.order or d.order == '' then return true end
  local prefix = d.url .. '\0' .. d.order .. '\0'
  local head = redis.call('ZRANGEBYLEX', B .. ':ob:line', '[' .. prefix, '+', 'LIMIT', 0, 1)[1]
  return head == nil or head == prefix .. d.id or string.sub(head, 1, #prefix) ~= prefix
end
local out = {}
local offset = tonumber(ARGV[2])
repeat
  local page = redis.call('ZRANGEBYSCORE', B .. ':ob:due', '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', offset, 100)
  for i = 1, #page, 2 do
    local id, score = page[i], page[i + 1]
    local raw = redis.call('HGET', B .. ':ob:d', id)
    local stays = true
    if raw then
      local d = cjson.decode(raw)
      d.id = id
      local isFirst = first(d)
      if not claim then
        out[#out + 1] = {id, raw, score, isFirst and '1' or '0'}
      elseif isFirst then
        redis.call('ZADD', B .. ':ob:due', ARGV[5], id)
        out[#out + 1] = {id, raw, score, '1'}
        stays = false
      end
    end
    if stays then offset = offset + 1 end
    if #out >= limit then break end
  end
until #page < 200 or #out >= limit
local next = redis.call('ZRANGEBYSCORE', B .. ':ob:due', '(' .. ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
return {out, next[2] or ''}
