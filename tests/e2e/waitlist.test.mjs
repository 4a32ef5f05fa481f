// Waiting list (docs/commerce.md, "Waiting list"), against the real stack:
// on a sold-out event's page the person joins the waiting list, a unit
// comes back (another buyer releases their hold), ztic-waitlist (run by
// the test, as the test stack runs no jobs loop) offers it as a hold, the
// page shows the offer with the unit already selected, and checkout books
// it; the next run marks the entry booked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { launch, open, shot, call, apiSignIn, adoptSession, newEmail, warmAuth, VAR } from './lib.mjs';
import { seedEvent, warmSeatsAndBookings, psql, organizer } from './real.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// One run of cron/ztic-waitlist with the stack's environment.
function runWaitlist() {
  if (!VAR) throw new Error('ZT_TEST_VAR is not set');
  execFileSync('bash', ['--norc', '--noprofile', '-c', 'set -a; . "$0"; set +a; exec "$1"', path.join(VAR, 'env'), path.join(ROOT, 'cron', 'ztic-waitlist')],
    { encoding: 'utf8', env: { PATH: process.env.PATH } });
}

let browser;
let real;
before(async () => {
  browser = await launch();
  real = seedEvent({ title: 'Sold Out Gig', rows: 0, perUserLimit: 2, ga: [{ name: 'Pass', pricePaise: 0, capacity: 2, perOrderLimit: 2 }] });
  await warmAuth();
  await warmSeatsAndBookings(real.id);
});
after(async () => { await browser?.close(); });

test('join the waiting list of a sold-out event, receive an offer, book it', async () => {
  const tt = real.ga.get('Pass');
  // someone holds every pass: sold out for now
  const holder = await apiSignIn(newEmail('holder'));
  let r = await call('POST', '/api/seats/lock', { body: { eventId: real.id, ga: [{ ticketTypeId: tt, quantity: 2 }] }, token: holder.token, ip: holder.ip });
  assert.equal(r.status, 200, r.text);

  const { page, context, problems } = await open(browser, { acceptDialogs: true });
  const session = await apiSignIn(newEmail('waiter'));
  await adoptSession(context, session);
  await page.goto(`/event.html?id=${real.id}`);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  const block = page.locator('#waitlist-section');
  await block.getByRole('button', { name: 'Join the waiting list' }).click();
  await block.getByText('Waiting: number 1 in line').waitFor();
  await shot(page, 'waitlist-joined');

  // a pass comes back; the run offers it to the first in line
  r = await call('POST', '/api/seats/lock', { body: { eventId: real.id, ga: [{ ticketTypeId: tt, quantity: 1 }] }, token: holder.token, ip: holder.ip });
  assert.equal(r.status, 200, r.text);
  runWaitlist();
  const sent = psql(`select count(*) from outbox where recipient = '${session.email}' and payload->>'template' = 'waitlist.offer'`);
  assert.equal(sent, '1');

  // the message's link: the page with the held pass selected
  await page.goto(`/event.html?id=${real.id}&waitlist=offer`);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await block.getByText(/Held for you until/).waitFor();
  await page.waitForFunction((x) => document.querySelector(`#qty-${x}`).textContent === '1', tt);
  await shot(page, 'waitlist-offered');
  await page.locator('#checkout').click();
  const answer = page.waitForResponse((x) => x.request().method() === 'POST' && new URL(x.url()).pathname === '/api/bookings');
  await page.getByRole('button', { name: 'See the total' }).click();
  const bk = await (await answer).json();
  assert.equal(bk.status, 'confirmed');
  await page.locator('#page-msg.msg-ok', { hasText: 'Booked!' }).waitFor();

  runWaitlist();
  const status = psql(`select set_config('app.tenant_id', '${real.tenantId}', false);
    select status from waitlist_entries where event_id = '${real.id}';`).split('\n').pop();
  assert.equal(status, 'booked');
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  await context.close();
});

test('the organizer sees the line and offers to a chosen person', async () => {
  const org = await organizer('wl-org');
  const ev = seedEvent({ tenantId: org.tenantId, title: 'Sold Out Talk', rows: 0, perUserLimit: 2, ga: [{ name: 'Seat', pricePaise: 0, capacity: 1, perOrderLimit: 1 }] });
  const tt = ev.ga.get('Seat');
  await warmSeatsAndBookings(ev.id);
  const holder = await apiSignIn(newEmail('holder2'));
  let r = await call('POST', '/api/seats/lock', { body: { eventId: ev.id, ga: [{ ticketTypeId: tt, quantity: 1 }] }, token: holder.token, ip: holder.ip });
  assert.equal(r.status, 200, r.text);
  const ids = [];
  for (const tag of ['first', 'second']) {
    const p = await apiSignIn(newEmail(tag));
    r = await call('POST', `/api/events/${ev.id}/waitlist`, { body: { ticketTypeId: tt, quantity: 1 }, token: p.token, ip: p.ip });
    assert.equal(r.status, 201, r.text);
    ids.push(r.json.id);
  }
  r = await call('DELETE', `/api/seats/lock?eventId=${ev.id}`, { token: holder.token, ip: holder.ip });
  assert.equal(r.status, 204, r.text);

  const { page, context, problems } = await open(browser);
  await adoptSession(context, org);
  await page.goto(`/organizer/waitlist.html?event=${ev.id}`);
  await page.locator(`[data-entry="${ids[1]}"]`).waitFor();
  assert.match(await page.locator('#wl-counts').innerText(), /2 waiting/);
  await page.locator(`[data-entry="${ids[1]}"]`).getByRole('button', { name: 'Offer now' }).click();
  await page.locator(`[data-entry="${ids[1]}"][data-status="offered"]`).waitFor();
  assert.match(await page.locator('#wl-counts').innerText(), /1 waiting · 1 offered/);
  await shot(page, 'waitlist-organizer');
  assert.deepEqual(problems.errors, []);
  await context.close();
});
