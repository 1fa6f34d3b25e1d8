-- One operation's sliding window for one tenant, checked and counted atomically on Redis's
-- own clock (so replicas with skewed clocks agree): a sorted set of the calls the window
-- allowed, scored by the time they were allowed (microseconds).
-- KEYS: the window's sorted set
-- ARGV: max calls, window length in milliseconds, a member no other call uses
-- Returns: { allowed (1/0), calls in the window (this one included when allowed),
--            microseconds until a slot frees (0 when allowed) }
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local max = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local per = per_ms * 1000

-- Numbers reach Redis as text; '%.0f' keeps all 16 digits of a time in microseconds
-- (the default conversion keeps 14).
local function exact(number)
  return string.format('%.0f', number)
end

-- A call made per ago or earlier has left the window.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', exact(now - per))
local count = redis.call('ZCARD', KEYS[1])
if count < max then
  redis.call('ZADD', KEYS[1], exact(now), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], per_ms)
  return { 1, count + 1, 0 }
end
if count == 0 then
  return { 0, 0, per }
end
-- A slot frees when the call max places before the newest leaves (the oldest, unless
-- the limit was lowered).
local freeing = redis.call('ZRANGE', KEYS[1], count - max, count - max, 'WITHSCORES')
return { 0, count, math.max(1, tonumber(freeing[2]) + per - now) }
