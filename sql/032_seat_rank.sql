-- 032_seat_rank.sql — seats keep their display order (docs/benchmarks.md,
-- section 25).
--
--   seats.display_rank  the seat's place on the event page: sections top to
--                       bottom (the smallest y of any of their seats, then
--                       the name), rows likewise inside a section, then x,
--                       then the label. Ranks only grow along that order;
--                       they need not be consecutive.
--
-- The event page read its 30,000 seats and sorted them on every build
-- (the seat query: 67 ms, 10 ms by the rank); with the rank stored and
-- indexed, the page reads them in order. The triggers below keep the
-- rank for every writer (the layout writer in lib/zt_layout.c, seeds,
-- bench/setup.py, test fixtures): after each statement that inserts,
-- deletes or moves seats (section, row, label, x or y), the events it
-- touched are ranked again; rows are rewritten only when their stored
-- order no longer holds, and then only the ranks that change. They run as
-- the writer, under its row policies (every seat of the event is its
-- tenant's, so the writer sees them all). Two transactions writing one
-- event's seats at once could leave ranks from either snapshot: the
-- layout writer, the only one in production, holds the event row FOR
-- UPDATE, so they never do.

alter table seats add column display_rank integer;

-- Rank the seats of these events again where the stored order is not the
-- page's order any more. One scan and sort per event, no join whose order
-- a stale estimate could turn quadratic (a layout's first seats are
-- written into an event the statistics think empty: section 11 of
-- docs/benchmarks.md), and the UPDATE joins by hash.
create function zt_seats_rank(p_events uuid[]) returns void
language plpgsql
set enable_nestloop = off
as $$
declare
    v_event uuid;
    v_ids uuid[];
    v_ranks integer[];
begin
    foreach v_event in array p_events loop
        -- sections by their topmost seat, then name; rows likewise; then
        -- x and label (a row is one section and row label)
        select array_agg(id order by sy, section, ry, row_label, x, seat_label),
               array_agg(display_rank
                         order by sy, section, ry, row_label, x, seat_label)
          into v_ids, v_ranks
          from (select id, display_rank, section, row_label, x, seat_label,
                       min(y) over (partition by section, row_label) as ry,
                       min(y) over (partition by section) as sy
                  from seats where event_id = v_event) s;
        continue when v_ids is null or (
            select bool_and(r is not null and (p is null or r > p))
              from (select r, lag(r) over (order by i) as p
                      from unnest(v_ranks) with ordinality as t (r, i)) x);
        update seats s set display_rank = u.k
          from unnest(v_ids) with ordinality as u (id, k)
         where s.event_id = v_event and s.id = u.id
           and s.display_rank is distinct from u.k::integer;
    end loop;
end
$$;

-- Statement triggers fire for zero rows too: an event list that comes out
-- empty (the rank's own UPDATE moves nothing) stops here.
create function zt_seats_follow() returns trigger
language plpgsql
set enable_nestloop = off
as $$
declare
    v_events uuid[];
begin
    if tg_op = 'INSERT' then
        v_events := array(select distinct event_id from new_seats);
    elsif tg_op = 'DELETE' then
        v_events := array(select distinct event_id from old_seats);
    else
        v_events := array(
            select distinct n.event_id
              from new_seats n join old_seats o on o.id = n.id
             where (n.event_id, n.section, n.row_label, n.seat_label, n.x, n.y)
                   is distinct from
                   (o.event_id, o.section, o.row_label, o.seat_label, o.x, o.y));
    end if;
    if cardinality(v_events) > 0 then
        perform zt_seats_rank(v_events);
    end if;
    return null;
end
$$;

grant execute on function zt_seats_rank(uuid[]) to ztic_app;

-- The seats there are: ranked as the owner, which FORCE binds to row
-- policies like everyone (002_rls.sql), so lifted for this statement only.
alter table seats no force row level security;
select zt_seats_rank(array(select distinct event_id from seats));
alter table seats force row level security;

create index seats_event_rank_idx on seats (event_id, display_rank);

create trigger seats_rank_insert after insert on seats
    referencing new table as new_seats
    for each statement execute function zt_seats_follow();
create trigger seats_rank_update after update on seats
    referencing old table as old_seats new table as new_seats
    for each statement execute function zt_seats_follow();
create trigger seats_rank_delete after delete on seats
    referencing old table as old_seats
    for each statement execute function zt_seats_follow();
