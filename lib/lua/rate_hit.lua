-- rate_hit.lua - one hit of a sliding-window limit (zt_rate_hit).
-- KEYS[1] the window zset; ARGV: window ms, limit, member.  Returns
-- {allowed, retry_after_ms}.  Redis's clock, one for all app servers.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local win = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - win)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local old = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if not old[2] then return {0, win} end
  return {0, math.floor(tonumber(old[2]) + win - now)}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], win)
return {1, 0}
