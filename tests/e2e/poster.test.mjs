// The event poster (issue #23): uploaded by the organizer, drawn on the
// catalogue card and at the top of the event page (web/js/poster.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, BASE, shot } from './lib.mjs';
import { organizer, seedEvent } from './real.mjs';

// a 24×24 green PNG
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAABgAAAAYCAIAAABvFaqvAAAAHklEQVR4nGNgWMBAHTRq0KhBowaNGjRq0KhBA28QAC8IaBBxaz0MAAAAAElFTkSuQmCC', 'base64');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the poster is on the catalogue card and the event page', async () => {
  const org = await organizer('poster');
  const title = `Poster Night ${Date.now().toString(36)}`;
  const ev = seedEvent({ tenantId: org.tenantId, title, rows: 2 });
  const up = await fetch(`${BASE}/api/events/${ev.id}/poster`, {
    method: 'PUT', body: PNG,
    headers: { Authorization: `Bearer ${org.token}`, 'Content-Type': 'image/png' },
  });
  assert.equal(up.status, 200, await up.clone().text());
  const { posterUrl } = await up.json();

  const { page, problems, context } = await open(browser);
  await page.goto(`/?q=${encodeURIComponent(title)}`);
  const card = page.locator('.event-card').filter({ hasText: title });
  await card.waitFor();
  assert.equal(await card.locator('img.poster').getAttribute('src'), posterUrl);
  await page.waitForFunction((t) => [...document.querySelectorAll('.event-card')]
    .find((c) => c.textContent.includes(t))?.querySelector('img.poster')?.naturalWidth > 0, title);
  await shot(page, 'poster-card');

  await card.click();
  await page.locator('#ev-title').filter({ hasText: title }).waitFor();
  const img = page.locator('.event-head img.poster');
  assert.equal(await img.getAttribute('src'), posterUrl);
  assert.equal(await img.getAttribute('alt'), `Poster of ${title}`);
  await page.waitForFunction(() => document.querySelector('.event-head img.poster')?.naturalWidth > 0);
  await shot(page, 'poster-event-page');
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  await context.close();
});
