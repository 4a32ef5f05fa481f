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
