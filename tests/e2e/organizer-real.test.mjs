// Real end to end against the tenants and events responders (on main):
// an organizer onboards through the portal, builds a 10×12 hybrid event
// with the generator, publishes it, and the public catalogue and event
// page show it. Its title is an XSS payload, which must render as text
// everywhere. Seat holds and payments join when their responders land
// (tests/e2e/pending/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { launch, open, shot, apiSignIn, adoptSession, newEmail, areaUp, warmAuth, DESKTOP } from './lib.mjs';
import { seedEvent, organizer, buy, warmSeatsAndBookings } from './real.mjs';
import { XSS } from './fixtures.mjs';

let browser;
let ready;
before(async () => {
  browser = await launch();
  ready = (await areaUp('/api/events')) && (await areaUp('/api/tenants/me'));
  await warmAuth();
});
after(async () => { await browser?.close(); });

// A platform admin approves the tenant (no admin console yet): the table
// owner may change a tenant's status, as the integration tests do.
// (Row-level security binds the owner too: scope to the tenant first.)
function approve(tenantId) {
  assert.match(tenantId, /^[0-9a-f-]{36}$/);
  const out = execFileSync('psql', [process.env.ZT_TEST_PG_OWNER_DSN, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c',
    `begin; select set_config('app.tenant_id', '${tenantId}', true);
     update tenants set status = 'active' where id = '${tenantId}' returning status; commit;`], { encoding: 'utf8' });
  assert.match(out, /active/);
}

// "YYYY-MM-DDTHH:MM" in IST, days from now, for datetime-local inputs.
function istInput(days, hh) {
  const d = new Date(Date.now() + days * 864e5 + 5.5 * 36e5);
  return `${d.toISOString().slice(0, 10)}T${hh}`;
}

test('organizer: onboard, build a 10×12 hybrid event with the generator, publish, find it in the public catalogue', async (t) => {
  if (!ready) { t.skip('the tenants/events responders are not on this stack'); return; }
  const { page, context, problems } = await open(browser, { device: DESKTOP, acceptDialogs: true });
  const session = await apiSignIn(newEmail('organizer'));
  await adoptSession(context, session);
  const slug = `crew-${Date.now().toString(36)}`;

  // onboarding
  await page.goto('/organizer/');
  await page.locator('#onboard-form').waitFor();
  await page.locator('#ob-name').fill('Saarang Crew <b>');
  await page.locator('#ob-slug').fill(slug);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.locator('#home').waitFor();
  assert.match(await page.locator('#tenant-note').innerText(), /pending/);
  approve(await page.evaluate(async () => (await import('/js/api.js')).getSession().tenantId));

  // the event, through the editor
  await page.getByRole('link', { name: 'New event' }).click();
  await page.locator('#editor').waitFor();
  await page.locator('#ev-title').fill(XSS);
  await page.locator('#ev-slug').fill('xss-night');
  await page.locator('#ev-city').fill('Chennai');
  await page.locator('#ev-venue').fill('Open Air Theatre, IIT Madras');
  await page.locator('#ev-starts').fill(istInput(30, '18:00'));
  await page.locator('#ev-ends').fill(istInput(30, '21:00'));
  await page.locator('label:has(input[value="hybrid"])').click();
  await page.locator('#gen-rows').fill('10');
  await page.locator('#gen-cols').fill('12');
  await page.locator('#gen-aisles').fill('6');
  await page.waitForTimeout(300);
  await page.locator('#preview [data-id="A1"]').click();
  await page.waitForFunction(() => /1 blocked/.test(document.querySelector('#gen-count').textContent));
  await page.getByRole('button', { name: 'Save draft' }).click();
  const saved = page.locator('#save-msg');
  await page.locator('#save-msg.msg-ok, #save-msg.msg-error').waitFor();
  assert.equal(await saved.getAttribute('class'), 'msg msg-ok', await saved.innerText());
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.locator('#ed-stamp .stamp-live').waitFor();
  assert.match(await saved.innerText(), /Published: the event is in the public catalogue/);
  const eventId = new URL(page.url()).searchParams.get('id');
  await shot(page, 'real-organizer-editor');

  // the organizer's list has it
  await page.goto('/organizer/');
  await page.locator(`#event-rows tr[data-id="${eventId}"]`).waitFor();
  assert.equal(await page.locator(`#event-rows tr[data-id="${eventId}"] a`).first().innerText(), XSS);

  // the public catalogue, as anyone
  const visitor = await open(browser);
  await visitor.page.goto(`/?q=${encodeURIComponent('onerror')}`);
  const card = visitor.page.locator(`.event-card[data-id="${eventId}"]`);
  await card.waitFor();
  assert.equal(await card.locator('h3').innerText(), XSS);
  assert.match(await card.innerText(), /from ₹299/);
  await shot(visitor.page, 'real-catalogue');
  // and its event page: the generated map, the blocked seat, the passes
  await card.click();
  await visitor.page.locator('#ev-title').waitFor();
  assert.equal(await visitor.page.locator('#ev-title').innerText(), XSS);
  await visitor.page.locator('#seatmap .seat').first().waitFor();
  assert.equal(await visitor.page.locator('#seatmap .seat').count(), 120);
  assert.equal(await visitor.page.locator('#seatmap .seat.blocked').count(), 1);
  assert.match(await visitor.page.locator('#seatmap .seat.blocked').getAttribute('aria-label'), /^Row A, seat 1, Platinum, ₹1,499, blocked$/);
  assert.match(await visitor.page.locator('#ga-list').innerText(), /Standing/);
  await shot(visitor.page, 'real-event');
  assert.equal(await visitor.page.locator('main img').count(), 0);
  assert.deepEqual(visitor.problems.dialogs, []);
  assert.deepEqual(problems.dialogs, []);
  assert.deepEqual(problems.csp, []);
  await visitor.context.close();
  await context.close();
});

// The live dashboard against the real stack: a purchase made elsewhere
// arrives over /live/tenant, the organizer refunds it from the bookings
// list, and the attendee CSV is built from the real bookings.
test('dashboard: live totals, a purchase appears over /live/tenant, refund it, export attendees', async () => {
  const org = await organizer('dash');
  const ev = seedEvent({ tenantId: org.tenantId, title: 'Dashboard Night', pricePaise: 120000 });
  await warmSeatsAndBookings(ev.id);
  const early = await apiSignIn(newEmail('early'));
  const first = await buy(early, ev.id, [ev.seats.get('C4'), ev.seats.get('C5')]);
  assert.equal(first.status, 'confirmed');
  const { page, context, problems } = await open(browser, { device: DESKTOP, acceptDialogs: true });
  await adoptSession(context, org);
  await page.goto(`/organizer/live.html?id=${ev.id}`);
  await page.locator('#dash').waitFor();
  await page.locator(`tr[data-booking="${first.id}"]`).waitFor();
  await page.waitForFunction(() => document.querySelector('#k-sold').textContent === '2');
  assert.equal(await page.locator('#seatmap .seat.sold').count(), 2);
  // give the tenant channel a moment to subscribe, then someone buys
  await page.waitForTimeout(500);
  const late = await apiSignIn(newEmail('late'));
  const second = await buy(late, ev.id, [ev.seats.get('G1')]);
  await page.locator(`tr[data-booking="${second.id}"]`).waitFor({ timeout: 5000 });
  await page.waitForFunction(() => document.querySelector('#k-sold').textContent === '3', null, { timeout: 5000 });
  await page.waitForFunction(() => document.querySelector('#k-revenue').textContent === '₹3,600', null, { timeout: 5000 });
  await shot(page, 'real-organizer-dashboard');
  // refund it from the list
  await page.locator(`button[data-refund="${second.id}"]`).click();
  await page.locator(`tr[data-booking="${second.id}"] .stamp-cancelled, tr[data-booking="${second.id}"] .stamp-refunded`).first().waitFor();
  // the seat goes back on sale (seats.released on /live/events/:id)
  await page.waitForFunction((id) => document.querySelector(`#seatmap [data-id="${id}"]`).classList.contains('available'), ev.seats.get('G1'), { timeout: 5000 });
  await shot(page, 'real-organizer-refunded');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export attendees (CSV)' }).click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.match(csv, /^booking,status,name,email,phone,ticket,seat_or_type,price_inr,checked_in_at\r\n/);
  assert.ok(csv.includes(`${first.id},confirmed,`), csv);
  assert.ok(csv.includes(early.email), csv);
  assert.match(csv, new RegExp(`${second.id},(refunded|cancelled),`));
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  await context.close();
});
