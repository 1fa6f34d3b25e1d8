-- Two token buckets (tenant, caller) checked and taken from atomically.
-- KEYS: tenant tokens, tenant timestamp, caller tokens, caller timestamp
-- ARGV: tenant capacity, tenant refill per second, caller capacity, caller refill per second
-- Returns: { allowed (1/0), tenant tokens left, caller tokens left, which bucket refused (0 none, 1 tenant, 2 caller) }
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000

local function fill(tokens_key, timestamp_key, capacity, rate)
  local last_tokens = tonumber(redis.call('GET', tokens_key))
  if last_tokens == nil then last_tokens = capacity end
  local last_refreshed = tonumber(redis.call('GET', timestamp_key))
  if last_refreshed == nil then last_refreshed = now end
  local delta = math.max(0, now - last_refreshed)
  return math.min(capacity, last_tokens + delta * rate)
end

local function store(tokens_key, timestamp_key, capacity, rate, tokens)
  local ttl = math.max(1, math.ceil(capacity / rate * 2))
  redis.call('SETEX', tokens_key, ttl, tostring(tokens))
  redis.call('SETEX', timestamp_key, ttl, tostring(now))
end

local tenant_capacity = tonumber(ARGV[1])
local tenant_rate = tonumber(ARGV[2])
local caller_capacity = tonumber(ARGV[3])
local caller_rate = tonumber(ARGV[4])

local tenant_tokens = fill(KEYS[1], KEYS[2], tenant_capacity, tenant_rate)
local caller_tokens = fill(KEYS[3], KEYS[4], caller_capacity, caller_rate)
local refused = 0
if tenant_tokens < 1 then
  refused = 1
elseif caller_tokens < 1 then
  refused = 2
else
  tenant_tokens = tenant_tokens - 1
  caller_tokens = caller_tokens - 1
end
store(KEYS[1], KEYS[2], tenant_capacity, tenant_rate, tenant_tokens)
store(KEYS[3], KEYS[4], caller_capacity, caller_rate, caller_tokens)
local allowed = 0
if refused == 0 then allowed = 1 end
return { allowed, math.floor(tenant_tokens * 1000), math.floor(caller_tokens * 1000), refused }
