-- 004_booking_items.sql — what a booking is for.
--
-- A pending booking records the seats and GA units of the hold it was made
-- from, at the unit price of the moment. Tickets are issued from these lines
-- when the payment is proven, so confirmation never depends on Redis (which
-- may have lost the hold by then). See docs/bookings.md.

create table booking_items (
    id                  uuid primary key default gen_random_uuid(),
    tenant_id           uuid not null,
    booking_id          uuid not null,
    event_id            uuid not null,
    seat_id             uuid,
    ticket_type_id      uuid,
    quantity            integer not null default 1
                        check (quantity between 1 and 100),
    unit_price_paise    bigint not null check (unit_price_paise >= 0),
    check (num_nonnulls(seat_id, ticket_type_id) = 1),
    check (seat_id is null or quantity = 1),
    unique (booking_id, seat_id),
    unique (booking_id, ticket_type_id),
    foreign key (tenant_id, booking_id) references bookings (tenant_id, id),
    foreign key (booking_id, event_id) references bookings (id, event_id),
    foreign key (event_id, seat_id) references seats (event_id, id),
    foreign key (event_id, ticket_type_id) references ticket_types (event_id, id)
);

create index booking_items_booking_idx on booking_items (booking_id);

select zt_apply_tenant_rls('booking_items');

-- The buyer reads the lines of their own bookings (like bookings/tickets).
create policy buyer_read on booking_items for select
    using (exists (select 1 from bookings b
                    where b.id = booking_items.booking_id
                      and b.user_id = nullif(current_setting('app.user_id', true), '')::uuid));

-- …and the payment state of their own bookings (order id for Checkout).
create policy buyer_read on payments for select
    using (exists (select 1 from bookings b
                    where b.id = payments.booking_id
                      and b.user_id = nullif(current_setting('app.user_id', true), '')::uuid));

grant select, insert, update, delete on booking_items to ztic_app;

-- Webhooks find a booking by the payment's Razorpay id.
create index payments_provider_payment_idx on payments (provider_payment_id)
    where provider_payment_id is not null;
-- The refund retrier finds refunds Razorpay has not taken yet.
create index refunds_unsent_idx on refunds (created_at)
    where provider_refund_id is null or status = 'failed';
