-- hold_unsell.lua - after a refund or cancellation: seats leave the sold
-- set, units go back, the buyer's bought count drops.  KEYS:
-- hold_keys.lua.  ARGV: buyer, nseats, seats..., ntypes, (type, quantity)...
--#include hold_prelude.lua
local user = ARGV[1]
local i = 3
bought_add(user, -tonumber(ARGV[2]))
for _ = 1, tonumber(ARGV[2]) do
  redis.call('SREM', SOLD, ARGV[i])
  rel[#rel + 1] = ARGV[i]
  i = i + 1
end
local ntypes = tonumber(ARGV[i])
i = i + 1
for _ = 1, ntypes do
  bought_add(user, -tonumber(ARGV[i + 1]))
  give_back(ARGV[i], tonumber(ARGV[i + 1]))
  relga[ARGV[i]] = true
  i = i + 2
end
emit('seats.released', rel, relga)
return cjson.encode({ok = true, msgs = msgs})
