// The organizer's live dashboard and the gate, against the real stack:
// the check-in count comes from GET /api/checkin/events/:id/stats and moves
// with the `checkin` messages of /live/tenant; a draft event's dashboard
// works on the tenant channel alone (issue #23: it said "no such event"
// and "connecting…" for ever).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, apiSignIn, adoptSession, newEmail, areaUp, warmAuth, call, DESKTOP } from './lib.mjs';
import { seedEvent, organizer, buy, warmSeatsAndBookings, psql } from './real.mjs';

let browser;
let ready;
before(async () => {
  browser = await launch();
  ready = await areaUp('/api/checkin/scan');
  await warmAuth();
});
after(async () => { await browser?.close(); });

test('dashboard of a draft event: live on the tenant channel, check-ins counted as they happen', async (t) => {
  if (!ready) { t.skip('the checkin responder is not on this stack'); return; }
  const org = await organizer('gate');
  const ev = seedEvent({ tenantId: org.tenantId, title: 'Gate Night', pricePaise: 0, rows: 2 });
  await warmSeatsAndBookings(ev.id);
  const buyer = await apiSignIn(newEmail('guest'));
  const booking = await buy(buyer, ev.id, [ev.seats.get('A1'), ev.seats.get('A2'), ev.seats.get('A3')]);
  assert.equal(booking.status, 'confirmed');
  const [t1, t2, t3] = booking.tickets.map((x) => x.id);
  // the event starts within the hour (inside the tickets' window), and
  // goes back to draft: no public channel any more
  assert.match(ev.id, /^[0-9a-f-]{36}$/);
  psql(`begin; select set_config('app.tenant_id', '${org.tenantId}', true);
        update events set starts_at = now() + interval '1 hour', ends_at = now() + interval '4 hours',
               status = 'draft', published_at = null where id = '${ev.id}'; commit;`);
  const scan = (ticketId, gate) => call('POST', '/api/checkin/scan', { body: { eventId: ev.id, ticketId, gate }, token: org.token, ip: org.ip });
  assert.equal((await scan(t1, 'North')).status, 200);

  const { page, context, problems } = await open(browser, { device: DESKTOP, acceptDialogs: true });
  await adoptSession(context, org);
  await page.goto(`/organizer/live.html?id=${ev.id}`);
  await page.locator('#dash').waitFor();
  await page.waitForFunction(() => document.querySelector('#d-live').textContent === '● live', null, { timeout: 8000 });
  assert.equal(await page.locator('#page-msg').isVisible(), false, await page.locator('#page-msg').innerText());
  await page.waitForFunction(() => document.querySelector('#k-checkin').textContent === '1');
  await page.waitForTimeout(300);
  // two admissions at the gate arrive over /live/tenant
  assert.equal((await scan(t2, 'North')).status, 200);
  await page.waitForFunction(() => document.querySelector('#k-checkin').textContent === '2', null, { timeout: 5000 });
  assert.equal((await scan(t3, 'South')).status, 200);
  await page.waitForFunction(() => document.querySelector('#k-checkin').textContent === '3', null, { timeout: 5000 });
  // an undo counts down
  const u = await call('POST', '/api/checkin/undo', { body: { eventId: ev.id, ticketId: t3 }, token: org.token, ip: org.ip });
  assert.equal(u.status, 200, u.text);
  await page.waitForFunction(() => document.querySelector('#k-checkin').textContent === '2', null, { timeout: 5000 });
  await shot(page, 'checkin-dashboard-draft');
  assert.equal(await page.locator('#page-msg').isVisible(), false);
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  await context.close();
});
