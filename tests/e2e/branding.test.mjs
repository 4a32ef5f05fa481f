// Organizer branding (docs/branding.md): the organizer page /o/<tenant>
// lists its events under its name, tagline, uploaded logo and (adjusted)
// colour; the event page's "By" line shows the logo and links there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, BASE, call, shot } from './lib.mjs';
import { organizer, seedEvent } from './real.mjs';

// a 24×24 green PNG
const LOGO = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAABgAAAAYCAIAAABvFaqvAAAAHklEQVR4nGNgWMBAHTRq0KhBowaNGjRq0KhBA28QAC8IaBBxaz0MAAAAAElFTkSuQmCC', 'base64');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the organizer page and the event header carry the branding', async () => {
  const org = await organizer('brand');
  const up = await fetch(`${BASE}/api/tenants/me/logo`, {
    method: 'PUT', body: LOGO,
    headers: { Authorization: `Bearer ${org.token}`, 'Content-Type': 'image/png' },
  });
  assert.equal(up.status, 200, await up.clone().text());
  const { logoUrl } = await up.json();
  const patched = await call('PATCH', '/api/tenants/me', { token: org.token, body: { branding: { accent: '#ffee00', tagline: 'Fests by the sea' } } });
  assert.equal(patched.status, 200, patched.text);
  const accent = patched.json.branding.accent;
  assert.notEqual(accent, '#ffee00');
  const slug = patched.json.slug;
  const ev = seedEvent({ tenantId: org.tenantId, title: 'Branded Night', rows: 2 });
  seedEvent({ title: 'Someone Else Night', rows: 1 });

  const { page, problems, context } = await open(browser);
  const res = await page.goto(`/o/${slug}`);
  assert.equal(res.status(), 200);
  await page.locator('#org-name').filter({ hasText: 'Live Crew' }).waitFor();
  assert.equal(await page.locator('#org-tagline').textContent(), 'Fests by the sea');
  await page.locator('.event-card').filter({ hasText: 'Branded Night' }).waitFor();
  assert.equal(await page.locator('.event-card').count(), 1);
  assert.equal(await page.locator('#org-logo').getAttribute('src'), logoUrl);
  await page.waitForFunction(() => document.querySelector('#org-logo').naturalWidth === 24);
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()), accent);
  assert.ok(await page.locator('#all-head').isHidden());
  await shot(page, 'branding-org-page');

  await page.locator('.event-card').click();
  await page.locator('#ev-title').filter({ hasText: 'Branded Night' }).waitFor();
  const by = page.locator('#ev-by a.org-link');
  assert.equal(await by.getAttribute('href'), `/o/${slug}`);
  await page.waitForFunction(() => document.querySelector('#ev-by img.org-logo')?.naturalWidth === 24);
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()), accent);
  await shot(page, 'branding-event-header');
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  assert.ok(ev.id);
  await context.close();
});
