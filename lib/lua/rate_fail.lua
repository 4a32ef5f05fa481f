-- rate_fail.lua - failed attempts with backoff (zt_rate_fail_*).
-- KEYS[1] a hash {n = failures, last = ms of the last one}, living a day
-- from the first failure.  ARGV: free, cap, backoff ms, max backoff ms,
-- day ms, "take" or "peek".  Returns {allowed, retry_after_ms, capped}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free, cap = tonumber(ARGV[1]), tonumber(ARGV[2])
local base, maxd = tonumber(ARGV[3]), tonumber(ARGV[4])
local day = tonumber(ARGV[5])
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if n >= cap then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl <= 0 then
    ttl = day
    redis.call('PEXPIRE', KEYS[1], day)
  end
  return {0, ttl, 1}
end
if ARGV[6] == 'peek' then return {1, 0, 0} end
if n >= free then
  local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
  local d = math.min(base * 2 ^ math.min(n - free, 40), maxd)
  if now < last + d then return {0, math.floor(last + d - now), 0} end
end
redis.call('HSET', KEYS[1], 'n', n + 1, 'last', now)
if n == 0 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], day)
end
return {1, 0, 0}
