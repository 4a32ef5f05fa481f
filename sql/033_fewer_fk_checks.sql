-- 033_fewer_fk_checks.sql - one foreign key from a ticket or a booking
-- line to its booking instead of three (issue #26, docs/benchmarks.md
-- section 27).
--
-- A booking writes its booking, its lines and its tickets in one
-- statement (lib/zt_booking.c), and PostgreSQL checks every foreign key
-- of every row it inserts: a query and a KEY SHARE lock on the row
-- referenced.  A ticket checked its booking twice, (tenant_id,
-- booking_id) and (booking_id, event_id), and its event once more
-- (tenant_id, event_id); a line its booking twice.  One key on all three
-- columns, (tenant_id, booking_id, event_id) -> bookings (tenant_id, id,
-- event_id), says all of it: the booking is the tenant's and the event's,
-- and the booking's own key to events (tenant_id, event_id) makes the
-- event the tenant's.  The unique index the new keys need replaces
-- bookings (id, event_id), which only the dropped keys used, so a booking
-- still maintains as many indexes.  Measured: 3,000 booking + line +
-- ticket inserts, 265-340 -> 180-250 us each.

ALTER TABLE bookings
    ADD CONSTRAINT bookings_tenant_id_id_event_id_key
    UNIQUE (tenant_id, id, event_id);

ALTER TABLE tickets
    ADD CONSTRAINT tickets_booking_fkey
    FOREIGN KEY (tenant_id, booking_id, event_id)
    REFERENCES bookings (tenant_id, id, event_id),
    DROP CONSTRAINT tickets_tenant_id_booking_id_fkey,
    DROP CONSTRAINT tickets_booking_id_event_id_fkey,
    DROP CONSTRAINT tickets_tenant_id_event_id_fkey;

ALTER TABLE booking_items
    ADD CONSTRAINT booking_items_booking_fkey
    FOREIGN KEY (tenant_id, booking_id, event_id)
    REFERENCES bookings (tenant_id, id, event_id),
    DROP CONSTRAINT booking_items_tenant_id_booking_id_fkey,
    DROP CONSTRAINT booking_items_booking_id_event_id_fkey;

ALTER TABLE bookings DROP CONSTRAINT bookings_id_event_id_key;
