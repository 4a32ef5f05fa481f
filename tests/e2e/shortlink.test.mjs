// The short link of an event, /e/<tenant slug>/<event slug>, opens the
// event page for that event (issue #23's walk-through: it answered 404).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, BASE } from './lib.mjs';
import { seedEvent } from './real.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the short link /e/<tenant>/<event> opens the event page', async () => {
  const seeded = seedEvent({ title: 'Short Link Night', rows: 2 });
  const ev = await (await fetch(`${BASE}/api/events/${seeded.id}`)).json();
  assert.ok(ev.slug && ev.tenant.slug, JSON.stringify(ev).slice(0, 200));
  const { page, problems, context } = await open(browser);
  const res = await page.goto(`/e/${ev.tenant.slug}/${ev.slug}`);
  assert.equal(res.status(), 200);
  await page.locator('#ev-title').filter({ hasText: 'Short Link Night' }).waitFor();
  assert.ok(await page.locator('.seat, [data-seat], svg').count() > 0);
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  // a link to no event is the page's own "no such event", not a server 404
  const other = await page.goto(`/e/${ev.tenant.slug}/no-such-event`);
  assert.equal(other.status(), 200);
  await context.close();
});
