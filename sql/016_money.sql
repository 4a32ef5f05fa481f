-- 016_money.sql — the end of an event and the money after it (issue #20,
-- docs/finance.md).
--
--   * payments.reconciled_at: when ztic-reconcile last asked Razorpay about
--     a payment still pending here (a payment is asked again only after a
--     pause, so a run moves on to the next one).
--   * payments.fee_paise: Razorpay's fee (tax included) on a captured
--     payment, as Razorpay reports it; NULL until known.
--   * payment_discrepancies: what ztic-reconcile found at Razorpay that does
--     not match us (a captured payment of an order we do not know, one
--     that could not be settled).  tenant_id when the order's tenant is
--     known: the tenant sees its own rows (tenant_isolation); the
--     platform's admins read and write all of them (the cron writes in the
--     system scope).

alter table payments add column reconciled_at timestamptz;
alter table payments add column fee_paise bigint check (fee_paise >= 0);

-- the reconcile pass's candidates: pending payments by age
create index payments_pending_idx on payments (created_at)
    where status in ('created', 'authorized');

create table payment_discrepancies (
    id                  uuid primary key default gen_random_uuid(),
    tenant_id           uuid references tenants (id),
    provider            text not null default 'razorpay',
    provider_payment_id text not null,
    provider_order_id   text,
    kind                text not null
                        check (kind in ('unknown_order', 'not_settled')),
    amount_paise        bigint not null check (amount_paise >= 0),
    details             jsonb not null default '{}'
                        check (jsonb_typeof(details) = 'object'),
    found_at            timestamptz not null default now(),
    resolved_at         timestamptz,
    unique (provider, provider_payment_id, kind)
);

select zt_apply_tenant_rls('payment_discrepancies');
create policy admin_all on payment_discrepancies
    using ((select zt_admin_session()))
    with check ((select zt_admin_session()));
grant select, insert, update on payment_discrepancies to ztic_app;

-- ---------------------------------------------------------------------------
-- ztic-finalize: events whose end has passed become 'completed'.
--   * events.finalized_at: set once the event's Redis keys are gone and its
--     channel has had its last message; a completed event without it is
--     finalized again by the next run (Redis was down).
--   * No ticket is issued for a completed event: a payment that arrives
--     after the end (its booking expired by finalize) fails the insert with
--     check_violation, which settling treats as seats gone: it is refunded.
-- ---------------------------------------------------------------------------

alter table events add column finalized_at timestamptz;

create index events_to_finalize_idx on events (ends_at)
    where status = 'published' or (status = 'completed' and finalized_at is null);

create function zt_tickets_not_after_end() returns trigger
language plpgsql as $$
begin
    if exists (select 1 from events e
                where e.id = new.event_id and e.status = 'completed') then
        raise exception 'event % is completed: no new tickets', new.event_id
            using errcode = 'check_violation';
    end if;
    return new;
end
$$;

create trigger tickets_not_after_end before insert on tickets
    for each row execute function zt_tickets_not_after_end();

-- ---------------------------------------------------------------------------
-- ztic-purge: audit entries past retention.  ztic_app may not delete from
-- audit_log; this function is the one way, and it keeps what it must: at
-- least 30 days of everything, and financial entries (payout details,
-- payments, refunds, payouts, bookings) for good — the law's 8 years are
-- longer than any retention set here (docs/finance.md, "Purges").  Only a
-- platform admin session (the cron's system scope) deletes: the policy.
-- ---------------------------------------------------------------------------

create policy admin_purge on audit_log for delete
    using ((select zt_admin_session()));

create function zt_audit_purge(p_days integer, p_limit integer)
returns integer
language plpgsql security definer set search_path = public as $$
declare
    n integer;
begin
    if p_days is null or p_days < 30 then
        raise exception 'audit entries are kept at least 30 days'
            using errcode = 'invalid_parameter_value';
    end if;
    delete from audit_log where id in (
        select id from audit_log
         where at < now() - make_interval(days => p_days)
           and action !~ '^(tenant\.payout|payout|payment|refund|booking|ledger)'
         limit p_limit);
    get diagnostics n = row_count;
    return n;
end
$$;

revoke all on function zt_audit_purge(integer, integer) from public;
grant execute on function zt_audit_purge(integer, integer) to ztic_app;

-- ---------------------------------------------------------------------------
-- The ledger (docs/finance.md, "The ledger"): every line of an event's money,
-- each traceable to its booking, payment or refund.  Integers in paise.
--
--   ticket_sales         subtotal of a booking its first payment confirmed
--   convenience_fee      that booking's fee (the platform's)
--   convenience_fee_gst  the GST on it (the platform's, to remit)
--   other_receipt        a captured payment that issued no ticket (a second
--                        payment, a wrong amount, seats gone): refunded
--   refund_buyer         cancelled by the buyer          (key cancel-…)
--   refund_organizer     refunded by the organizer       (full-…, part-…)
--   refund_late          late or extra payment returned  (late-…, extra-…)
--   refund_event_cancelled  the event was cancelled      (evcancel-…)
--   gateway_fee          Razorpay's fee on a payment, tax included, as
--                        Razorpay reports it (payments.fee_paise)
--
-- Refunds count unless failed (a pending refund is money promised back).
-- paid is NOT MATERIALIZED: each branch is planned with the caller's
-- event_id filter (bookings by event), not over every payment in scope.
-- Commission and the payable are derived from these sums in
-- lib/zt_finance_ledger.c with the tenant's commission_bps.
-- ---------------------------------------------------------------------------

-- basis points of the ticket sales the platform keeps; NULL: the platform's
-- default (ZT_COMMISSION_BPS)
alter table tenants add column commission_bps integer
    check (commission_bps between 0 and 10000);

create view ledger_lines with (security_invoker = true) as
with paid as not materialized (
    select p.*, b.event_id, b.subtotal_paise, b.fee_paise as conv_fee,
           b.tax_paise as conv_gst,
           (b.confirmed_at is not null and p.id = (
                select p1.id from payments p1 where p1.booking_id = b.id
                 order by p1.created_at limit 1)) as settled
      from payments p join bookings b on b.id = p.booking_id
     where p.status in ('captured', 'refunded')
)
select tenant_id, event_id, 'ticket_sales'::text as kind, booking_id,
       id as payment_id, null::uuid as refund_id, subtotal_paise as amount_paise,
       captured_at as at
  from paid where settled
union all
select tenant_id, event_id, 'convenience_fee', booking_id, id, null, conv_fee,
       captured_at
  from paid where settled and conv_fee > 0
union all
select tenant_id, event_id, 'convenience_fee_gst', booking_id, id, null,
       conv_gst, captured_at
  from paid where settled and conv_gst > 0
union all
select tenant_id, event_id, 'other_receipt', booking_id, id, null,
       amount_paise, captured_at
  from paid where not settled
union all
select tenant_id, event_id, 'gateway_fee', booking_id, id, null, fee_paise,
       captured_at
  from paid where fee_paise is not null and fee_paise > 0
union all
select r.tenant_id, b.event_id,
       case when r.idempotency_key like 'cancel-%' then 'refund_buyer'
            when r.idempotency_key like 'evcancel-%' then 'refund_event_cancelled'
            when r.idempotency_key like 'late-%'
              or r.idempotency_key like 'extra-%' then 'refund_late'
            else 'refund_organizer' end,
       b.id, p.id, r.id, r.amount_paise, r.created_at
  from refunds r join payments p on p.id = r.payment_id
  join bookings b on b.id = p.booking_id
 where r.status <> 'failed';

grant select on ledger_lines to ztic_app;

-- captured payments whose Razorpay fee is not known yet (ztic-reconcile)
create index payments_fee_unknown_idx on payments (captured_at)
    where fee_paise is null and status in ('captured', 'refunded');

-- ---------------------------------------------------------------------------
-- Payouts (docs/finance.md, "Payouts"): ztic-payouts proposes one per
-- completed event after the hold period ('pending'), a platform admin
-- approves ('approved') or holds it ('held'), the job sends it as a Razorpay
-- Route transfer to the tenant's linked account ('processing'), and
-- Razorpay's answer ends it: 'paid', or 'failed' / 'reversed', after which
-- the amount is payable again and a new payout may be proposed.
--   * fees_paise = Razorpay's fees on the event's payments + commission
--     (commission_paise), so net_paise = gross - refunds - fees (the
--     existing check) is the ledger's payable.
--   * idempotency_key goes to Razorpay as X-Transfer-Idempotency: a
--     retried send answers the same transfer.
--   * at most one live payout per event (payouts_event_idx, redefined).
-- ---------------------------------------------------------------------------

alter table payouts drop constraint payouts_status_check;
alter table payouts add constraint payouts_status_check
    check (status in ('pending', 'approved', 'held', 'processing', 'paid',
                      'failed', 'reversed'));
alter table payouts
    add column commission_paise bigint not null default 0
        check (commission_paise >= 0),
    add column idempotency_key text unique
        default 'payout-' || replace(gen_random_uuid()::text, '-', ''),
    add column provider_account_id text,
    add column decided_by uuid references platform_admins (id),
    add column decided_at timestamptz,
    add column failure_reason text,
    add check (commission_paise <= fees_paise);
alter table payouts alter column idempotency_key set not null;

drop index payouts_event_idx;
create unique index payouts_event_idx on payouts (event_id)
    where status not in ('failed', 'reversed');

-- ztic-reconcile's scan of Razorpay's payments list: how far it has read
-- (unix seconds of payment creation); the next scan starts there.
create table reconcile_marks (
    name        text primary key,
    upto        bigint not null check (upto >= 0),
    updated_at  timestamptz not null default now()
);
grant select, insert, update on reconcile_marks to ztic_app;
