// Real end to end, two browsers on one event: holds grey out live, a
// test-mode payment sells the seat for everyone. Needs the seats and
// bookings responders (branches seats, book) on main; the events
// responder (branch org) too, or the event is seeded in SQL and its public
// read stubbed from the same rows. Moves into tests/e2e/ once it passes on
// main (tests/e2e/README.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { launch, open, shot, apiSignIn, adoptSession, newEmail, areaUp, call, warmAuth, RAZORPAY } from '../lib.mjs';

const OWNER_DSN = process.env.ZT_TEST_PG_OWNER_DSN;
let browser;
let ev;            // {id, seats: Map label → id, answer}
let eventsApi;

function psql(sql) {
  return execFileSync('psql', [OWNER_DSN, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' }).trim();
}

// A published 10×12 event of an active tenant, like the demo seed does it.
function seedEvent() {
  const slug = `e2e-${Date.now().toString(36)}`;
  const out = psql(`
    begin;
    select set_config('app.tenant_id', gen_random_uuid()::text, true);
    insert into tenants (id, slug, name, status) values (current_setting('app.tenant_id')::uuid, '${slug}', 'E2E Fest', 'active');
    insert into events (tenant_id, slug, title, category, city, venue_name, starts_at, ends_at, status, published_at,
                        sales_starts_at, per_user_limit, layout_kind)
      values (current_setting('app.tenant_id')::uuid, 'live-map', 'Live Map Night', 'music', 'Chennai', 'OAT',
              now() + interval '10 days', now() + interval '10 days 3 hours', 'published', now(), now() - interval '1 day', 6, 'reserved');
    insert into price_categories (tenant_id, event_id, name, price_paise, colour, sort_order)
      select tenant_id, id, 'Gold', 50000, '#f4a261', 1 from events where tenant_id = current_setting('app.tenant_id')::uuid;
    insert into seats (tenant_id, event_id, section, row_label, seat_label, x, y, price_category_id)
      select e.tenant_id, e.id, '', chr(64 + r), s::text, (s - 1) + (s > 6)::int, r - 1, c.id
        from events e join price_categories c on c.event_id = e.id, generate_series(1, 10) r, generate_series(1, 12) s
       where e.tenant_id = current_setting('app.tenant_id')::uuid;
    select e.id || '|' || string_agg(s.row_label || s.seat_label || '=' || s.id, ',')
      from events e join seats s on s.event_id = e.id
     where e.tenant_id = current_setting('app.tenant_id')::uuid group by e.id;
    commit;`);
  const [id, list] = out.split('\n').filter(Boolean).pop().split('|');
  const seats = new Map(list.split(',').map((p) => p.split('=')));
  return { id, seats };
}

// The public read as the events responder answers it (when it is absent).
function answerFor(e) {
  const rows = [];
  for (let r = 1; r <= 10; r++) {
    const label = String.fromCharCode(64 + r);
    rows.push({ label, seats: Array.from({ length: 12 }, (_, i) => ({ id: e.seats.get(`${label}${i + 1}`), label: String(i + 1), x: i + (i + 1 > 6 ? 1 : 0), y: r - 1, category: 'Gold' })) });
  }
  return { id: e.id, slug: 'live-map', title: 'Live Map Night', status: 'published', layoutKind: 'reserved', perUserLimit: 6,
    startsAt: new Date(Date.now() + 864e6).toISOString(), city: 'Chennai', venueName: 'OAT', tenant: { name: 'E2E Fest', slug: 'e2e' },
    refundPolicy: { type: 'none' }, categories: [{ id: 'gold', name: 'Gold', pricePaise: 50000, colour: '#f4a261' }], sections: [{ name: '', rows }], ticketTypes: [] };
}

async function buyer(tag) {
  const o = await open(browser);
  await adoptSession(o.context, await apiSignIn(newEmail(tag)));
  if (!eventsApi) {
    await o.page.route(new RegExp(`/api/events/${ev.id}$`), (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(answerFor(ev)) }));
  }
  await o.page.goto(`/event.html?id=${ev.id}`);
  await o.page.getByRole('button', { name: 'Sign out' }).waitFor();
  await o.page.locator('#live-state', { hasText: 'live' }).waitFor();
  return o;
}

before(async () => {
  browser = await launch();
  eventsApi = await areaUp('/api/events');
  ev = seedEvent();
  // the integration suite restarted Redis: give each worker its first,
  // failing Redis request (see warmAuth in lib.mjs)
  await warmAuth();
  for (let i = 0; i < 4; i++) await call('GET', `/api/seats/status/${ev.id}`);
  const w = await apiSignIn(newEmail('warm'));
  for (let i = 0; i < 4; i++) await call('POST', '/api/bookings', { body: { eventId: ev.id }, token: w.token });
});
after(async () => { await browser?.close(); });

test('two browsers: A holds a seat and B sees it grey out within 1 s; A lets go and B sees it free', async () => {
  const a = await buyer('live-a');
  const b = await buyer('live-b');
  const seat = ev.seats.get('C5');
  const bSeat = b.page.locator(`[data-id="${seat}"]`);
  assert.equal(await bSeat.getAttribute('class'), 'seat available');
  const t0 = Date.now();
  await a.page.locator(`[data-id="${seat}"]`).click();
  await b.page.waitForFunction((id) => document.querySelector(`[data-id="${id}"]`).classList.contains('held'), seat, { timeout: 3000 });
  const took = Date.now() - t0;
  assert.ok(took < 1000, `B saw the hold after ${took} ms`);
  assert.equal(await a.page.locator(`[data-id="${seat}"]`).getAttribute('aria-pressed'), 'true');
  assert.match(await bSeat.getAttribute('aria-label'), /, held$/);
  await shot(b.page, 'live-b-sees-hold');
  // B cannot take it: the server says so, in place
  await bSeat.click({ force: true }); // aria-disabled: Playwright would refuse
  await b.page.locator('#hold-msg.msg-error').waitFor();
  // A releases; B sees it free again
  await a.page.locator(`[data-id="${seat}"]`).click();
  await b.page.waitForFunction((id) => document.querySelector(`[data-id="${id}"]`).classList.contains('available'), seat, { timeout: 3000 });
  await a.context.close();
  await b.context.close();
});

test('A pays in test mode and B sees the seat sold', { skip: !RAZORPAY && 'no Razorpay emulator' }, async () => {
  const a = await buyer('pay-a');
  const b = await buyer('pay-b');
  const seat = ev.seats.get('D7');
  await a.page.locator(`[data-id="${seat}"]`).click();
  await b.page.waitForFunction((id) => document.querySelector(`[data-id="${id}"]`).classList.contains('held'), seat);
  await a.page.locator('#checkout').click();
  await a.page.getByRole('button', { name: 'See the total' }).click();
  const pay = a.page.getByRole('button', { name: /^Pay ₹/ });
  await a.page.locator('#checkout-sheet .msg-error, #pay:text-matches("^Pay ₹")').first().waitFor();
  if (await a.page.locator('#checkout-sheet .msg-error').isVisible()) {
    throw new Error(`booking failed: ${await a.page.locator('#checkout-sheet .msg-error').innerText()}`);
  }
  await shot(a.page, 'live-a-checkout');
  await pay.click();
  const frame = a.page.frameLocator('iframe[name="razorpay-emulator"]');
  await frame.locator('#rzp-pay').click();
  await a.page.locator('#page-msg.msg-ok', { hasText: 'Booked!' }).waitFor({ timeout: 15000 });
  await b.page.waitForFunction((id) => document.querySelector(`[data-id="${id}"]`).classList.contains('sold'), seat, { timeout: 3000 });
  // A's ticket is in My tickets
  await a.page.goto('/tickets.html');
  await a.page.locator('article.ticket[data-status="confirmed"]').waitFor();
  await shot(a.page, 'live-a-tickets');
  await a.context.close();
  await b.context.close();
});
