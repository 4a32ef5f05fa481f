-- hold_index_drop.lua - the sweeper forgets an idle event.  KEYS: the
-- index (zt:hold-events).  ARGV: event, the score seen.  Drops the entry
-- only if the score is unchanged (a lock racing it re-added the event).
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
