-- demo/002_events.sql — demo events (dev stack only).
--
-- Dates are relative to now() so the demo never goes stale: each event
-- starts a set number of days from the day the seed runs, at a local
-- (Asia/Kolkata) wall-clock time.

-- ---------------------------------------------------------------------------
-- Techfest IIT Bombay
-- ---------------------------------------------------------------------------
select set_config('app.tenant_id', 'a1000000-0000-4000-8000-000000000001', true);

-- A reserved-seating keynote in a 500-seat hall: 20 rows (A–T) × 25 seats.
insert into events (id, tenant_id, slug, title, description, category, tags,
                    city, venue_name, venue_address, starts_at, ends_at,
                    status, published_at, sales_starts_at, sales_ends_at,
                    per_user_limit, refund_policy, refund_cutoff_hours,
                    refund_fee_bps, layout_kind)
select 'c1000000-0000-4000-8000-000000000001',
       'a1000000-0000-4000-8000-000000000001',
       'keynote-future-of-robotics',
       'Techfest Keynote: The Future of Robotics',
       'An evening with robotics researchers and founders on where '
       'autonomous machines go next, followed by a live demo on stage.',
       'talk', '{tech,robotics,keynote}', 'Mumbai',
       'Convocation Hall, IIT Bombay', 'IIT Bombay, Powai, Mumbai 400076',
       d + interval '18 hours', d + interval '20 hours 30 minutes',
       'published', now(), now() - interval '1 day', d + interval '17 hours',
       6, 'before_start', 48, 1000, 'reserved'
  from (select (date_trunc('day', now() at time zone 'Asia/Kolkata')
                + interval '21 days') at time zone 'Asia/Kolkata' as d) s;

insert into price_categories (id, tenant_id, event_id, name, price_paise,
                              colour, sort_order) values
    ('c2000000-0000-4000-8000-000000000001', 'a1000000-0000-4000-8000-000000000001',
     'c1000000-0000-4000-8000-000000000001', 'Platinum', 149900, '#7b2cbf', 1),
    ('c2000000-0000-4000-8000-000000000002', 'a1000000-0000-4000-8000-000000000001',
     'c1000000-0000-4000-8000-000000000001', 'Gold', 79900, '#f4a261', 2),
    ('c2000000-0000-4000-8000-000000000003', 'a1000000-0000-4000-8000-000000000001',
     'c1000000-0000-4000-8000-000000000001', 'Silver', 29900, '#2a9d8f', 3);

-- Rows A–L are the Stalls, M–T the Balcony (two units further back).
-- Aisles after seats 5 and 20. A–D Platinum, E–L Gold, M–T Silver.
-- Blocked: camera positions A1, A2, A24, A25 and the sound desk H12–H14.
-- Accessible: the aisle ends of row L.
insert into seats (tenant_id, event_id, section, row_label, seat_label, x, y,
                   price_category_id, blocked, accessible)
select 'a1000000-0000-4000-8000-000000000001',
       'c1000000-0000-4000-8000-000000000001',
       case when r <= 12 then 'Stalls' else 'Balcony' end,
       chr(64 + r),
       s::text,
       (s - 1) + (s > 5)::int + (s > 20)::int,
       (r - 1) + case when r <= 12 then 0 else 2 end,
       case when r <= 4 then 'c2000000-0000-4000-8000-000000000001'::uuid
            when r <= 12 then 'c2000000-0000-4000-8000-000000000002'::uuid
            else 'c2000000-0000-4000-8000-000000000003'::uuid end,
       (r = 1 and s in (1, 2, 24, 25)) or (r = 8 and s between 12 and 14),
       r = 12 and s in (1, 2, 24, 25)
  from generate_series(1, 20) r, generate_series(1, 25) s;

-- A free registration event: one GA ticket type at price 0.
insert into events (id, tenant_id, slug, title, description, category, tags,
                    city, venue_name, venue_address, starts_at, ends_at,
                    status, published_at, sales_starts_at, sales_ends_at,
                    per_user_limit, layout_kind)
select 'c1000000-0000-4000-8000-000000000003',
       'a1000000-0000-4000-8000-000000000001',
       'intro-to-robotics-workshop',
       'Intro to Robotics Workshop',
       'A hands-on day building a line-following robot. Free, but seats '
       'in the lab are limited: register to get your pass.',
       'workshop', '{workshop,robotics,free}', 'Mumbai',
       'Lecture Hall Complex, IIT Bombay', 'IIT Bombay, Powai, Mumbai 400076',
       d + interval '10 hours', d + interval '16 hours',
       'published', now(), now() - interval '1 day', d,
       1, 'ga'
  from (select (date_trunc('day', now() at time zone 'Asia/Kolkata')
                + interval '14 days') at time zone 'Asia/Kolkata' as d) s;

insert into ticket_types (id, tenant_id, event_id, name, description,
                          price_paise, capacity, per_order_limit, sort_order)
values ('c3000000-0000-4000-8000-000000000003',
        'a1000000-0000-4000-8000-000000000001',
        'c1000000-0000-4000-8000-000000000003', 'Registration',
        'Entry to the workshop and the lab kit', 0, 120, 1, 1);

-- A draft, so the organizer portal has something unpublished to edit.
insert into events (id, tenant_id, slug, title, description, category, tags,
                    city, venue_name, starts_at, ends_at, layout_kind)
select 'c1000000-0000-4000-8000-000000000004',
       'a1000000-0000-4000-8000-000000000001',
       'hackathon-finals', 'Techfest Hackathon Finals',
       'Twenty teams, thirty-six hours, one stage.', 'competition',
       '{hackathon,coding}', 'Mumbai', 'Victor Menezes Convention Centre',
       d + interval '9 hours', d + interval '45 hours', 'ga'
  from (select (date_trunc('day', now() at time zone 'Asia/Kolkata')
                + interval '30 days') at time zone 'Asia/Kolkata' as d) s;

-- ---------------------------------------------------------------------------
-- Bassline Live
-- ---------------------------------------------------------------------------
select set_config('app.tenant_id', 'a1000000-0000-4000-8000-000000000002', true);

-- GA only, two ticket types.
insert into events (id, tenant_id, slug, title, description, category, tags,
                    city, venue_name, venue_address, starts_at, ends_at,
                    status, published_at, sales_starts_at, sales_ends_at,
                    per_user_limit, layout_kind)
select 'c1000000-0000-4000-8000-000000000002',
       'a1000000-0000-4000-8000-000000000002',
       'indie-night-live',
       'Bassline Indie Night',
       'Three independent bands, one courtyard, no seats: come early for '
       'the front.',
       'music', '{music,indie,live}', 'Bengaluru',
       'The Courtyard, Indiranagar', '100 Feet Road, Indiranagar, Bengaluru 560038',
       d + interval '20 hours', d + interval '23 hours 30 minutes',
       'published', now(), now() - interval '1 day', d + interval '19 hours',
       8, 'ga'
  from (select (date_trunc('day', now() at time zone 'Asia/Kolkata')
                + interval '10 days') at time zone 'Asia/Kolkata' as d) s;

insert into ticket_types (id, tenant_id, event_id, name, description,
                          price_paise, capacity, sales_ends_at,
                          per_order_limit, sort_order)
values ('c3000000-0000-4000-8000-000000000001',
        'a1000000-0000-4000-8000-000000000002',
        'c1000000-0000-4000-8000-000000000002', 'Early Bird',
        'Limited first release', 49900, 150, now() + interval '5 days', 6, 1),
       ('c3000000-0000-4000-8000-000000000002',
        'a1000000-0000-4000-8000-000000000002',
        'c1000000-0000-4000-8000-000000000002', 'Regular',
        'General admission', 79900, 350, null, 6, 2);

select set_config('app.tenant_id', '', true);
