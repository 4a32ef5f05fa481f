-- 027_user_lang.sql — the language a person reads the product in
-- (docs/web.md, "Server messages").
--
-- users.lang: 'en' (English) or 'hi' (Hindi).  Set by the person on the
-- profile API (PATCH /api/auth/me {"lang"}); the server's API error
-- messages, sign-in codes, emails and SMS to the account use it.  A
-- request with no account falls back to Accept-Language, then English.
-- Not tenant data: users has no row-level security.
alter table users add column lang text not null default 'en'
    check (lang in ('en', 'hi'));
