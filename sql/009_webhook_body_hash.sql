-- 009_webhook_body_hash.sql — a webhook is a replay when its signed body
-- was seen before, whatever X-Razorpay-Event-Id says.
--
-- The event id header is not covered by the signature: anyone holding one
-- signed body (a log, a proxy) could post it again under a new id and have
-- it processed again. The SHA-256 of the raw body is, so the responder
-- records it and a second delivery of the same body is a duplicate
-- (docs/bookings.md, "Webhooks"). Rows written before this migration keep
-- NULL here (their raw body was not kept; NULLs never collide).
alter table webhook_events add column body_sha256 text;
create unique index webhook_events_body_idx
    on webhook_events (provider, body_sha256);
