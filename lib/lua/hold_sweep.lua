-- hold_sweep.lua - end expired holds of the event.  KEYS: hold_keys.lua.
-- ARGV: at most this many holds.  {swept, left (expired still there),
-- holds (all), msgs}.
--#include hold_prelude.lua
local n = sweep(tonumber(ARGV[1]))
emit('seats.released', rel, relga)
return cjson.encode({ok = true, swept = n,
  left = redis.call('ZCOUNT', HOLDS, '-inf', now),
  holds = redis.call('ZCARD', HOLDS), msgs = msgs})
