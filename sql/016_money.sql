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
