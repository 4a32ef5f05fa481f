-- demo/001_accounts.sql — demo tenants and people (dev stack only).
--
-- Applied by `ztic-migrate --demo` as ztic_owner in one transaction. FORCE
-- ROW LEVEL SECURITY binds the owner too, so every block of tenant rows is
-- preceded by set_config('app.tenant_id', …, true). The ids are fixed so
-- docs, e2e tests and bookmarks can name them (docs/schema.md lists them).

-- Users are global (no RLS).
insert into users (id, email, phone, name) values
    ('b1000000-0000-4000-8000-000000000001', 'organizer@demo.ztic.in',
     '+919800000001', 'Priya Raman'),
    ('b1000000-0000-4000-8000-000000000002', 'attendee@demo.ztic.in',
     '+919800000002', 'Arjun Mehta'),
    ('b1000000-0000-4000-8000-000000000003', 'promoter@demo.ztic.in',
     '+919800000003', 'Kabir Sethi');

-- Techfest IIT Bombay: a fest committee.
select set_config('app.tenant_id', 'a1000000-0000-4000-8000-000000000001', true);

insert into tenants (id, slug, name, institution, branding, contact_email,
                     contact_phone, status)
values ('a1000000-0000-4000-8000-000000000001', 'techfest-iitb',
        'Techfest IIT Bombay', 'IIT Bombay',
        '{"accent": "#e4572e",
          "logoUrl": "/assets/demo/techfest-logo.svg",
          "tagline": "Asia''s largest science and technology festival"}',
        'hello@techfest.demo.ztic.in', '+912225760000', 'active');

insert into tenant_payout_details (tenant_id, method, upi_id)
values ('a1000000-0000-4000-8000-000000000001', 'upi', 'techfest.iitb@okaxis');

insert into memberships (tenant_id, user_id, role)
values ('a1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000001', 'owner');

insert into audit_log (tenant_id, actor_user_id, action, target, details)
values ('a1000000-0000-4000-8000-000000000001',
        'b1000000-0000-4000-8000-000000000001', 'tenant.created',
        'tenant:a1000000-0000-4000-8000-000000000001', '{"source": "demo"}');

-- Bassline Live: an independent promoter.
select set_config('app.tenant_id', 'a1000000-0000-4000-8000-000000000002', true);

insert into tenants (id, slug, name, institution, branding, contact_email,
                     contact_phone, status)
values ('a1000000-0000-4000-8000-000000000002', 'bassline-live',
        'Bassline Live', null,
        '{"accent": "#3a86ff",
          "logoUrl": "/assets/demo/bassline-logo.svg",
          "tagline": "Independent music, small rooms, loud nights"}',
        'shows@bassline.demo.ztic.in', '+918040000000', 'active');

insert into tenant_payout_details (tenant_id, method, bank_account_name,
                                   bank_account_number, bank_ifsc)
values ('a1000000-0000-4000-8000-000000000002', 'bank', 'Bassline Live LLP',
        '50100012345678', 'HDFC0000123');

insert into memberships (tenant_id, user_id, role)
values ('a1000000-0000-4000-8000-000000000002',
        'b1000000-0000-4000-8000-000000000003', 'owner');

select set_config('app.tenant_id', '', true);
