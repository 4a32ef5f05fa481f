-- 003_tickets_seat_idx.sql — find a seat's tickets by index.
--
-- Replacing an event's layout deletes the seats that are gone. The foreign
-- key tickets (event_id, seat_id) -> seats then looks for tickets of each
-- deleted seat, and the layout writer asks which seats have tickets at all
-- (refunded ones included). The only index on tickets.seat_id so far is
-- the partial one for live tickets, so each such lookup was a sequential
-- scan of every ticket on the platform.
create index tickets_seat_idx on tickets (seat_id) where seat_id is not null;
