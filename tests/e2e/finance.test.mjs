// The organizer's money page (docs/finance.md) with stubbed answers: the
// statement of an event, its lines as a CSV download. Sign-in is real; the
// ledger itself is checked against the database in
// tests/integration/test_ledger.py.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, apiSignIn, adoptSession, newEmail, mint, DESKTOP } from './lib.mjs';
import { reservedEvent } from './fixtures.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const TENANT = 'a1000000-0000-4000-8000-0000000000f2';
const EVENT = 'e1000000-0000-4000-8000-0000000000f2';
const json = (route, code, body) => route.fulfill({ status: code, contentType: 'application/json', body: JSON.stringify(body) });

const STATEMENT = {
  eventId: EVENT, title: 'Mood Indigo Finale', status: 'completed', currency: 'INR', commissionBps: 500,
  lines: {
    ticketSales: 200000, convenienceFee: 4000, convenienceFeeGst: 720, otherReceipts: 0, gatewayFees: 4956,
    refunds: { buyer: 45000, organizer: 10000, latePayments: 0, eventCancelled: 0, total: 55000 },
  },
  collectedPaise: 204720, grossPaise: 200000, refundsPaise: 55000, gatewayFeesPaise: 4956,
  commissionPaise: 7250, commissionGstBps: 1800, commissionGstPaise: 1305, payablePaise: 131489,
};

const MONTH = {
  month: '2026-10', timeZone: 'Asia/Kolkata', organizer: 'Mood Indigo', currency: 'INR',
  events: [STATEMENT],
  totals: { ...STATEMENT, grossPaise: 12345678 },
};

test('money: an event\'s statement, its lines as CSV, a month, CSV and PDF downloads, the nav link (stubbed finance API)', async () => {
  const { page, context, problems } = await open(browser, { device: DESKTOP });
  const session = await apiSignIn(newEmail('fin'));
  await adoptSession(context, session);
  const member = {
    accessToken: mint(session.user.id, { tid: TENANT, role: 'owner' }), expiresIn: 900, tokenType: 'Bearer',
    user: session.user, tenantId: TENANT, role: 'owner',
    memberships: [{ tenantId: TENANT, role: 'owner', slug: 'mood-indigo', name: 'Mood Indigo', status: 'active' }],
  };
  await page.route('**/api/auth/token/refresh', (r) => json(r, 200, member));
  await page.route(/\/api\/events\/mine(\?.*)?$/, (r) => json(r, 200, { events: [{ ...reservedEvent({ id: EVENT, title: 'Mood Indigo Finale', status: 'completed' }), sections: undefined }], next: null }));
  const asked = [];
  await page.route(/\/api\/tenants\/me\/finance\/events\/.*/, (r) => {
    asked.push(r.request().url());
    if (r.request().url().endsWith('format=pdf')) {
      return r.fulfill({ status: 200, contentType: 'application/pdf', body: '%PDF-1.5\n%%EOF\n' });
    }
    if (r.request().url().endsWith('format=csv')) {
      return r.fulfill({ status: 200, contentType: 'text/csv; charset=utf-8', body: 'kind,booking_id,payment_id,refund_id,amount_paise,at\r\ntotal_payable,,,,132794,\r\n' });
    }
    return json(r, 200, STATEMENT);
  });
  const pdf = (r) => r.fulfill({ status: 200, contentType: 'application/pdf', body: '%PDF-1.5\n%%EOF\n' });
  await page.route(/\/api\/tenants\/me\/finance\/months\/.*/, (r) => {
    asked.push(r.request().url());
    if (r.request().url().endsWith('format=pdf')) return pdf(r);
    if (r.request().url().endsWith('format=csv')) {
      return r.fulfill({ status: 200, contentType: 'text/csv; charset=utf-8', body: 'event_id,title\r\ntotal,\r\n' });
    }
    return json(r, 200, MONTH);
  });
  // GST invoices and the registration (docs/finance.md, "GST invoices")
  const INVOICE = 'f1000000-0000-4000-8000-0000000000f2';
  await page.route(/\/api\/tenants\/me\/finance\/invoices(\/.*)?(\?.*)?$/, (r) => {
    asked.push(r.request().url());
    if (r.request().url().endsWith('format=pdf')) return pdf(r);
    return json(r, 200, { invoices: [{ id: INVOICE, number: 'ZT/2026-27/000042', date: '2026-11-01', eventTitle: 'Mood Indigo Finale',
      commissionPaise: 7250, gstBps: 1800, taxablePaise: 7250, cgstPaise: 653, sgstPaise: 652, igstPaise: 0, totalPaise: 8555,
      taxType: 'CGST+SGST' }] });
  });
  const gstBodies = [];
  await page.route(/\/api\/tenants\/me\/gst$/, (r) => {
    if (r.request().method() === 'PUT') {
      gstBodies.push(r.request().postDataJSON());
      return json(r, 200, { gstin: '27AAPFU0939F1ZV', state: '27', stateName: 'Maharashtra' });
    }
    return json(r, 200, { gstin: null, state: null, stateName: null });
  });
  await page.goto(`/organizer/finance.html?event=${EVENT}&month=2026-10`);
  await page.locator('#statement:not([hidden])').waitFor();
  const text = await page.locator('#statement-rows').innerText();
  assert.match(text, /Ticket sales\s+₹2,000/);
  assert.match(text, /Platform commission \(5\.00 %\)\s+−₹72\.50/);
  assert.match(text, /GST on the commission \(18\.00 %\)\s+−₹13\.05/);
  assert.match(text, /Payable to you\s+₹1,314\.89/);
  await shot(page, 'organizer-finance');
  const download = page.waitForEvent('download');
  await page.locator('#fin-csv').click();
  const file = await download;
  assert.equal(file.suggestedFilename(), `ledger-${EVENT}.csv`);
  assert.ok(asked.some((u) => u.endsWith(`/api/tenants/me/finance/events/${EVENT}?format=csv`)));
  // the month: a row per event and the totals, its CSV
  await page.locator('#month-wrap:not([hidden])').waitFor();
  const month = await page.locator('#month-rows').innerText();
  // the commission column carries its GST: −(72.50 + 13.05)
  assert.match(month, /Mood Indigo Finale\s+₹2,000\s+−₹550\s+−₹49\.56\s+−₹85\.55\s+₹1,314\.89/);
  assert.match(month, /Total\s+₹1,23,456\.78/);
  assert.ok(asked.some((u) => u.endsWith('/api/tenants/me/finance/months/2026-10')));
  const monthFile = page.waitForEvent('download');
  await page.locator('#month-csv').click();
  assert.equal((await monthFile).suggestedFilename(), 'statement-2026-10.csv');
  assert.ok(asked.some((u) => u.endsWith('/api/tenants/me/finance/months/2026-10?format=csv')));
  for (const [btn, name] of [['#month-pdf', 'statement-2026-10.pdf'], ['#fin-pdf', `statement-${EVENT}.pdf`]]) {
    const got = page.waitForEvent('download');
    await page.locator(btn).click();
    assert.equal((await got).suggestedFilename(), name);
  }
  assert.ok(asked.some((u) => u.endsWith('/api/tenants/me/finance/months/2026-10?format=pdf')));
  assert.ok(asked.some((u) => u.endsWith(`/api/tenants/me/finance/events/${EVENT}?format=pdf`)));
  // the invoices: a row each, its PDF; the GST registration saved
  await page.locator('#inv-wrap:not([hidden])').waitFor();
  assert.match(await page.locator('#inv-rows').innerText(), /ZT\/2026-27\/000042\s+2026-11-01\s+Mood Indigo Finale\s+₹72\.50\s+₹13\.05 \(CGST\+SGST\)\s+₹85\.55/);
  const invFile = page.waitForEvent('download');
  await page.locator('#inv-rows button').click();
  assert.equal((await invFile).suggestedFilename(), 'invoice-ZT-2026-27-000042.pdf');
  assert.ok(asked.some((u) => u.endsWith(`/api/tenants/me/finance/invoices/${INVOICE}?format=pdf`)));
  await page.locator('#gst-gstin').fill('27aapfu0939f1zv');
  await page.locator('#gst-save').click();
  await page.locator('#gst-msg:not([hidden])').waitFor();
  assert.deepEqual(gstBodies, [{ gstin: '27AAPFU0939F1ZV', state: null }]);
  assert.equal(await page.locator('#gst-state').inputValue(), '27');
  // the navigation of the other organizer pages leads here
  await page.goto('/organizer/team.html');
  assert.equal(await page.locator('nav a[href="/organizer/finance.html"]').innerText(), 'Money');
  assert.deepEqual(problems.errors, []);
  await context.close();
});
