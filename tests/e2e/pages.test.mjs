// The main pages load on a phone with no console error and no CSP
// violation; screenshots go to tests/e2e/output/ for review.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, DESKTOP } from './lib.mjs';
import { stubApi, reservedEvent, gaEvent } from './fixtures.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('catalogue renders event cards with status stamps (stubbed API)', async () => {
  const { page, problems, context } = await open(browser);
  const soldOut = { ...gaEvent({ id: 'e-sold', title: 'Mood Indigo Pronite' }), soldOut: true };
  const upcoming = { ...reservedEvent({ id: 'e-up', title: 'Saarang Classical Night' }), salesStartsAt: new Date(Date.now() + 86400000).toISOString() };
  await stubApi(page, { events: [reservedEvent(), gaEvent(), soldOut, upcoming] });
  await page.goto('/');
  await page.locator('.event-card').first().waitFor();
  assert.equal(await page.locator('.event-card').count(), 4);
  assert.match(await page.locator('.event-card').first().innerText(), /from ₹299/);
  assert.equal(await page.locator('.stamp-soldout').count(), 1);
  assert.equal(await page.locator('.stamp-upcoming').count(), 1);
  assert.equal(await page.locator('.stamp-live').count(), 2);
  await shot(page, 'catalogue-phone');
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  await context.close();
});

test('catalogue shows the server message when the events API fails', async () => {
  const { page, context } = await open(browser);
  await page.route(/\/api\/events(\?.*)?$/, (r) => r.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'database is down for a moment' } }) }));
  await page.goto('/');
  await page.locator('#list-msg').waitFor();
  assert.equal(await page.locator('#list-msg').innerText(), 'database is down for a moment');
  await context.close();
});

test('event page draws the seat map and legend (stubbed API)', async () => {
  const { page, problems, context } = await open(browser);
  await stubApi(page, { events: [reservedEvent()], status: { v: 3, held: ['seat-C5', 'seat-C6'], sold: ['seat-D1', 'seat-D2', 'seat-D3'] } });
  await page.goto(`/event.html?id=${reservedEvent().id}`);
  await page.locator('#seatmap .seat').first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#seatmap .seat.held').length === 2);
  assert.equal(await page.locator('#seatmap .seat').count(), 120);
  assert.equal(await page.locator('#seatmap .seat.sold').count(), 3);
  assert.equal(await page.locator('#seatmap .seat.blocked').count(), 2);
  assert.equal(await page.locator('[data-id="seat-C5"]').getAttribute('aria-label'), 'Row C, seat 5, Gold, ₹1,200, held');
  await shot(page, 'event-phone');
  await page.setViewportSize(DESKTOP.viewport);
  await shot(page, 'event-desktop');
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  await context.close();
});

test('GA event shows quantity pickers with availability (stubbed API)', async () => {
  const { page, problems, context } = await open(browser);
  await stubApi(page, { events: [gaEvent()], status: { v: 1, ga: { 'tt-early': 10, 'tt-regular': 350 } } });
  await page.goto(`/event.html?id=${gaEvent().id}`);
  await page.locator('.ga-row').first().waitFor();
  assert.equal(await page.locator('.ga-row').count(), 2);
  await page.waitForFunction(() => document.querySelector('.ga-row').innerText.includes('Only 10 left'));
  await shot(page, 'event-ga-phone');
  assert.deepEqual(problems.errors, []);
  await context.close();
});

test('tickets page asks a signed-out visitor to sign in', async () => {
  const { page, problems, context } = await open(browser);
  await page.goto('/tickets.html');
  await page.locator('#signed-out').waitFor();
  await shot(page, 'tickets-signed-out');
  assert.deepEqual(problems.errors, []);
  await context.close();
});
