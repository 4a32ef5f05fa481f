-- hold_release.lua - release one seat of a user's hold, or ('' as the
-- seat) the whole hold with its GA units.  KEYS: hold_keys.lua.  ARGV:
-- user, seat or ''.  {ok = false} when the user does not hold the seat.
--#include hold_prelude.lua
local user, seat = ARGV[1], ARGV[2]
sweep(SWEEP_MAX)
local hid = redis.call('HGET', USERS, user)
local h = hid and load(hid)
if h and not alive(hid) then drop(hid, h, rel, relga); h = nil end
local found = seat == ''
if h and seat == '' then
  drop(hid, h, rel, relga)
elseif h then
  local keep = {}
  for _, s in ipairs(h.s) do
    if s == seat then found = true else keep[#keep + 1] = s end
  end
  if found then
    if redis.call('HGET', SEATS, seat) == user .. ':' .. hid then
      redis.call('HDEL', SEATS, seat)
      rel[#rel + 1] = seat
    end
    h.s = keep
    if #keep == 0 and next(h.g) == nil then forget(hid, user)
    else redis.call('HSET', HOLD, hid, cjson.encode(h)) end
  end
end
emit('seats.released', rel, relga)
return cjson.encode({ok = found, msgs = msgs})
