// Helpers for the browser tests against the real stack (no stubs): events
// seeded in SQL as the table owner (like tests/integration/ztseats.py),
// organizers onboarded through the API, Redis reached over its socket.
import { execFileSync } from 'node:child_process';
import { call, apiSignIn, newEmail, RAZORPAY, checkoutSignature } from './lib.mjs';

const OWNER_DSN = process.env.ZT_TEST_PG_OWNER_DSN;
const REDIS_SOCKET = process.env.ZT_TEST_REDIS_SOCKET;

export function psql(sql) {
  if (!OWNER_DSN) throw new Error('ZT_TEST_PG_OWNER_DSN is not set');
  return execFileSync('psql', [OWNER_DSN, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' }).trim();
}

export function redis(...args) {
  if (!REDIS_SOCKET) throw new Error('ZT_TEST_REDIS_SOCKET is not set');
  return execFileSync('redis-cli', ['-s', REDIS_SOCKET, ...args.map(String)], { encoding: 'utf8' }).trim();
}

// Make a hold's expiry the present, as if its TTL ran out; the sweeper
// then releases it and publishes seats.released (ztseats.expire_hold_now).
export function expireHoldNow(eventId, holdId) {
  return redis('ZADD', `zt:{ev:${eventId}}:holds`, 'XX', '1', holdId);
}

const uuidRe = /^[0-9a-f-]{36}$/;

// A published reserved event (rows × 12 seats, an aisle after seat 6, one
// "Gold" category at `pricePaise`) of a tenant, like the demo seed does it.
// No tenant given: a new active one. `refund`: the before_start policy with
// that cutoff (hours) and no fee. `blocked`: seat labels ("A1"). `ga`:
// ticket types [{name, pricePaise, capacity, perOrderLimit}]; rows = 0
// makes a GA-only event. Returns {id, tenantId, title, seats, ga} (maps
// of seat label / type name → id).
export function seedEvent({ tenantId = null, title = 'Live Map Night', rows = 10, pricePaise = 50000, refund = null, perUserLimit = 6, blocked = [], ga = [] } = {}) {
  if (tenantId && !uuidRe.test(tenantId)) throw new Error('bad tenant id');
  const slug = `e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const tenantSql = tenantId
    ? `select set_config('app.tenant_id', '${tenantId}', true);`
    : `select set_config('app.tenant_id', gen_random_uuid()::text, true);
       insert into tenants (id, slug, name, status) values (current_setting('app.tenant_id')::uuid, '${slug}', 'E2E Fest', 'active');`;
  const policy = refund === null ? `'none', null` : `'before_start', ${Number(refund)}`;
  const out = psql(`
    begin;
    ${tenantSql}
    insert into events (tenant_id, slug, title, category, city, venue_name, starts_at, ends_at, status, published_at,
                        sales_starts_at, per_user_limit, layout_kind, refund_policy, refund_cutoff_hours)
      values (current_setting('app.tenant_id')::uuid, '${slug}', '${title.replace(/'/g, "''")}', 'music', 'Chennai', 'OAT',
              now() + interval '10 days', now() + interval '10 days 3 hours', 'published', now(), now() - interval '1 day',
              ${Number(perUserLimit)}, ${rows > 0 ? (ga.length ? "'hybrid'" : "'reserved'") : "'ga'"}, ${policy});
    insert into price_categories (tenant_id, event_id, name, price_paise, colour, sort_order)
      select tenant_id, id, 'Gold', ${Number(pricePaise)}, '#f4a261', 1 from events
       where tenant_id = current_setting('app.tenant_id')::uuid and slug = '${slug}';
    insert into seats (tenant_id, event_id, section, row_label, seat_label, x, y, price_category_id)
      select e.tenant_id, e.id, '', chr(64 + r), s::text, (s - 1) + (s > 6)::int, r - 1, c.id
        from events e join price_categories c on c.event_id = e.id, generate_series(1, ${Number(rows)}) r, generate_series(1, 12) s
       where e.tenant_id = current_setting('app.tenant_id')::uuid and e.slug = '${slug}';
    ${blocked.map((l) => { const m = /^([A-Z])(\d+)$/.exec(l); if (!m) throw new Error('bad seat label'); return `update seats set blocked = true where row_label = '${m[1]}' and seat_label = '${m[2]}' and event_id = (select id from events where tenant_id = current_setting('app.tenant_id')::uuid and slug = '${slug}');`; }).join('\n')}
    ${ga.map((t) => `insert into ticket_types (tenant_id, event_id, name, price_paise, capacity, per_order_limit)
      select tenant_id, id, '${String(t.name).replace(/'/g, "''")}', ${Number(t.pricePaise)}, ${Number(t.capacity)}, ${Number(t.perOrderLimit || 10)}
        from events where tenant_id = current_setting('app.tenant_id')::uuid and slug = '${slug}';`).join('\n')}
    select e.id || '|' || e.tenant_id
        || '|' || coalesce((select string_agg(s.row_label || s.seat_label || '=' || s.id, ',') from seats s where s.event_id = e.id), '')
        || '|' || coalesce((select string_agg(t.name || '=' || t.id, ',') from ticket_types t where t.event_id = e.id), '')
      from events e where e.tenant_id = current_setting('app.tenant_id')::uuid and e.slug = '${slug}';
    commit;`);
  const [id, tenant, list, types] = out.split('\n').filter(Boolean).pop().split('|');
  const pairs = (x) => new Map(x ? x.split(',').map((p) => p.split('=')) : []);
  return { id, tenantId: tenant, title, seats: pairs(list), ga: pairs(types) };
}

// A signed-in organizer: onboards a tenant through the API, which a
// platform admin approves (the owner role, as the integration tests do),
// then the refresh family switches to it. Returns the session whose
// refresh cookie a browser context can adopt.
export async function organizer(tag = 'org') {
  const s = await apiSignIn(newEmail(tag));
  const slug = `crew-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const ob = await call('POST', '/api/tenants/onboard', { body: { name: 'Live Crew', slug, contactEmail: s.email }, token: s.token, ip: s.ip });
  if (ob.status !== 201) throw new Error(`onboard ${ob.status}: ${ob.text}`);
  const tenantId = ob.json.tenantId;
  if (!uuidRe.test(tenantId)) throw new Error('bad tenant id');
  psql(`begin; select set_config('app.tenant_id', '${tenantId}', true);
        update tenants set status = 'active' where id = '${tenantId}'; commit;`);
  const r = await call('POST', '/api/auth/token/refresh', { body: { tenantId }, cookie: `zt_refresh=${s.refresh}`, ip: s.ip });
  if (r.status !== 200) throw new Error(`refresh ${r.status}: ${r.text}`);
  const set = [].concat(r.headers['set-cookie'] || []).find((c) => c.startsWith('zt_refresh='));
  return { ...s, token: r.json.accessToken, refresh: set ? set.split(';')[0].slice('zt_refresh='.length) : s.refresh, tenantId };
}

// The integration suite restarts Redis: each worker's first Redis request
// fails (see warmAuth in lib.mjs). Warm the seats and bookings pools.
export async function warmSeatsAndBookings(eventId) {
  for (let i = 0; i < 4; i++) await call('GET', `/api/seats/status/${eventId}`);
  const w = await apiSignIn(newEmail('warm'));
  for (let i = 0; i < 4; i++) await call('POST', '/api/bookings', { body: { eventId }, token: w.token });
}

// Buy seats through the real APIs: hold (POST /api/seats/lock), book
// (POST /api/bookings), pay the order on the Razorpay emulator
// (POST /_fake/pay, what its TEST MODE page does) and confirm with the
// Checkout signature (POST /api/bookings/confirm). Returns the booking.
export async function buy(session, eventId, seatIds) {
  const opts = { token: session.token, ip: session.ip };
  const lock = await call('POST', '/api/seats/lock', { ...opts, body: { eventId, seatIds } });
  if (lock.status !== 200) throw new Error(`lock ${lock.status}: ${lock.text}`);
  const bk = await call('POST', '/api/bookings', { ...opts, body: { eventId } });
  if (bk.status !== 201 && bk.status !== 200) throw new Error(`booking ${bk.status}: ${bk.text}`);
  if (bk.json.status === 'confirmed') return bk.json;
  const orderId = bk.json.payment.orderId;
  const r = await fetch(`${RAZORPAY}/_fake/pay`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ order_id: orderId, outcome: 'captured' }) });
  const p = await r.json();
  if (!r.ok) throw new Error(`emulator pay ${r.status}: ${JSON.stringify(p)}`);
  const paymentId = p.id || (p.payment && p.payment.id) || p.razorpay_payment_id;
  const c = await call('POST', '/api/bookings/confirm', { ...opts, body: { bookingId: bk.json.id, razorpay_order_id: orderId, razorpay_payment_id: paymentId, razorpay_signature: checkoutSignature(orderId, paymentId) } });
  if (c.status !== 200) throw new Error(`confirm ${c.status}: ${c.text}`);
  return c.json;
}
