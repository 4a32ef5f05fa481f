-- 006_hot_table_stats.sql — keep the planner's statistics of the tables an
-- on-sale fills in minutes close to the truth.
--
-- Every worker caches its statements' plans for the life of its connection
-- (lib/zt_db.c plans generically). Plans made while an event's bookings
-- were few can pick an event-wide index for the foreign-key checks on
-- bookings; each booking then reads every earlier one of the event. An
-- ANALYZE replaces the statistics and drops the cached plans. By default
-- autovacuum analyzes a table after 10 % of it changed: on a large
-- database that is never, during one event's on-sale. Here: after 1 % or
-- 500 rows (docs/benchmarks.md, row 6).
alter table bookings set (autovacuum_analyze_scale_factor = 0.01,
                          autovacuum_analyze_threshold = 500);
alter table booking_items set (autovacuum_analyze_scale_factor = 0.01,
                               autovacuum_analyze_threshold = 500);
alter table tickets set (autovacuum_analyze_scale_factor = 0.01,
                         autovacuum_analyze_threshold = 500);
alter table payments set (autovacuum_analyze_scale_factor = 0.01,
                          autovacuum_analyze_threshold = 500);
