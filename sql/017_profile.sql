-- 017_profile.sql — why a pending order closed, and the person's own data.
--
-- close_reason: a pending booking closed before payment says why, so the
-- buyer's booking page can tell them (docs/bookings.md, "Closed on
-- release").  'hold_released': the buyer gave the hold back (DELETE
-- /api/seats/lock, whole or one seat), which closes the order in the same
-- request; a payment that still arrives for it is refunded, never issued.
-- 'hold_expired': cron/expire ended it after the hold and its grace ran out.
alter table bookings add column close_reason text
    check (close_reason in ('hold_released', 'hold_expired'));

-- Sessions the person can see and end (GET /api/auth/sessions): the
-- browser or app that signed in (its User-Agent, at most 200 bytes, as
-- sent) and when the session last refreshed its access token.
alter table refresh_families add column user_agent text
    check (length(user_agent) <= 200);
alter table refresh_families add column last_used_at timestamptz;
