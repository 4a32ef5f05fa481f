-- 026_gst_invoices.sql - the GST invoice for the platform's fee (issue #20,
-- docs/finance.md "GST invoices").
--
--   * tenants.gstin / tenants.gst_state: the organizer's GSTIN (optional)
--     and state (a GST state code, '27' Maharashtra); validated by the
--     responder (lib/zt_gstin.c: format and checksum; the state is the
--     GSTIN's first two digits when both are given), checked again here.
--   * invoice_counters: one row per Indian financial year (April-March,
--     '2026-27'), the platform's series (the supplier is the platform: one
--     series for every tenant).  No tenant rows, so no row-level security,
--     like recon_days; ztic_app may read and update it, only through
--     zt_invoice_issue in practice.
--   * invoices: one per event (unique), tenant-scoped under row-level
--     security.  Supplier and recipient details are copied onto the row
--     when issued: an invoice never changes when the settings do.
--   * zt_invoice_issue(): the one way to issue.  It locks the year's
--     counter row, then looks for the event's invoice: a second issuer
--     (concurrent or later) waits for the first, finds its invoice and
--     returns it; a number is taken only by the transaction that inserts
--     the invoice, and a rollback returns it with the counter's update.
--     So numbers are gapless and one event never has two invoices.
-- ---------------------------------------------------------------------------

alter table tenants
    add column gstin text check (gstin ~ '^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$'),
    add column gst_state text check (gst_state ~ '^[0-9]{2}$'),
    add check (gstin is null or gst_state is null
               or left(gstin, 2) = gst_state);

create table invoice_counters (
    fy       text primary key check (fy ~ '^[0-9]{4}-[0-9]{2}$'),
    last_no  integer not null default 0 check (last_no >= 0)
);
grant select, insert, update on invoice_counters to ztic_app;

create table invoices (
    id                 uuid primary key default gen_random_uuid(),
    tenant_id          uuid not null references tenants (id),
    event_id           uuid not null unique references events (id),
    fy                 text not null,
    seq                integer not null check (seq > 0),
    number             text not null unique,
    issued_at          timestamptz not null default now(),
    invoice_date       date not null,
    supplier_name      text not null,
    supplier_gstin     text not null,
    supplier_address   text not null,
    supplier_state     text not null,
    recipient_name     text not null,
    recipient_gstin    text,
    recipient_state    text,
    place_of_supply    text not null,
    sac                text not null,
    commission_paise   bigint not null check (commission_paise >= 0),
    convenience_fee_paise bigint not null check (convenience_fee_paise >= 0),
    taxable_paise      bigint not null
                       check (taxable_paise = commission_paise + convenience_fee_paise),
    cgst_paise         bigint not null check (cgst_paise >= 0),
    sgst_paise         bigint not null check (sgst_paise >= 0),
    igst_paise         bigint not null check (igst_paise >= 0),
    total_paise        bigint not null
                       check (total_paise = taxable_paise + cgst_paise + sgst_paise + igst_paise),
    unique (fy, seq),
    check ((igst_paise = 0) or (cgst_paise = 0 and sgst_paise = 0))
);
create index invoices_tenant_idx on invoices (tenant_id, issued_at desc);

select zt_apply_tenant_rls('invoices');
grant select, insert on invoices to ztic_app;

-- The Indian financial year of a moment: April to March in India's time.
create function zt_fin_year(p_at timestamptz) returns text
language sql immutable as $$
    select case when extract(month from d) >= 4
                then to_char(d, 'YYYY') || '-' || to_char((d + interval '1 year'), 'YY')
                else to_char((d - interval '1 year'), 'YYYY') || '-' || to_char(d, 'YY') end
      from (select (p_at at time zone 'Asia/Kolkata')::date as d) s
$$;

-- Issue the event's invoice (or return the one it has): *created is false
-- when it existed.  Amounts are computed by the caller (lib/zt_invoice.c:
-- the ledger and the rounding rule); the recipient is read here, in the
-- caller's tenant scope.
create function zt_invoice_issue(
    p_tenant uuid, p_event uuid, p_at timestamptz,
    p_supplier_name text, p_supplier_gstin text, p_supplier_address text,
    p_supplier_state text, p_place text, p_sac text,
    p_commission bigint, p_conv bigint,
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
        place_of_supply, sac, commission_paise, convenience_fee_paise,
        taxable_paise, cgst_paise, sgst_paise, igst_paise, total_paise)
    values (p_tenant, p_event, v_fy, v_seq, o_number, p_at,
        (p_at at time zone 'Asia/Kolkata')::date, p_supplier_name,
        p_supplier_gstin, p_supplier_address, p_supplier_state, v_name,
        v_gstin, v_state, p_place, p_sac, p_commission, p_conv,
        p_commission + p_conv, p_cgst, p_sgst, p_igst,
        p_commission + p_conv + p_cgst + p_sgst + p_igst)
    returning id into o_id;
    o_created := true;
end
$$;
grant execute on function zt_invoice_issue(uuid, uuid, timestamptz, text,
    text, text, text, text, text, bigint, bigint, bigint, bigint, bigint)
    to ztic_app;
grant execute on function zt_fin_year(timestamptz) to ztic_app;
