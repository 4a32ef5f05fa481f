// Checkout: the server's price breakdown, paying through the real Razorpay
// emulator's Checkout shim and TEST MODE page (on main, docs/payments.md),
// a failed attempt, a confirm that times out, hold expiry; My tickets with
// cancel. Sign-in is real; the bookings endpoints are stubbed with their
// documented contract until they land on main.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, apiSignIn, adoptSession, newEmail, RAZORPAY, RZP_KEY, emulatorOrder, checkoutSignature } from './lib.mjs';
import { stubApi, reservedEvent, gaEvent } from './fixtures.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const json = (route, code, body) => route.fulfill({ status: code, contentType: 'application/json', body: JSON.stringify(body) });

async function signedIn() {
  const o = await open(browser, { acceptDialogs: true });
  const session = await apiSignIn(newEmail('buyer'));
  await adoptSession(o.context, session);
  return { ...o, session };
}

// POST /api/bookings answers the booking (branch book, docs/bookings.md)
function pendingBooking(ev, orderId) {
  return {
    id: 'bk-9', status: 'pending', eventId: ev.id, subtotalPaise: 240000, feePaise: 4800, taxPaise: 864, totalPaise: 245664,
    currency: 'INR', expiresAt: new Date(Date.now() + 420000).toISOString(), event: { title: ev.title, startsAt: ev.startsAt, venue: ev.venueName },
    items: [{ seatId: 'seat-C4', quantity: 1, unitPricePaise: 120000, label: 'Stalls C4' }, { seatId: 'seat-C5', quantity: 1, unitPricePaise: 120000, label: 'Stalls C5' }],
    tickets: [],
    payment: { provider: 'razorpay', orderId, status: 'created', amount: 245664, refundedPaise: 0, currency: 'INR', keyId: RZP_KEY, checkoutScript: `${RAZORPAY}/v1/checkout.js` },
  };
}

async function holdTwo(page, ev) {
  await page.goto(`/event.html?id=${ev.id}`);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  for (const id of ['seat-C4', 'seat-C5']) {
    await page.locator(`#seatmap [data-id="${id}"]`).click();
    await page.waitForFunction((x) => document.querySelector(`[data-id="${x}"]`).classList.contains('mine'), id);
  }
}

test('pay in test mode: breakdown from the server, the emulator\'s checkout, a declined attempt, then paid and confirmed (emulator real, bookings stubbed)', async () => {
  const { page, context, session, problems } = await signedIn();
  const ev = reservedEvent();
  await stubApi(page, { events: [ev] });
  const order = await emulatorOrder(245664, 'bk-9');
  let created = null;
  let confirmed = null;
  await page.route('**/api/bookings', (r) => { created = JSON.parse(r.request().postData()); json(r, 201, pendingBooking(ev, order.id)); });
  await page.route('**/api/bookings/confirm', (r) => { confirmed = JSON.parse(r.request().postData()); json(r, 200, { ...pendingBooking(ev, order.id), status: 'confirmed' }); });
  await holdTwo(page, ev);
  await page.getByRole('button', { name: /Checkout · 2 tickets/ }).first().click();
  await page.locator('#checkout-sheet').waitFor();
  assert.match(await page.locator('#checkout-sheet').innerText(), new RegExp(`Tickets go to ${session.email.replace(/[.]/g, '\\.')}`));
  await page.getByRole('button', { name: 'See the total' }).click();
  await page.getByRole('button', { name: 'Pay ₹2,456.64' }).waitFor();
  assert.deepEqual(created, { eventId: ev.id });
  const breakdown = await page.locator('#checkout-sheet .breakdown').innerText();
  assert.match(breakdown, /Tickets\s+₹2,400/);
  assert.match(breakdown, /Booking fee\s+₹48/);
  assert.match(breakdown, /GST\s+₹8.64/);
  assert.match(breakdown, /Total\s+₹2,456.64/);
  await shot(page, 'checkout-breakdown');
  await page.getByRole('button', { name: 'Pay ₹2,456.64' }).click();
  // the emulator's TEST MODE page opens over ours (its checkout.js shim)
  const frame = page.frameLocator('iframe[name="razorpay-emulator"]');
  await frame.locator('#rzp-test-mode').waitFor();
  await page.screenshot({ path: new URL('./output/checkout-emulator.png', import.meta.url).pathname });
  await frame.locator('#rzp-fail').click();
  // the failure is noted (shown when the window closes); Checkout offers a retry
  await page.waitForFunction(() => /Payment failed/.test(document.querySelector('#checkout-sheet .msg-error')?.textContent || ''));
  assert.equal(confirmed, null);
  // try again inside the window, and pay
  await frame.locator('#rzp-retry').click();
  await frame.locator('#rzp-pay').click();
  await page.locator('#page-msg.msg-ok', { hasText: 'Booked!' }).waitFor();
  assert.equal(confirmed.bookingId, 'bk-9');
  assert.equal(confirmed.razorpay_order_id, order.id);
  assert.match(confirmed.razorpay_payment_id, /^pay_/);
  assert.equal(confirmed.razorpay_signature, checkoutSignature(order.id, confirmed.razorpay_payment_id));
  assert.equal(await page.locator('[data-id="seat-C4"]').getAttribute('class'), 'seat sold');
  await shot(page, 'checkout-confirmed');
  assert.deepEqual(problems.csp, []);
  assert.deepEqual(problems.errors, []);
  await context.close();
});

test('closing the payment window keeps the hold and says so (emulator real, bookings stubbed)', async () => {
  const { page, context } = await signedIn();
  const ev = reservedEvent();
  await stubApi(page, { events: [ev] });
  const order = await emulatorOrder(245664, 'bk-9b');
  await page.route('**/api/bookings', (r) => json(r, 201, pendingBooking(ev, order.id)));
  await holdTwo(page, ev);
  await page.locator('#checkout').click();
  await page.getByRole('button', { name: 'See the total' }).click();
  await page.getByRole('button', { name: 'Pay ₹2,456.64' }).click();
  const frame = page.frameLocator('iframe[name="razorpay-emulator"]');
  await frame.locator('#rzp-test-mode').waitFor();
  await frame.locator('#rzp-cancel').click();
  await page.locator('#checkout-sheet .msg-error', { hasText: 'Payment window closed' }).waitFor();
  assert.equal(await page.locator('[data-id="seat-C4"]').getAttribute('class'), 'seat mine');
  assert.ok(await page.getByRole('button', { name: 'Pay ₹2,456.64' }).isEnabled(), 'can pay again');
  await context.close();
});

test('a failed payment shows the gateway message in place (stubbed API)', async () => {
  const { page, context } = await signedIn();
  const ev = reservedEvent();
  await stubApi(page, { events: [ev] });
  await page.goto(`/event.html?id=${ev.id}&booking=bk-9&error%5Bcode%5D=BAD_REQUEST_ERROR&error%5Bdescription%5D=Payment%20declined%20by%20the%20bank`);
  const msg = page.locator('#page-msg.msg-error');
  await msg.waitFor();
  assert.match(await msg.innerText(), /Payment failed: Payment declined by the bank/);
  await context.close();
});

test('a confirm that fails at the gateway is checked again until the booking settles (stubbed API)', async () => {
  const { page, context } = await signedIn();
  const ev = reservedEvent();
  await stubApi(page, { events: [ev] });
  await page.route('**/api/bookings/confirm', (r) => json(r, 504, { error: { code: 'gateway_timeout', message: 'the service behind this path did not answer in time' } }));
  let polls = 0;
  await page.route('**/api/bookings/bk-9', (r) => { polls += 1; json(r, 200, { id: 'bk-9', status: polls < 2 ? 'pending' : 'confirmed' }); });
  await page.goto(`/event.html?id=${ev.id}&booking=bk-9&razorpay_order_id=o&razorpay_payment_id=p&razorpay_signature=s`);
  await page.locator('#page-msg', { hasText: 'Still confirming' }).waitFor();
  await page.locator('#page-msg.msg-ok', { hasText: 'Booked!' }).waitFor({ timeout: 15000 });
  assert.ok(polls >= 2);
  await context.close();
});

test('a hold that expires during checkout frees the seats and stops payment (stubbed API)', async () => {
  const { page, context } = await signedIn();
  const ev = reservedEvent();
  await stubApi(page, {
    events: [ev],
    lock: (route, req, body, j) => (req.method() === 'POST' ? j(route, 200, { holdId: 'h', expiresAt: new Date(Date.now() + 3000).toISOString() }) : route.fulfill({ status: 204, body: '' })),
  });
  await holdTwo(page, ev);
  assert.match(await page.locator('#countdown').innerText(), /^0:0[0-3]$/);
  await page.locator('#checkout').click();
  await page.locator('#checkout-sheet').waitFor();
  await page.locator('#checkout-sheet .msg-error', { hasText: 'Your hold expired before payment' }).waitFor({ timeout: 6000 });
  assert.ok(await page.locator('#pay').isDisabled());
  await page.locator('#checkout-sheet button[aria-label="Close"]').click();
  assert.equal(await page.locator('[data-id="seat-C4"]').getAttribute('class'), 'seat available');
  assert.match(await page.locator('#hold-msg').innerText(), /Your hold expired and 2 tickets were released/);
  await context.close();
});

test('a free event confirms at once (stubbed API)', async () => {
  const { page, context } = await signedIn();
  const ev = { ...gaEvent({ id: 'ev-free', title: 'Intro to Robotics Workshop' }), ticketTypes: [{ id: 'tt-reg', name: 'Registration', pricePaise: 0, capacity: 120, sold: 0, perOrderLimit: 1 }], perUserLimit: 1 };
  await stubApi(page, { events: [ev], status: { v: 1, ga: { 'tt-reg': 120 } } });
  await page.route('**/api/bookings', (r) => json(r, 201, { id: 'bk-free', status: 'confirmed', totalPaise: 0, subtotalPaise: 0, feePaise: 0, taxPaise: 0, items: [{ ticketTypeId: 'tt-reg', quantity: 1, unitPricePaise: 0, label: 'Registration' }], tickets: [{ id: 't1', ticketTypeId: 'tt-reg', pricePaise: 0, status: 'live' }] }));
  await page.goto(`/event.html?id=${ev.id}`);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.getByRole('button', { name: 'One more Registration' }).click();
  await page.waitForFunction(() => document.querySelector('#qty-tt-reg').textContent === '1');
  assert.ok(await page.getByRole('button', { name: 'One more Registration' }).isDisabled(), 'one per person');
  await page.locator('#checkout').click();
  await page.getByRole('button', { name: 'See the total' }).click();
  await page.locator('#page-msg.msg-ok', { hasText: 'Booked!' }).waitFor();
  await context.close();
});

test('My tickets lists bookings and cancels one within the policy (stubbed API)', async () => {
  const { page, context, problems } = await signedIn();
  const t = (id, seatId) => ({ id, seatId, ticketTypeId: null, pricePaise: 120000, status: 'live', checkedInAt: null });
  let cancelled = null;
  const future = new Date(Date.now() + 20 * 864e5).toISOString();
  await page.route('**/api/bookings/mine', (r) => json(r, 200, { bookings: [
    { id: 'bk-a', status: 'confirmed', eventId: 'e1', event: { title: 'Techfest Keynote <live>', startsAt: future, venue: 'Convocation Hall' }, totalPaise: 240000,
      items: [{ seatId: 's4', label: 'Stalls C4', quantity: 1, unitPricePaise: 120000 }, { seatId: 's5', label: 'Stalls C5', quantity: 1, unitPricePaise: 120000 }],
      tickets: [t('t1', 's4'), t('t2', 's5')] },
    { id: 'bk-b', status: 'refunded', eventId: 'e2', event: { title: 'Indie Night Live', startsAt: future }, totalPaise: 49900,
      items: [{ ticketTypeId: 'tt', label: 'Early Bird', quantity: 1, unitPricePaise: 49900 }], tickets: [{ id: 't3', ticketTypeId: 'tt', status: 'refunded', pricePaise: 49900 }] },
  ] }));
  await page.route('**/api/bookings/bk-a/cancel', (r) => { cancelled = 'bk-a'; json(r, 200, { id: 'bk-a', status: 'refunded', eventId: 'e1', event: { title: 'Techfest Keynote <live>', startsAt: future }, totalPaise: 240000, payment: { refundedPaise: 216000 }, items: [], tickets: [] }); });
  await page.route(/\/live\/bookings\/.+/, (r) => r.fulfill({ status: 200, contentType: 'text/event-stream', body: 'retry: 600000\n\n' }));
  await page.goto('/tickets.html');
  await page.locator('article[data-booking="bk-a"]').waitFor();
  assert.match(await page.locator('article[data-booking="bk-a"]').innerText(), /Techfest Keynote <live>[\s\S]*Stalls C4[\s\S]*Stalls C5/);
  assert.match(await page.locator('article[data-booking="bk-b"]').innerText(), /Early Bird/);
  await shot(page, 'tickets-list');
  await page.getByRole('button', { name: 'Cancel booking' }).click();
  await page.locator('article[data-booking="bk-a"][data-status="refunded"]').waitFor();
  assert.equal(cancelled, 'bk-a');
  assert.equal(await page.locator('article[data-booking="bk-b"] button').count(), 0);
  assert.deepEqual(problems.errors, []);
  await context.close();
});
