// A released hold closes its order (issue #23, docs/bookings.md "Closed on
// release"), against the real stack: the buyer sees the total, the hold is
// given back elsewhere (another tab: the real DELETE /api/seats/lock), and
// Pay then refuses with the reason instead of opening Razorpay Checkout;
// My tickets says why the order closed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, call, apiSignIn, adoptSession, newEmail, warmAuth } from './lib.mjs';
import { seedEvent, warmSeatsAndBookings } from './real.mjs';
import { rupees } from '../../web/js/format.js';

let browser;
let real;
before(async () => {
  browser = await launch();
  real = seedEvent({ title: 'Released Hold Night', pricePaise: 80000 });
  await warmAuth();
  await warmSeatsAndBookings(real.id);
});
after(async () => { await browser?.close(); });

test('after the hold is released, Pay refuses with the reason and no Checkout opens', async () => {
  const o = await open(browser, { acceptDialogs: true });
  const { page, context, problems } = o;
  const session = await apiSignIn(newEmail('released'));
  await adoptSession(context, session);
  const checkoutLoads = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.endsWith('/checkout.js') || u.pathname.startsWith('/checkout/') || u.pathname === '/api/bookings/confirm') checkoutLoads.push(u.pathname);
  });

  await page.goto(`/event.html?id=${real.id}`);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.locator('#live-state', { hasText: 'live' }).waitFor();
  const seat = real.seats.get('D3');
  await page.locator(`#seatmap [data-id="${seat}"]`).click();
  await page.waitForFunction((x) => document.querySelector(`[data-id="${x}"]`).classList.contains('mine'), seat);
  await page.locator('#checkout').click();
  await page.locator('#checkout-sheet').waitFor();
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/bookings');
  await page.getByRole('button', { name: 'See the total' }).click();
  const bk = await (await answer).json();
  assert.equal(bk.status, 'pending');
  const payLabel = `Pay ${rupees(bk.totalPaise)}`;
  await page.getByRole('button', { name: payLabel }).waitFor();

  // another tab gives the hold back: the order closes in that request
  const rel = await call('DELETE', `/api/seats/lock?eventId=${real.id}`, { token: session.token });
  assert.equal(rel.status, 204, rel.text);

  await page.getByRole('button', { name: payLabel }).click();
  const err = page.locator('#checkout-sheet .msg-error');
  await err.waitFor();
  assert.match(await err.innerText(), /You released the seats of this order/);
  assert.ok(await page.locator('#pay').isDisabled(), 'Pay is disabled');
  assert.equal(await page.locator('iframe[name="razorpay-emulator"]').count(), 0);
  assert.deepEqual(checkoutLoads, []);
  await shot(page, 'released-hold-refused');

  // the booking page says why
  await page.locator('#checkout-sheet button[aria-label="Close"]').click();
  await page.goto('/tickets.html');
  const card = page.locator(`article[data-booking="${bk.id}"]`);
  await card.waitFor();
  assert.equal(await card.getAttribute('data-status'), 'expired');
  assert.match(await card.locator('.close-reason').innerText(), /You released the seats of this order/);
  await shot(page, 'released-hold-tickets');
  assert.deepEqual(problems.csp, []);
  assert.deepEqual(problems.errors, []);
  await context.close();
});
