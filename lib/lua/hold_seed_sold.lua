-- hold_seed_sold.lua - rebuild the sold set, the bought counts and
-- missing GA counters from PostgreSQL's rows.  KEYS: hold_keys.lua.
-- ARGV: v read before PostgreSQL was asked, ttl ms, nsold, sold seats...,
-- nusers, (user, live tickets)..., ntypes, (type, capacity - sold,
-- capacity)...
-- Unchanged v: nothing was sold meanwhile, the sold set and the bought
-- counts are replaced.  A changed v: merge, so a sale recorded meanwhile
-- (zt_hold_consume) is kept (a count takes the larger of the two; the
-- booking re-checks the limit in PostgreSQL).  GA counters are seeded when
-- missing.  A sold set that changed bumps v: subscribers see the gap and
-- reload, and cached snapshots (zt_hold_status) are dropped.
--#include hold_keys.lua
local same = tonumber(redis.call('GET', VER) or '0') ==
  tonumber(ARGV[1])
local n, changed = tonumber(ARGV[3]), false
local i = 4
if same then
  changed = redis.call('SCARD', SOLD) ~= n
  for j = i, i + n - 1, 1000 do
    if changed then break end
    local in_set = redis.call('SMISMEMBER', SOLD,
      unpack(ARGV, j, math.min(j + 999, i + n - 1)))
    for _, f in ipairs(in_set) do
      if f == 0 then changed = true end
    end
  end
  if changed then redis.call('DEL', SOLD) end
  redis.call('DEL', BOUGHT)
end
if not same or changed then
  for j = i, i + n - 1, 1000 do
    if redis.call('SADD', SOLD,
      unpack(ARGV, j, math.min(j + 999, i + n - 1))) > 0 then
      changed = true
    end
  end
end
i = i + n
for _ = 1, tonumber(ARGV[i]) do
  local u, c = ARGV[i + 1], tonumber(ARGV[i + 2])
  if c > tonumber(redis.call('HGET', BOUGHT, u) or '0') then
    redis.call('HSET', BOUGHT, u, c)
  end
  i = i + 2
end
i = i + 1
for _ = 1, tonumber(ARGV[i]) do
  if redis.call('HSETNX', GA, ARGV[i + 1], ARGV[i + 2]) == 1 then
    redis.call('HSET', GA, 'cap:' .. ARGV[i + 1], ARGV[i + 3])
  end
  i = i + 3
end
redis.call('SET', SOLDOK, '1', 'PX', ARGV[2])
for _, k in ipairs({SOLD, BOUGHT}) do
  if redis.call('EXISTS', k) == 1 then
    redis.call('PEXPIRE', k, ARGV[2])
  end
end
if changed then
  if redis.call('EXISTS', VER) == 0 then
    redis.call('SET', VER, ARGV[1])
  end
  redis.call('INCR', VER)
end
return cjson.encode({ok = true})
