-- 035_booking_items_index.sql - one index fewer to write on every booking
-- line (issue #26, docs/benchmarks.md section 32).
--
-- booking_items_booking_idx (004) indexes booking_id alone; both unique
-- keys of booking_items, (booking_id, seat_id) and (booking_id,
-- ticket_type_id), lead with the same column, so every lookup by booking
-- uses either of them as well, and the insert of a line maintains one
-- btree fewer.
drop index booking_items_booking_idx;
