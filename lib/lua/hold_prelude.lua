-- hold_prelude.lua - the shared beginning of every hold script (included
-- by each): the time (Redis's clock, one for all app servers), the hold
-- helpers, the lazy sweep of expired holds and the message list.  A
-- version that is missing (Redis lost its data) starts again at the
-- current time in ms, so it never goes backwards and subscribers see a
-- gap and refetch.  A hold is alive while its score is in the future; a
-- seat is held while its owner's hold is alive, so expiry needs no
-- sweeper to be exact (the sweeper returns GA units and announces it).
--#include hold_keys.lua
local SWEEP_MAX = 100 -- expired holds one run ends (ZT_HOLD_SWEEP_MAX)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local msgs, rel, relga = {}, {}, {}
local function load(hid)
  local c = redis.call('HGET', HOLD, hid)
  if not c then return nil end
  return cjson.decode(c)
end
local function hold_of(o) return string.match(o, ':(.+)$') end
local function alive(hid)
  local sc = hid and redis.call('ZSCORE', HOLDS, hid)
  return sc and tonumber(sc) > now
end
local function forget(hid, user)
  redis.call('HDEL', HOLD, hid)
  redis.call('ZREM', HOLDS, hid)
  if redis.call('HGET', USERS, user) == hid then
    redis.call('HDEL', USERS, user)
  end
end
local function give_back(ty, q)
  if q > 0 and redis.call('HEXISTS', GA, ty) == 1 then
    redis.call('HINCRBY', GA, ty, q)
  end
end
local function drop(hid, h, seats, gach)
  local owner = h.u .. ':' .. hid
  for _, s in ipairs(h.s) do
    if redis.call('HGET', SEATS, s) == owner then
      redis.call('HDEL', SEATS, s)
      seats[#seats + 1] = s
    end
  end
  for ty, q in pairs(h.g) do give_back(ty, q); gach[ty] = true end
  forget(hid, h.u)
end
local function sweep(limit)
  local ids = redis.call('ZRANGEBYSCORE', HOLDS, '-inf', now,
    'LIMIT', 0, limit)
  for _, hid in ipairs(ids) do
    local h = load(hid)
    if h then drop(hid, h, rel, relga)
    else redis.call('ZREM', HOLDS, hid) end
  end
  return #ids
end
local function bought_add(user, n)
  if n ~= 0 and redis.call('HINCRBY', BOUGHT, user, n) <= 0 then
    redis.call('HDEL', BOUGHT, user)
  end
end
local function version()
  if redis.call('EXISTS', VER) == 0 then
    redis.call('SET', VER, now)
  end
  return tonumber(redis.call('GET', VER))
end
local function emit(kind, seats, gach, exp)
  if #seats == 0 and next(gach) == nil then return end
  local ga = {}
  for ty in pairs(gach) do
    local n = redis.call('HGET', GA, ty)
    if n then ga[ty] = tonumber(n) end
  end
  if #seats == 0 then kind = 'ga.changed' end
  version()
  msgs[#msgs + 1] = {v = redis.call('INCR', VER), type = kind,
    seats = seats, ga = ga, exp = exp}
end
