// A promo code at checkout (docs/commerce.md): a wrong code is refused with
// the server's message, the right one (typed in another case) gives the
// server's breakdown with the discount, fees and GST on the discounted
// price. Real stack: an event and a code seeded in SQL, real holds and
// bookings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, apiSignIn, adoptSession, newEmail, warmAuth } from './lib.mjs';
import { seedEvent, warmSeatsAndBookings, psql, organizer } from './real.mjs';
import { rupees } from '../../web/js/format.js';

let browser;
let real;
let code;
before(async () => {
  browser = await launch();
  real = seedEvent({ title: 'Promo Night', pricePaise: 100000 });
  code = `e2e${Date.now().toString(36)}`;
  psql(`begin; select set_config('app.tenant_id', '${real.tenantId}', true);
    insert into promo_codes (tenant_id, event_id, code, kind, value) values ('${real.tenantId}', '${real.id}', '${code}', 'percent', 25);
    commit;`);
  await warmAuth();
  await warmSeatsAndBookings(real.id);
});
after(async () => { await browser?.close(); });

test('a promo code at checkout: a wrong one is refused, the right one shows the discount in the server\'s breakdown', async () => {
  const { page, context, problems } = await open(browser, { acceptDialogs: true });
  await adoptSession(context, await apiSignIn(newEmail('promo')));
  await page.goto(`/event.html?id=${real.id}`);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.locator('#live-state', { hasText: 'live' }).waitFor();
  for (const l of ['D4', 'D5']) {
    const id = real.seats.get(l);
    await page.locator(`#seatmap [data-id="${id}"]`).click();
    await page.waitForFunction((x) => document.querySelector(`[data-id="${x}"]`).classList.contains('mine'), id);
  }
  await page.locator('#checkout').click();
  await page.locator('#checkout-sheet').waitFor();
  await page.getByLabel('Promo code').fill('NOT-A-CODE');
  await page.getByRole('button', { name: 'See the total' }).click();
  await page.locator('#checkout-sheet .msg-error', { hasText: 'no such promo code' }).waitFor();
  await page.getByLabel('Promo code').fill(code.toUpperCase());
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/bookings' && r.status() === 201);
  await page.getByRole('button', { name: 'See the total' }).click();
  const bk = await (await answer).json();
  assert.equal(bk.subtotalPaise, 150000);
  assert.equal(bk.discountPaise, 50000);
  assert.equal(bk.totalPaise, bk.subtotalPaise + bk.feePaise + bk.taxPaise);
  await page.getByRole('button', { name: `Pay ${rupees(bk.totalPaise)}` }).waitFor();
  const breakdown = await page.locator('#checkout-sheet .breakdown').innerText();
  assert.match(breakdown, /Tickets\s+₹2,000/);
  assert.ok(breakdown.includes(`Promo discount\t${rupees(-50000)}`), breakdown);
  assert.ok(breakdown.includes(rupees(bk.feePaise)), breakdown);
  assert.ok(await page.getByLabel('Promo code').isDisabled());
  await shot(page, 'checkout-promo');
  assert.deepEqual(problems.csp, []);
  assert.deepEqual(problems.errors, []);
  await context.close();
});

test('the organizer makes a code, sees it used, makes a batch and disables a code', async () => {
  const org = await organizer('promo');
  const ev = seedEvent({ tenantId: org.tenantId, title: 'Promo Crew Night', pricePaise: 80000 });
  const { page, context, problems } = await open(browser, { acceptDialogs: true });
  await adoptSession(context, org);
  await page.goto('/organizer/promo.html');
  await page.locator('#promo-page').waitFor();
  await page.getByLabel('Code', { exact: true }).fill('Early-Bird');
  await page.getByLabel('Event id').fill(ev.id);
  await page.getByLabel('Value (% or ₹)').fill('15');
  await page.getByLabel('Uses in all').fill('100');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.locator('#promo-msg.msg-ok', { hasText: 'early-bird is ready' }).waitFor();
  await page.locator('tr[data-code="early-bird"]', { hasText: '15% off' }).waitFor();
  assert.match(await page.locator('tr[data-code="early-bird"]').innerText(), /0 \/ 100/);
  // a batch of single-use codes: one row, with its CSV
  await page.getByLabel('Or generate single-use codes').fill('5');
  await page.getByLabel('Prefix of generated codes').fill('STU');
  await page.getByLabel('Value (% or ₹)').fill('50');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.locator('#promo-msg.msg-ok', { hasText: '5 codes made' }).waitFor();
  await page.getByRole('button', { name: 'Batch CSV' }).waitFor();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Batch CSV' }).click();
  assert.match((await download).suggestedFilename(), /^promo-codes-.*\.csv$/);
  await page.locator('tr[data-code="early-bird"]').getByRole('button', { name: 'Disable' }).click();
  await page.locator('tr[data-code="early-bird"]', { hasText: '(disabled)' }).waitFor();
  await shot(page, 'organizer-promo');
  assert.deepEqual(problems.csp, []);
  assert.deepEqual(problems.errors, []);
  await context.close();
});
