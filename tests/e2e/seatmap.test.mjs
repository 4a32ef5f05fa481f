// Seat selection by keyboard alone against a real event (real holds), and
// with stubbed answers what a real stack does not produce on demand: a 409
// race, the live protocol's stale versions and gaps, a hold expiring in
// seconds, GA availability pushes, and the signed-out path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, apiSignIn, adoptSession, newEmail, warmAuth } from './lib.mjs';
import { seedEvent, buy, warmSeatsAndBookings } from './real.mjs';
import { stubApi, reservedEvent, gaEvent, sse } from './fixtures.mjs';

let browser;
let real;           // a real event: A1 blocked, B2 sold
before(async () => {
  browser = await launch();
  real = seedEvent({ title: 'Keyboard Night', pricePaise: 120000, blocked: ['A1'] });
  await warmAuth();
  await warmSeatsAndBookings(real.id);
  await buy(await apiSignIn(newEmail('early')), real.id, [real.seats.get('B2')]);
});
after(async () => { await browser?.close(); });

// Each test signs in afresh: refresh tokens rotate, so two contexts
// sharing one would revoke the family (token_reused).
async function signedInPage() {
  const o = await open(browser);
  await adoptSession(o.context, await apiSignIn(newEmail('seats')));
  return o;
}

async function tabToMap(page) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const onSeat = await page.evaluate(() => !!document.activeElement?.closest?.('#seatmap .seat'));
    if (onSeat) return;
  }
  throw new Error('Tab never reached the seat map');
}
const focused = (page) => page.evaluate(() => document.activeElement.getAttribute('aria-label'));

test('keyboard only: Tab into the map, arrows move, Enter holds, Space releases', async () => {
  const { page, context, problems } = await signedInPage();
  const id = (l) => real.seats.get(l);
  const locks = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/seats/lock')) locks.push([r.method(), r.url(), r.postData() ? JSON.parse(r.postData()) : null]); });
  await page.goto(`/event.html?id=${real.id}`);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.locator('#live-state', { hasText: 'live' }).waitFor();
  await page.waitForFunction((x) => document.querySelector(`[data-id="${x}"]`).classList.contains('sold'), id('B2'));

  await tabToMap(page);
  // A1 is blocked: the map starts on the first seat that is not.
  assert.equal(await focused(page), 'Row A, seat 2, Gold, ₹1,200, available');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'Row B, seat 2, Gold, ₹1,200, sold');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), 'Row C, seat 4, Gold, ₹1,200, available');
  await page.keyboard.press('End');
  assert.equal(await focused(page), 'Row C, seat 12, Gold, ₹1,200, available');
  await page.keyboard.press('Enter');
  await page.waitForFunction((x) => document.querySelector(`[data-id="${x}"]`).getAttribute('aria-pressed') === 'true', id('C12'));
  assert.equal(await focused(page), 'Row C, seat 12, Gold, ₹1,200, selected by you');
  const lock = locks.find((c) => c[0] === 'POST');
  assert.equal(lock[2].eventId, real.id);
  assert.deepEqual(lock[2].seatIds, [id('C12')]);
  assert.match(await page.locator('#sel-list').innerText(), /Row C, seat 12 · Gold\s+₹1,200/);
  assert.ok(await page.locator('#hold-timer').isVisible());
  assert.match(await page.locator('#countdown').innerText(), /^\d{1,2}:\d\d$/);
  await shot(page, 'seat-selected-phone');

  // a sold seat cannot be taken; the message says why, in place
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowRight');
  assert.equal(await focused(page), 'Row B, seat 2, Gold, ₹1,200, sold');
  await page.keyboard.press('Enter');
  await page.locator('#hold-msg.msg-error').waitFor();
  assert.match(await page.locator('#hold-msg').innerText(), /Row B, seat 2.*not available/);

  // back to C12 and release it with Space
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  await page.keyboard.press(' ');
  await page.waitForFunction((x) => document.querySelector(`[data-id="${x}"]`).getAttribute('aria-pressed') === 'false', id('C12'));
  assert.ok(locks.some((c) => c[0] === 'DELETE' && c[1].includes(`/api/seats/lock/${id('C12')}`)));
  assert.ok(await page.locator('#checkout').isDisabled());
  // the server agrees: nothing of ours is held any more
  const st = await page.evaluate(async (e) => (await (await import('/js/api.js')).get(`/api/seats/status/${e}`)).mine, real.id);
  assert.ok(!st || !(st.seats || []).length, JSON.stringify(st));
  assert.deepEqual(problems.errors, []);
  await context.close();
});

test('a 409 from the hold greys out the conflicting seat and shows the server message (stubbed API)', async () => {
  const { page, context } = await signedInPage();
  const ev = reservedEvent();
  await stubApi(page, {
    events: [ev],
    lock: (route, req, body, json) => json(route, 409, { error: { code: 'seat_taken', message: 'someone else just took Row E, seat 5' }, conflicts: ['seat-E5'] }),
  });
  await page.goto(`/event.html?id=${ev.id}`);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.locator('[data-id="seat-E5"]').click();
  await page.locator('#hold-msg.msg-error').waitFor();
  assert.equal(await page.locator('#hold-msg').innerText(), 'someone else just took Row E, seat 5');
  assert.equal(await page.locator('[data-id="seat-E5"]').getAttribute('class'), 'seat held');
  await context.close();
});

test('live: newer messages apply, stale ones are dropped, a gap refetches the snapshot, holds free at expiresAt (stubbed API)', async () => {
  const { page, context } = await signedInPage();
  const ev = reservedEvent();
  let snapshots = 0;
  const soon = new Date(Date.now() + 2500).toISOString();
  const calls = await stubApi(page, {
    events: [ev],
    status: () => {
      snapshots += 1;
      return snapshots === 1 ? { v: 10, held: [], sold: [] }
        : { v: 20, held: [{ id: 'seat-E1', expiresAt: soon }], sold: ['seat-F1', 'seat-F2'] };
    },
  });
  let served = 0;
  await page.route(/\/live\/events\/.+$/, async (route) => {
    served += 1;
    if (served > 1) return route.fulfill({ status: 200, contentType: 'text/event-stream', body: 'retry: 600000\n\n' });
    await new Promise((r) => setTimeout(r, 300)); // after the snapshot
    return route.fulfill({
      status: 200,
      contentType: 'text/event-stream',
      body: `retry: 600000\n\n${sse([
        { v: 11, type: 'seats.held', seats: ['seat-E1', 'seat-E2'], expiresAt: soon },
        { v: 9, type: 'seats.sold', seats: ['seat-E3'] },             // older than the snapshot: dropped
        { v: 11, type: 'seats.sold', seats: ['seat-E4'] },            // duplicate version: dropped
        { v: 12, type: 'seats.released', seats: ['seat-E2'] },
        { v: 15, type: 'seats.sold', seats: ['seat-F1'] },            // gap 12 → 15: refetch
      ])}`,
    });
  });
  await page.goto(`/event.html?id=${ev.id}`);
  await page.locator('#seatmap .seat').first().waitFor();
  const cls = (id) => page.locator(`[data-id="${id}"]`).getAttribute('class');
  await page.waitForFunction(() => document.querySelector('[data-id="seat-F2"]').classList.contains('sold'));
  assert.equal(await cls('seat-E1'), 'seat held');
  assert.equal(await cls('seat-E2'), 'seat available');
  assert.equal(await cls('seat-E3'), 'seat available');
  assert.equal(await cls('seat-E4'), 'seat available');
  assert.equal(await cls('seat-F1'), 'seat sold');
  assert.equal(snapshots, 2, 'the gap refetched the snapshot once');
  assert.equal(await page.locator('[data-id="seat-E1"]').getAttribute('aria-label'), 'Row E, seat 1, Gold, ₹1,200, held');
  // E1's hold expires by itself (no message needed)
  await page.waitForFunction(() => document.querySelector('[data-id="seat-E1"]').classList.contains('available'), null, { timeout: 5000 });
  assert.ok(calls.filter((c) => c[1].includes('/api/seats/status/')).length >= 2);
  await context.close();
});

test('GA: + holds one more pass, availability updates live (stubbed API)', async () => {
  const { page, context } = await signedInPage();
  const ev = gaEvent();
  const calls = await stubApi(page, { events: [ev], status: { v: 1, ga: { 'tt-early': 3, 'tt-regular': 350 } } });
  await page.route(/\/live\/events\/.+$/, (route) => route.fulfill({
    status: 200, contentType: 'text/event-stream',
    body: `retry: 600000\n\n${sse([{ v: 2, type: 'ga.changed', ga: { 'tt-early': 0 } }])}`,
  }));
  await page.goto(`/event.html?id=${ev.id}`);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.waitForFunction(() => document.querySelector('[data-type="tt-early"]').innerText.includes('Sold out'));
  assert.ok(await page.getByRole('button', { name: 'One more Early Bird' }).isDisabled());
  await page.getByRole('button', { name: 'One more Regular' }).click();
  await page.waitForFunction(() => document.querySelector('#qty-tt-regular').textContent === '1');
  const lock = calls.find((c) => c[0] === 'POST');
  assert.deepEqual(lock[2], { eventId: ev.id, seatIds: [], ga: [{ ticketTypeId: 'tt-regular', quantity: 1 }] });
  assert.match(await page.locator('#sel-list').innerText(), /1 × Regular\s+₹799/);
  await shot(page, 'event-ga-held');
  await context.close();
});

test('choosing a seat while signed out opens the sign-in sheet (stubbed API)', async () => {
  const { page, context } = await open(browser);
  const ev = reservedEvent();
  const calls = await stubApi(page, { events: [ev] });
  await page.goto(`/event.html?id=${ev.id}`);
  await page.locator('[data-id="seat-E5"]').click();
  await page.locator('#signin-sheet').waitFor();
  assert.ok(!calls.some((c) => c[0] === 'POST'), 'no hold without a session');
  await page.keyboard.press('Escape');
  await page.locator('#signin-sheet').waitFor({ state: 'detached' });
  assert.equal(await page.locator('[data-id="seat-E5"]').getAttribute('class'), 'seat available');
  await context.close();
});
