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
-- (about 40 ms of PostgreSQL's 65-75 for that query); with the rank stored
-- and indexed, the page reads them in order. The triggers below keep the
-- rank for every writer (the layout writer in lib/zt_layout.c, seeds,
-- bench/setup.py, test fixtures): after each statement that inserts,
-- deletes or moves seats (section, row, label, x or y), the events it
-- touched are ranked again; rows are rewritten only when their stored
-- order no longer holds, and then only the ranks that change. They run as
-- the writer, under its row policies (every seat of the event is its
-- tenant's, so the writer sees them all).

alter table seats add column display_rank integer;

-- Rank the seats of these events again where the stored order is not the
-- page's order any more.
create function zt_seats_rank(p_events uuid[]) returns void
language plpgsql as $$
begin
    with r as (
        select event_id, section, row_label, min(y) as ry
          from seats where event_id = any (p_events)
         group by event_id, section, row_label),
    w as (
        select r.*, min(r.ry) over (partition by r.event_id, r.section) as sy
          from r),
    o as (
        select event_id, section, row_label, row_number() over
               (partition by event_id order by sy, section, ry, row_label) as n
          from w),
    k as (
        select s.id, s.event_id, s.display_rank, row_number() over
               (partition by s.event_id order by o.n, s.x, s.seat_label)::integer
               as k
          from seats s
          join o on o.event_id = s.event_id and o.section = s.section
                and o.row_label = s.row_label
         where s.event_id = any (p_events)),
    l as (
        select event_id, display_rank, lag(display_rank) over
               (partition by event_id order by k) as prev
          from k),
    bad as (
        select distinct event_id from l
         where display_rank is null or display_rank <= prev)
    update seats s set display_rank = k.k
      from k
     where k.event_id in (select event_id from bad)
       and s.id = k.id and s.display_rank is distinct from k.k;
end
$$;

create function zt_seats_follow() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        perform zt_seats_rank(array(select distinct event_id from new_seats));
    elsif tg_op = 'DELETE' then
        perform zt_seats_rank(array(select distinct event_id from old_seats));
    else
        -- the rank's own update moves nothing: no second round
        perform zt_seats_rank(array(
            select distinct n.event_id
              from new_seats n join old_seats o on o.id = n.id
             where (n.event_id, n.section, n.row_label, n.seat_label, n.x, n.y)
                   is distinct from
                   (o.event_id, o.section, o.row_label, o.seat_label, o.x, o.y)));
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
