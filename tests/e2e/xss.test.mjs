// User data is rendered as text: an event titled <img src=x onerror=…>
// shows those characters, creates no element, runs nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot } from './lib.mjs';
import { stubApi, reservedEvent, gaEvent, XSS } from './fixtures.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const evil = () => ({
  ...reservedEvent({ id: 'e-xss', title: XSS }),
  description: `<script>alert(2)</script>${XSS}`,
  venueName: '<b onmouseover=alert(3)>Hall</b>',
  tenant: { name: '<svg onload=alert(4)>', slug: 'x' },
  categories: [{ id: 'cat-plat', name: '<i>VIP</i>', pricePaise: 100, colour: 'red;background:url(javascript:alert(5))' },
    { id: 'cat-gold', name: 'Gold', pricePaise: 200, colour: '#f4a261' }, { id: 'cat-silv', name: 'Silver', pricePaise: 300, colour: '#2a9d8f' }],
});

test('the catalogue renders an XSS event title as text (stubbed API)', async () => {
  const { page, context, problems } = await open(browser);
  await stubApi(page, { events: [evil(), gaEvent()] });
  await page.goto('/');
  const card = page.locator('.event-card').first();
  await card.waitFor();
  assert.equal(await card.locator('h3').innerText(), XSS);
  assert.equal(await page.locator('.event-card img, .event-card svg[onload], .event-card script').count(), 0);
  await page.waitForTimeout(300);
  assert.deepEqual(problems.dialogs, []);
  await shot(page, 'xss-catalogue');
  await context.close();
});

test('the event page renders an XSS title, description, venue, organizer and category as text (stubbed API)', async () => {
  const { page, context, problems } = await open(browser);
  await stubApi(page, { events: [evil()] });
  await page.goto('/event.html?id=e-xss');
  await page.locator('#ev-title').waitFor();
  assert.equal(await page.locator('#ev-title').innerText(), XSS);
  assert.equal(await page.locator('#ev-desc').innerText(), `<script>alert(2)</script>${XSS}`);
  assert.match(await page.locator('#ev-where').innerText(), /<b onmouseover=alert\(3\)>Hall<\/b>/);
  assert.equal(await page.locator('#ev-by').innerText(), '<svg onload=alert(4)>');
  assert.match(await page.locator('#legend').innerText(), /<i>VIP<\/i> ₹1/);
  assert.equal(await page.locator('main img, main script, main i, main b').count(), 0);
  assert.equal(await page.title(), `${XSS} — ztic`);
  await page.waitForTimeout(300);
  assert.deepEqual(problems.dialogs, []);
  assert.deepEqual(problems.errors, []);
  await context.close();
});

test('dom.js refuses handler attributes and javascript: URLs', async () => {
  const { page, context } = await open(browser);
  await page.goto('/');
  const r = await page.evaluate(async () => {
    const { h } = await import('/js/dom.js');
    let threw = false;
    try { h('a', { onclick: 'alert(1)' }); } catch { threw = true; }
    const a = h('a', { href: 'javascript:alert(1)', text: 'x' });
    const b = h('a', { href: '/event.html?id=1', text: 'y' });
    return { threw, bad: a.getAttribute('href'), good: b.getAttribute('href') };
  });
  assert.deepEqual(r, { threw: true, bad: '#', good: '/event.html?id=1' });
  await context.close();
});
