-- hold_keys.lua - the event's eleven keys, named.  Every hold script of an
-- event is given the same KEYS, all under the event's hash tag
-- {ev:<event>}, in the order of enum zt_key_ev (lib/zt_keys.h, the one
-- place key names are made), so no script touches a key it was not given.
local VER, SEATS, HOLDS, HOLD, USERS, GA, SOLD, SOLDOK, BOUGHT, MAP, RL =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8],
  KEYS[9], KEYS[10], KEYS[11]
