-- queue_auto.lua - the lock traffic of an event whose room may turn on by
-- itself (zt_queue_tick_all, docs/waiting-room.md "Turning on by itself").
-- KEYS: the room's STATE hash (lib/zt_keys.h, enum zt_key_q) and the
-- event's VER key (hold_keys.lua), which every hold script INCRs once per
-- change it makes (a lock that takes, moves or frees something).  ARGV:
-- none.  Samples VER into STATE (av, at) at most once a second and
-- returns the changes per second since the last sample (0 at the first).
-- Nothing is added to the lock's own path: the counter already exists.
local STATE, VER = KEYS[1], KEYS[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = tonumber(redis.call('GET', VER) or '0') or 0
local av = tonumber(redis.call('HGET', STATE, 'av') or '-1')
local at = tonumber(redis.call('HGET', STATE, 'at') or '0')
if at > 0 and av >= 0 and v >= av and now - at < 1000 then
  return 0
end
redis.call('HSET', STATE, 'av', v, 'at', now)
if at == 0 or av < 0 or v < av then return 0 end
return math.floor((v - av) * 1000 / (now - at))
