-- hold_status.lua - the event's snapshot and v in one step.  Read only.
-- KEYS: hold_keys.lua.  ARGV: user ('' when anonymous), v, next and live
-- of the caller's cached snapshot ('' when none), the version of the
-- caller's seat map (as hold_lock.lua: {reload = true} for a stale one).
-- The cached snapshot is still exact while v is unchanged (every change
-- INCRs it), no hold in it has expired (now < next, its earliest expiry)
-- and as many holds are alive (none ended some other way): then only
-- {hit = true, v, mine} comes back.  Units of expired holds not yet swept
-- count as available, as they will be.  {seed = true} when the sold set
-- must first be rebuilt.
-- held is one list per live hold, {expiry, seat, seat...}, the expiry as
-- the string Redis gave: cjson prints a number with printf("%.14g"),
-- which cost more than the rest of the script for 1,000 held seats
-- (docs/benchmarks.md), and C formats each hold's expiry once.
--#include hold_prelude.lua
if ARGV[5] ~= '*' and (redis.call('GET', MAP) or '0') ~= ARGV[5]
then
  return cjson.encode({reload = true})
end
local v = version()
if redis.call('EXISTS', SOLDOK) == 0 then
  return cjson.encode({seed = true, v = v})
end
local function mine_of(live)
  if ARGV[1] == '' then return nil end
  local hid = redis.call('HGET', USERS, ARGV[1])
  local sc = hid and (live and live[hid] or
    redis.call('ZSCORE', HOLDS, hid))
  local h = sc and tonumber(sc) > now and load(hid)
  if not h then return nil end
  return {hold = hid, exp = tonumber(sc), seats = h.s, ga = h.g,
    max = h.x}
end
if ARGV[2] ~= '' and tonumber(ARGV[2]) == v and
  now < tonumber(ARGV[3]) and
  redis.call('ZCOUNT', HOLDS, '(' .. now, '+inf') == tonumber(ARGV[4])
then
  return cjson.encode({hit = true, v = v, mine = mine_of(nil)})
end
local live = {}
local zs = redis.call('ZRANGEBYSCORE', HOLDS, '(' .. now, '+inf',
  'WITHSCORES')
for j = 1, #zs, 2 do live[zs[j]] = zs[j + 1] end
local held, groups = {}, {}
local all = redis.call('HGETALL', SEATS)
for j = 1, #all, 2 do
  local hid = hold_of(all[j + 1])
  local e = live[hid]
  if e then
    local g = groups[hid]
    if not g then g = {e}; groups[hid] = g; held[#held + 1] = g end
    g[#g + 1] = all[j]
  end
end
local back = {}
for _, hid in ipairs(redis.call('ZRANGEBYSCORE', HOLDS, '-inf', now)) do
  local h = load(hid)
  if h then
    for ty, q in pairs(h.g) do back[ty] = (back[ty] or 0) + q end
  end
end
local ga = {}
local c = redis.call('HGETALL', GA)
for j = 1, #c, 2 do
  ga[c[j]] = tonumber(c[j + 1]) + (back[c[j]] or 0)
end
return cjson.encode({ok = true, v = v, held = held,
  sold = redis.call('SMEMBERS', SOLD), ga = ga, mine = mine_of(live),
  next = zs[2] or '9007199254740991', live = #zs / 2})
