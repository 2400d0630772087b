-- Records that visitor ARGV[1] was given its token at ARGV[2] (Unix s),
-- unless it was before: 1 if this call did, else 0. The record lives as
-- long as the visitor's state (each commit of the visitor renews both),
-- or ARGV[4] seconds without one; ARGV[3] is the day, for the sweep.
local B = KEYS[1]
local k = B .. ':t:' .. ARGV[1]
if not redis.call('SET', k, ARGV[2], 'NX') then return 0 end
if tonumber(ARGV[4]) > 0 then redis.call('EXPIRE', k, ARGV[4]) end
redis.call('ZADD', B .. ':x:t', ARGV[3], ARGV[1])
return 1
