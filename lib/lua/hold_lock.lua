-- hold_lock.lua - take seats and GA units for a user, all or nothing.
-- KEYS: the event's keys (hold_keys.lua).  ARGV: user, new hold id, ttl
-- ms, per-user limit, map version the caller's seat map was loaded at
-- (zt_salemap; '*' after one reload), max life ms, lock calls per user,
-- lock calls per address, their window ms, the address's digest
-- (zt_rate_digest), nseats, seats..., ntypes, (type, quantity wanted,
-- seed = capacity - sold, capacity)...
-- A hold records when it must end at the latest (x = its first lock + max
-- life, fixed then): a lock moves its expiry to now + ttl but never past
-- x, so repeating a lock cannot keep seats forever (docs/holds.md).  A
-- hold from before x existed gets it at its next lock.
-- Lock calls are counted per user and per address in the event's RL hash
-- (a fixed window from the first call of each; 0 = no limit), here rather
-- than by zt_rate so that a lock stays one round trip: {limited = ms}.
-- No PostgreSQL on this path: the sold set and each user's bought count
-- are Redis's copies (rebuilt from PostgreSQL by hold_seed_sold.lua,
-- which this script asks for with {seed = true} when they are missing),
-- and PostgreSQL checks both again when the booking is written.
-- A counter remembers the capacity it was seeded with (cap:<type>), so an
-- organizer who changes a capacity moves the free units by the difference.
-- Replies (JSON): {reload = true}, {seed = true, v}, {limited = ms},
-- {ok = false, conflicts, short, count, msgs} or {ok = true, hold, exp,
-- seats, ga, max, msgs}.
--#include hold_prelude.lua
if ARGV[5] ~= '*' and (redis.call('GET', MAP) or '0') ~= ARGV[5]
then
  return cjson.encode({reload = true})
end
if redis.call('EXISTS', SOLDOK) == 0 then
  return cjson.encode({seed = true, v = version()})
end
local win = tonumber(ARGV[9])
local function calls(f, lim)
  if lim <= 0 then return nil, 0 end
  local v = redis.call('HGET', RL, f)
  local s, n = now, 0
  if v then
    local a, b = string.match(v, '^(%d+):(%d+)$')
    if a and now - tonumber(a) < win then
      s, n = tonumber(a), tonumber(b)
    end
  end
  if n >= lim then return nil, s + win - now end
  return string.format('%d:%d', s, n + 1), 0
end
local fa, wa = calls('a:' .. ARGV[10], tonumber(ARGV[8]))
local fu, wu = calls('u:' .. ARGV[1], tonumber(ARGV[7]))
if wa > 0 or wu > 0 then
  return cjson.encode({limited = math.max(wa, wu)})
end
if fa then redis.call('HSET', RL, 'a:' .. ARGV[10], fa) end
if fu then redis.call('HSET', RL, 'u:' .. ARGV[1], fu) end
if fa or fu then redis.call('PEXPIRE', RL, win) end
local user, ttl = ARGV[1], tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local bought = tonumber(redis.call('HGET', BOUGHT, user) or '0')
sweep(SWEEP_MAX)
local hid = redis.call('HGET', USERS, user)
local cur = hid and load(hid)
if cur and not alive(hid) then drop(hid, cur, rel, relga); cur = nil end
if not cur then
  if hid then forget(hid, user) end
  hid = ARGV[2]
  cur = {u = user, s = {}, g = {}}
end
if not cur.x then cur.x = now + tonumber(ARGV[6]) end
emit('seats.released', rel, relga)
local owner = user .. ':' .. hid
local mine = {}
for _, s in ipairs(cur.s) do mine[s] = true end
local conflicts, take = {}, {}
local i = 12
for _ = 1, tonumber(ARGV[11]) do
  local s = ARGV[i]
  i = i + 1
  if redis.call('SISMEMBER', SOLD, s) == 1 then
    conflicts[#conflicts + 1] = s
  elseif not mine[s] then
    local o = redis.call('HGET', SEATS, s)
    if o and alive(hold_of(o)) then conflicts[#conflicts + 1] = s
    else take[#take + 1] = s end
  end
end
local count = bought + #cur.s + #take
for _, q in pairs(cur.g) do count = count + q end
local types, delta, short = {}, {}, {}
local ntypes = tonumber(ARGV[i])
i = i + 1
for _ = 1, ntypes do
  local ty, q, seed = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  local cap = tonumber(ARGV[i + 3])
  i = i + 4
  if redis.call('HSETNX', GA, ty, seed) == 1 then
    redis.call('HSET', GA, 'cap:' .. ty, cap)
  else
    local was = tonumber(redis.call('HGET', GA, 'cap:' .. ty) or cap)
    if was ~= cap then
      redis.call('HINCRBY', GA, ty, cap - was)
      redis.call('HSET', GA, 'cap:' .. ty, cap)
    end
  end
  local d = q - (cur.g[ty] or 0)
  if d > 0 then
    local free = tonumber(redis.call('HGET', GA, ty))
    if free < d then short[ty] = math.max(free, 0) end
  end
  types[#types + 1] = ty
  delta[ty] = d
  count = count + d
end
if #conflicts > 0 or next(short) or count > limit then
  return cjson.encode({ok = false, conflicts = conflicts,
    short = short, count = count, msgs = msgs})
end
local exp = math.min(now + ttl, cur.x)
local gach = {}
for _, s in ipairs(take) do
  redis.call('HSET', SEATS, s, owner)
  cur.s[#cur.s + 1] = s
end
for _, ty in ipairs(types) do
  local d = delta[ty]
  if d > 0 then redis.call('HINCRBY', GA, ty, -d)
  elseif d < 0 then give_back(ty, -d) end
  if d ~= 0 then gach[ty] = true end
  local q = (cur.g[ty] or 0) + d
  if q > 0 then cur.g[ty] = q else cur.g[ty] = nil end
end
if #cur.s == 0 and next(cur.g) == nil then
  forget(hid, user)
  emit('ga.changed', {}, gach)
  return cjson.encode({ok = true, msgs = msgs})
end
redis.call('HSET', HOLD, hid, cjson.encode(cur))
redis.call('HSET', USERS, user, hid)
redis.call('ZADD', HOLDS, exp, hid)
emit('seats.held', cur.s, gach, exp)
return cjson.encode({ok = true, hold = hid, exp = exp, seats = cur.s,
  ga = cur.g, max = cur.x, msgs = msgs})
