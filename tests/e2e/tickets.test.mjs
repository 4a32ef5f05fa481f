// My tickets shows each live ticket's QR code (docs/tickets.md): the SVG
// the server draws from the signed ZT1 payload, fetched with the bearer
// token and shown as a data: URL (the page's CSP: img-src 'self' data:).
// Download PDF saves GET /api/bookings/:id/tickets.pdf, fetched with the
// token, under its file name.
// Real stack: an event seeded in SQL, a real purchase through the APIs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { launch, open, shot, apiSignIn, adoptSession, newEmail, warmAuth } from './lib.mjs';
import { seedEvent, buy } from './real.mjs';

let browser;
before(async () => {
  browser = await launch();
  await warmAuth();
});
after(async () => { await browser?.close(); });

test('My tickets shows a QR code for each live ticket of a confirmed booking', async () => {
  const { page, context, problems } = await open(browser, { acceptDialogs: true });
  const session = await apiSignIn(newEmail('qr'));
  await adoptSession(context, session);
  const ev = seedEvent({ title: 'QR Night', pricePaise: 50000 });
  const bk = await buy(session, ev.id, [ev.seats.get('A1'), ev.seats.get('A2')]);
  assert.equal(bk.status, 'confirmed');
  await page.goto('/tickets.html');
  const card = page.locator(`article[data-booking="${bk.id}"]`);
  await card.waitFor();
  const imgs = card.locator('figure.ticket-qr img.qr:not([hidden])');
  await page.waitForFunction((id) => {
    const els = document.querySelectorAll(`article[data-booking="${id}"] figure.ticket-qr img.qr`);
    return els.length === 2 && [...els].every((i) => !i.hidden && i.complete && i.naturalWidth > 0);
  }, bk.id);
  assert.equal(await imgs.count(), 2);
  for (let i = 0; i < 2; i++) {
    const src = await imgs.nth(i).getAttribute('src');
    assert.match(src, /^data:image\/svg\+xml/);
    assert.match(decodeURIComponent(src), /<svg[^>]*viewBox="0 0 (\d+) \1"/);
    const box = await imgs.nth(i).boundingBox();
    assert.ok(box.width >= 200, `QR code ${box.width}px wide: large enough to scan`);
    assert.match(await imgs.nth(i).getAttribute('alt'), /QR code for/);
  }
  assert.match(await card.innerText(), /brightness/);
  await shot(page, 'tickets-qr');
  assert.deepEqual(problems.errors, []);
  await context.close();
});

test('Download PDF saves the booking\'s tickets as a PDF', async () => {
  const { page, context, problems } = await open(browser, { acceptDialogs: true });
  const session = await apiSignIn(newEmail('pdf'));
  await adoptSession(context, session);
  const ev = seedEvent({ title: 'PDF Night', pricePaise: 50000 });
  const bk = await buy(session, ev.id, [ev.seats.get('A1'), ev.seats.get('A2')]);
  assert.equal(bk.status, 'confirmed');
  await page.goto('/tickets.html');
  const card = page.locator(`article[data-booking="${bk.id}"]`);
  await card.waitFor();
  const btn = card.getByRole('button', { name: 'Download PDF' });
  const [download] = await Promise.all([page.waitForEvent('download'), btn.click()]);
  assert.equal(download.suggestedFilename(), `ztic-${bk.id.slice(0, 8)}.pdf`);
  const bytes = await readFile(await download.path());
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  // two live tickets: two pages
  assert.match(bytes.toString('latin1'), /\/Type \/Pages[\s\S]*?\/Count 2\b/);
  // the large codes and the brightness hint stay
  assert.match(await card.innerText(), /brightness/);
  assert.deepEqual(problems.errors, []);
  await context.close();
});
