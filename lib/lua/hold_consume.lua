-- hold_consume.lua - after the COMMIT that sold them: seats and units of a
-- hold leave it and join the sold set; the rest of the hold is released.
-- KEYS: hold_keys.lua.  ARGV: user, hold, nseats, seats..., ntypes, (type,
-- quantity)...  {ok = false} when the hold is another user's.
-- Runs before the lazy sweep so that an expired but unswept hold sells
-- from its own content instead of flickering released -> sold.
--#include hold_prelude.lua
local user, hid = ARGV[1], ARGV[2]
local h = load(hid)
if h and h.u ~= user then
  return cjson.encode({ok = false, msgs = msgs})
end
local owner = user .. ':' .. hid
local sold, soldga, sset = {}, {}, {}
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  local s = ARGV[i]
  i = i + 1
  redis.call('HDEL', SEATS, s)
  redis.call('SADD', SOLD, s)
  sold[#sold + 1] = s
  sset[s] = true
end
local ntypes = tonumber(ARGV[i])
i = i + 1
for _ = 1, ntypes do
  local ty, q = ARGV[i], tonumber(ARGV[i + 1])
  i = i + 2
  local had = (h and h.g[ty]) or 0
  local took = math.min(had, q)
  if q > took and redis.call('HEXISTS', GA, ty) == 1 then
    if redis.call('HINCRBY', GA, ty, took - q) < 0 then
      redis.call('HSET', GA, ty, 0)
    end
  end
  if h then
    if had - took > 0 then h.g[ty] = had - took else h.g[ty] = nil end
  end
  soldga[ty] = true
  bought_add(user, q)
end
bought_add(user, tonumber(ARGV[3]))
if h then
  for _, s in ipairs(h.s) do
    if not sset[s] and redis.call('HGET', SEATS, s) == owner then
      redis.call('HDEL', SEATS, s)
      rel[#rel + 1] = s
    end
  end
  for ty, q in pairs(h.g) do give_back(ty, q); relga[ty] = true end
  forget(hid, user)
end
sweep(SWEEP_MAX)
emit('seats.sold', sold, soldga)
emit('seats.released', rel, relga)
return cjson.encode({ok = true, msgs = msgs})
