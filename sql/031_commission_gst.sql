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
