-- queue_join.lua - join the waiting room, or look up one's place
-- (zt_queue_join, zt_queue_status).
-- KEYS: queue_prelude.lua, then the event's GA, SOLD, HOLDS, USERS and
-- BOUGHT hold keys (USERS and BOUGHT tell a second pass; absent: never
-- one).  ARGV: user, mode ('join' or 'peek'),
-- address digest, places per address (0: no cap).
-- Returns JSON {on, place (0: pre-queue, not yet drawn), k, total,
-- sale, open, paused, soldout, pass (expiry ms, when admitted)} or
-- {on, err = 'queue_off' | 'queue_not_open' | 'address_limit' |
-- 'not_in_queue'}.
--#include queue_prelude.lua
local user, mode, addr, cap = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local function reply(o)
  o.on = redis.call('HGET', STATE, 'on') == '1'
  o.sale, o.open = sale, num('open')
  o.k, o.paused, o.soldout = num('k'), num('paused') == 1, num('soldout') == 1
  o.now = now
  return cjson.encode(o)
end
if redis.call('HGET', STATE, 'on') ~= '1' then
  return reply({err = 'queue_off'})
end
local frozen = freeze()
local total = (frozen or 0) + num('late')
local p = place(user, frozen)
if not p then
  if mode ~= 'join' then return reply({err = 'not_in_queue'}) end
  if now < num('open') then return reply({err = 'queue_not_open'}) end
  if cap > 0 then
    if redis.call('HINCRBY', ADDR, addr, 1) > cap then
      redis.call('HINCRBY', ADDR, addr, -1)
      return reply({err = 'address_limit'})
    end
  end
  if not frozen then
    local key = tonumber(string.sub(
      redis.sha1hex(redis.call('HGET', STATE, 'seed') .. ':' .. user),
      1, 13), 16)
    redis.call('ZADD', PRE, key, user)
    p = 0
  else
    total = frozen + redis.call('HINCRBY', STATE, 'late', 1)
    p = total
    redis.call('HSET', LATE, user, p)
    redis.call('RPUSH', LOG, user)
  end
end
local o = {place = p, total = total}
if p > 0 and p <= num('k') then
  local exp = tonumber(redis.call('HGET', PASS, user))
  if not exp then
    exp = now + num('ttl') * 1000
    redis.call('HSET', PASS, user, exp)
  elseif exp <= now and KEYS[11]
      and not redis.call('HGET', PASS, 'r:' .. user)
      and not redis.call('HGET', KEYS[10], user)
      and tonumber(redis.call('HGET', KEYS[11], user) or '0') == 0 then
    -- the turn came and went with nothing held and nothing bought: one
    -- second pass, once ('r:' marks it)
    exp = now + num('ttl') * 1000
    redis.call('HSET', PASS, user, exp, 'r:' .. user, 1)
  end
  o.pass = exp
end
return reply(o)
