-- 031_commission_gst.sql - GST on the platform's commission (issue #20,
-- docs/finance.md "GST on the commission" and "GST invoices").
--
--   * The commission is the platform's taxable supply to the organizer:
--     its GST (ZT_COMMISSION_GST_BPS, 18 %) is deducted from the payable
--     (lib/zt_finance_ledger.c).  A payout keeps it in
--     commission_gst_paise; fees_paise counts it (gateway fees +
--     commission + its GST + TDS + TCS), so net_paise = gross - refunds -
--     fees (001's check) is still the ledger's payable.
--   * The organizer's invoice covers the commission only: the convenience
--     fee is the platform's supply to the buyer, taxed on the booking.
--     invoices.convenience_fee_paise goes (no invoice was issued with it
--     outside tests: 026 and 031 ship together), taxable = commission, and
--     the rate is kept on the row (gst_bps).  The tax is the ledger's
--     commission_gst, split CGST = half rounded up, SGST = the rest.
-- ---------------------------------------------------------------------------

alter table payouts
    add column commission_gst_paise bigint not null default 0
        check (commission_gst_paise >= 0),
    add check (commission_paise + commission_gst_paise <= fees_paise);

alter table invoices drop column convenience_fee_paise;
alter table invoices
    add column gst_bps integer not null default 1800
        check (gst_bps between 0 and 2800),
    add check (taxable_paise = commission_paise),
    add check (cgst_paise - sgst_paise in (0, 1));

drop function zt_invoice_issue(uuid, uuid, timestamptz, text, text, text,
    text, text, text, bigint, bigint, bigint, bigint, bigint);

-- Issue the event's invoice (or return the one it has), as in 026, for the
-- commission only; the caller passes the ledger's commission_gst split.
create function zt_invoice_issue(
    p_tenant uuid, p_event uuid, p_at timestamptz,
    p_supplier_name text, p_supplier_gstin text, p_supplier_address text,
    p_supplier_state text, p_place text, p_sac text,
    p_commission bigint, p_gst_bps integer,
    p_cgst bigint, p_sgst bigint, p_igst bigint,
    out o_id uuid, out o_number text, out o_created boolean)
language plpgsql as $$
declare
    v_fy text := zt_fin_year(p_at);
    v_seq integer;
    v_name text;
    v_gstin text;
    v_state text;
begin
    insert into invoice_counters (fy) values (v_fy) on conflict (fy) do nothing;
    -- the year's lock: issuers queue here, so the check below sees the
    -- invoice a concurrent issuer committed
    perform 1 from invoice_counters where fy = v_fy for update;
    select id, number into o_id, o_number from invoices where event_id = p_event;
    if found then
        o_created := false;
        return;
    end if;
    select name, gstin, gst_state into v_name, v_gstin, v_state
      from tenants where id = p_tenant;
    if not found then
        raise exception 'no tenant %', p_tenant using errcode = 'no_data_found';
    end if;
    update invoice_counters set last_no = last_no + 1 where fy = v_fy
        returning last_no into v_seq;
    o_number := 'ZT/' || v_fy || '/' || lpad(v_seq::text, 6, '0');
    insert into invoices (tenant_id, event_id, fy, seq, number, issued_at,
        invoice_date, supplier_name, supplier_gstin, supplier_address,
        supplier_state, recipient_name, recipient_gstin, recipient_state,
        place_of_supply, sac, commission_paise, gst_bps, taxable_paise,
        cgst_paise, sgst_paise, igst_paise, total_paise)
    values (p_tenant, p_event, v_fy, v_seq, o_number, p_at,
        (p_at at time zone 'Asia/Kolkata')::date, p_supplier_name,
        p_supplier_gstin, p_supplier_address, p_supplier_state, v_name,
        v_gstin, v_state, p_place, p_sac, p_commission, p_gst_bps,
        p_commission, p_cgst, p_sgst, p_igst,
        p_commission + p_cgst + p_sgst + p_igst)
    returning id into o_id;
    o_created := true;
end
$$;
grant execute on function zt_invoice_issue(uuid, uuid, timestamptz, text,
    text, text, text, text, text, bigint, integer, bigint, bigint, bigint)
    to ztic_app;

-- ---------------------------------------------------------------------------
-- Credit notes (CGST Act s. 34; docs/finance.md "Credit notes"): a refund
-- after an event's invoice lowers its commission and the GST on it; the
-- platform then issues a credit note for the difference, numbered in its
-- own gapless per-financial-year series ZT/CN/2026-27/000001.
--   * credit_note_counters: the series' row per year, like
--     invoice_counters (no tenant rows, no row-level security).
--   * credit_notes: tenant-scoped; the amounts are the reductions, so an
--     invoice less its credit notes is the ledger's commission and its GST.
--   * zt_credit_note_issue(): the one way to issue.  It locks the year's
--     counter row, then the event (an advisory lock); the reduction is what the
--     invoice less its notes carries above the caller's ledger figures;
--     nothing is issued (o_created false) when there is none.  A second
--     issuer waits, then finds nothing left to credit: no double note, no
--     gap.
-- ---------------------------------------------------------------------------

create table credit_note_counters (
    fy       text primary key check (fy ~ '^[0-9]{4}-[0-9]{2}$'),
    last_no  integer not null default 0 check (last_no >= 0)
);
grant select, insert, update on credit_note_counters to ztic_app;

create table credit_notes (
    id                 uuid primary key default gen_random_uuid(),
    tenant_id          uuid not null references tenants (id),
    invoice_id         uuid not null references invoices (id),
    event_id           uuid not null references events (id),
    fy                 text not null,
    seq                integer not null check (seq > 0),
    number             text not null unique,
    issued_at          timestamptz not null default now(),
    note_date          date not null,
    commission_paise   bigint not null check (commission_paise > 0),
    cgst_paise         bigint not null check (cgst_paise >= 0),
    sgst_paise         bigint not null check (sgst_paise >= 0),
    igst_paise         bigint not null check (igst_paise >= 0),
    total_paise        bigint not null
                       check (total_paise = commission_paise + cgst_paise + sgst_paise + igst_paise),
    unique (fy, seq),
    check ((igst_paise = 0) or (cgst_paise = 0 and sgst_paise = 0))
);
create index credit_notes_invoice_idx on credit_notes (invoice_id, seq);

select zt_apply_tenant_rls('credit_notes');
grant select, insert on credit_notes to ztic_app;

-- Credit the event's invoice down to p_commission and p_tax (the ledger's
-- commission and commission_gst now), split as the invoice was: IGST, or
-- CGST = half the remaining tax rounded up and SGST the rest, so the
-- invoice less its notes is always split by the invoice's rule.
create function zt_credit_note_issue(
    p_tenant uuid, p_event uuid, p_at timestamptz,
    p_commission bigint, p_tax bigint,
    out o_id uuid, out o_number text, out o_created boolean)
language plpgsql as $$
declare
    v_fy text := zt_fin_year(p_at);
    v_inv invoices%rowtype;
    v_com bigint;
    v_cgst bigint;
    v_sgst bigint;
    v_igst bigint;
    v_seq integer;
begin
    o_created := false;
    insert into credit_note_counters (fy) values (v_fy) on conflict (fy) do nothing;
    perform 1 from credit_note_counters where fy = v_fy for update;
    -- the event's lock (at a year's turn two issuers may hold different
    -- counter rows); an advisory lock needs no update right on invoices
    perform pg_advisory_xact_lock(hashtextextended('credit_note:' || p_event::text, 0));
    select * into v_inv from invoices where event_id = p_event;
    if not found then
        return;
    end if;
    select v_inv.commission_paise - coalesce(sum(commission_paise), 0),
           v_inv.cgst_paise - coalesce(sum(cgst_paise), 0),
           v_inv.sgst_paise - coalesce(sum(sgst_paise), 0),
           v_inv.igst_paise - coalesce(sum(igst_paise), 0)
      into v_com, v_cgst, v_sgst, v_igst
      from credit_notes where invoice_id = v_inv.id;
    p_commission := greatest(p_commission, 0);
    p_tax := greatest(p_tax, 0);
    if p_commission >= v_com then
        return;
    end if;
    if v_inv.igst_paise > 0 or v_inv.place_of_supply <> v_inv.supplier_state then
        v_igst := greatest(v_igst - p_tax, 0);
        v_cgst := 0;
        v_sgst := 0;
    else
        v_cgst := greatest(v_cgst - (p_tax + 1) / 2, 0);
        v_sgst := greatest(v_sgst - (p_tax - (p_tax + 1) / 2), 0);
        v_igst := 0;
    end if;
    update credit_note_counters set last_no = last_no + 1 where fy = v_fy
        returning last_no into v_seq;
    o_number := 'ZT/CN/' || v_fy || '/' || lpad(v_seq::text, 6, '0');
    insert into credit_notes (tenant_id, invoice_id, event_id, fy, seq, number,
        issued_at, note_date, commission_paise, cgst_paise, sgst_paise,
        igst_paise, total_paise)
    values (p_tenant, v_inv.id, p_event, v_fy, v_seq, o_number, p_at,
        (p_at at time zone 'Asia/Kolkata')::date, v_com - p_commission,
        v_cgst, v_sgst, v_igst, v_com - p_commission + v_cgst + v_sgst + v_igst)
    returning id into o_id;
    o_created := true;
end
$$;
grant execute on function zt_credit_note_issue(uuid, uuid, timestamptz,
    bigint, bigint) to ztic_app;
