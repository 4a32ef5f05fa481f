-- 023_money2.sql - payouts ended by Razorpay's webhooks (docs/finance.md,
-- "Payouts").
--
-- A transfer.* webhook names the transfer, not the payout: the payout is
-- found by provider_transfer_id, which one transfer never has twice.
-- ---------------------------------------------------------------------------

create unique index payouts_transfer_idx on payouts (provider_transfer_id)
    where provider_transfer_id is not null;
