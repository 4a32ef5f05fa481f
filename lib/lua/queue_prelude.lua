-- queue_prelude.lua - the shared beginning of the waiting-room scripts
-- (docs/waiting-room.md): the keys, Redis's clock, the settings the
-- ticker copied from PostgreSQL, and the freeze of the pre-queue.
--
-- KEYS (enum zt_key_q, lib/zt_keys.h), all on the event's hash tag:
--   STATE  HASH  on, sale, open, rate, ttl, paused, seed, seats (copied
--                from PostgreSQL by zt_queue_sync); frozen, late, acc, k,
--                last, soldout (kept by these scripts)
--   PRE    ZSET  pre-queue: user -> lottery key (see below)
--   LATE   HASH  user -> position, for those who joined after the on-sale
--   ADDR   HASH  address digest -> places taken from that address
--   PASS   HASH  user -> expiry (ms) of the pass, fixed when first issued
--   LOG    LIST  the late joiners in arrival order (place frozen + 1 + i),
--                which the ticker copies to PostgreSQL (queue_places)
local STATE, PRE, LATE, ADDR, PASS, LOG = KEYS[1], KEYS[2], KEYS[3],
  KEYS[4], KEYS[5], KEYS[6]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function num(k)
  return tonumber(redis.call('HGET', STATE, k) or '0') or 0
end
local sale = num('sale')
-- The lottery: the pre-queue is ordered by each member's key, the first
-- 52 bits of SHA-1(seed ':' user), seed 32 random bytes drawn by
-- zt_queue_sync (libsodium) when the room is first set up and never
-- shown.  Nobody can know or choose their key, arrival time plays no
-- part, so the order is a uniform random shuffle of the members.  It is
-- revealed at the on-sale time by the freeze: the first script that runs
-- at or after `sale` records frozen = the pre-queue size (HSETNX in an
-- atomic script: once, whichever ticker or join comes first).  From then
-- on the pre-queue never changes and a member's place is ZRANK + 1;
-- newcomers get frozen + 1, frozen + 2, … in arrival order.
-- An event with no on-sale time (sale = 0) has no pre-queue: the first
-- script freezes an empty one, so everyone joins in arrival order.
local function freeze()
  if now >= sale then
    redis.call('HSETNX', STATE, 'frozen', redis.call('ZCARD', PRE))
  end
  return tonumber(redis.call('HGET', STATE, 'frozen'))
end
-- The user's place: a number, 0 in the pre-queue before the freeze, nil
-- when not in the queue.
local function place(user, frozen)
  local r = redis.call('ZRANK', PRE, user)
  if r then
    if frozen then return r + 1 end
    return 0
  end
  return tonumber(redis.call('HGET', LATE, user))
end
