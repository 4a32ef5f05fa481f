-- 023_money2.sql - payouts ended by Razorpay's webhooks (docs/finance.md,
-- "Payouts").
--
-- A transfer.* webhook names the transfer, not the payout: the payout is
-- found by provider_transfer_id, which one transfer never has twice.
-- ---------------------------------------------------------------------------

create unique index payouts_transfer_idx on payouts (provider_transfer_id)
    where provider_transfer_id is not null;

-- RazorpayX payouts (ZT_PAYOUT_VIA=razorpayx): the tenant's contact and
-- fund account at RazorpayX, made from the payout details by the first
-- payout and kept for the next.  A payout's provider_transfer_id is then
-- the pout_… id (the prefix tells which API it went through).
alter table tenant_payout_details
    add column razorpayx_contact_id text,
    add column razorpayx_fund_account_id text;

-- ---------------------------------------------------------------------------
-- The daily comparison with Razorpay's settlement report (ztic-reconcile,
-- docs/finance.md "The daily comparison"): a line we do not have, or of
-- another amount, is a discrepancy for the admins; each checked day keeps
-- its totals in recon_days (platform-wide, like reconcile_marks).
-- ---------------------------------------------------------------------------

alter table payment_discrepancies drop constraint payment_discrepancies_kind_check;
alter table payment_discrepancies add constraint payment_discrepancies_kind_check
    check (kind in ('unknown_order', 'not_settled', 'recon_unknown',
                    'recon_amount', 'recon_refund_unknown',
                    'recon_refund_amount'));

create table recon_days (
    day                   date primary key,
    items                 int not null check (items >= 0),
    razorpay_credit_paise bigint not null,
    razorpay_debit_paise  bigint not null,
    our_credit_paise      bigint not null,
    our_debit_paise       bigint not null,
    discrepancies         int not null check (discrepancies >= 0),
    checked_at            timestamptz not null default now()
);
-- no tenant's row: like reconcile_marks, no row-level security (no API
-- serves it; the admins read it in SQL)
grant select, insert, update on recon_days to ztic_app;

-- ---------------------------------------------------------------------------
-- TDS (Income-tax Act s. 194-O) and GST TCS (CGST Act s. 52) withheld from
-- the organizer's payable (docs/finance.md, "TDS and TCS"): rates in basis
-- points of the event's net sales, ZT_TDS_BPS / ZT_TCS_BPS for everyone, a
-- tenant's own rate when set (a lower-deduction certificate, a tenant
-- outside the rule).  A payout keeps what was withheld; fees_paise counts
-- it, so net = gross - refunds - fees still holds.
-- ---------------------------------------------------------------------------

alter table tenants
    add column tds_bps int check (tds_bps between 0 and 500),
    add column tcs_bps int check (tcs_bps between 0 and 500);
alter table payouts
    add column tds_paise bigint not null default 0 check (tds_paise >= 0),
    add column tcs_paise bigint not null default 0 check (tcs_paise >= 0);
