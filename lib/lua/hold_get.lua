-- hold_get.lua - a user's live hold.  Read only.  KEYS: hold_keys.lua.
-- ARGV: user.  {ok = true} or {ok = true, hold, exp, seats, ga, max}.
--#include hold_prelude.lua
local hid = redis.call('HGET', USERS, ARGV[1])
local sc = hid and redis.call('ZSCORE', HOLDS, hid)
local h = sc and tonumber(sc) > now and load(hid)
if not h then return cjson.encode({ok = true}) end
return cjson.encode({ok = true, hold = hid, exp = tonumber(sc),
  seats = h.s, ga = h.g, max = h.x})
