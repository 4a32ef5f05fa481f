-- queue_tick.lua - one tick of admission (the ticker, zt_queue_tick).
-- KEYS: queue_prelude.lua, then the event's GA, SOLD and HOLDS hold keys
-- (lib/lua/hold_keys.lua), read to tell when the sale is sold out.
-- ARGV: none.  Returns JSON {on, k, acc, total, pre, rate, measured,
-- paused, soldout, frozen, fz (the pre-queue's size, -1 before the draw),
-- late, pcopied, lcopied (what the ticker has copied to PostgreSQL),
-- sale, now}.
--
-- Admission: acc grows by rate / minute of Redis time from the on-sale
-- time (or the room's first tick, if later) while the room is neither paused nor sold out, and never past the
-- number of people placed (so no admission is banked while the queue is
-- empty); everyone whose place is <= k = floor(acc) is admitted.  So the
-- admitted count never exceeds rate x the time admission ran, whatever
-- the number of tickers (each tick adds only the time since the last).
--#include queue_prelude.lua
local GA, SOLD, HOLDS = KEYS[7], KEYS[8], KEYS[9]
if redis.call('HGET', STATE, 'on') ~= '1' then
  return cjson.encode({on = false})
end
local frozen = freeze()
local total = (frozen or 0) + num('late')
local rate, paused = num('rate'), num('paused') == 1
local k0, acc, last = num('k'), num('acc'), num('last')
-- sold out: every seat sold, no GA unit left to hold and no hold that
-- could still expire and give something back
local soldout = num('soldout') == 1
if not soldout and redis.call('ZCARD', HOLDS) == 0 then
  local seats = num('seats')
  local ga = redis.call('HGETALL', GA)
  local types, left = 0, 0
  for i = 1, #ga, 2 do
    if string.sub(ga[i], 1, 4) ~= 'cap:' then
      types = types + 1
      left = left + tonumber(ga[i + 1])
    end
  end
  if (seats > 0 or types > 0) and left == 0
      and redis.call('SCARD', SOLD) >= seats then
    soldout = true
    redis.call('HSET', STATE, 'soldout', 1)
  end
end
-- admission time runs from the on-sale time, or from the room's first
-- tick when it was turned on later (no backlog of admissions)
local from = math.max(last, sale)
if last == 0 then from = now end
if frozen and not paused and not soldout and now > from then
  acc = acc + rate * (now - from) / 60000
end
if acc > total then acc = total end
local k = math.floor(acc)
redis.call('HSET', STATE, 'acc', tostring(acc), 'k', k, 'last', now)
local measured = 0
if last > 0 and now > last then
  measured = math.floor((k - k0) * 60000 / (now - last) + 0.5)
end
return cjson.encode({on = true, k = k, acc = acc, total = total,
  fz = frozen or -1, late = num('late'), pcopied = num('pcopied'),
  lcopied = num('lcopied'),
  pre = redis.call('ZCARD', PRE), rate = rate, measured = measured,
  paused = paused, soldout = soldout, frozen = frozen ~= nil,
  sale = sale, now = now})
