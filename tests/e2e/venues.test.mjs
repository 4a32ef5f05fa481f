// Saved venues (docs/commerce.md, "Venues"): the organizer's venues page
// lists a venue, and the event editor's "Start from a saved venue" makes a
// new event with a copy of the venue's seat map.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, call, shot, adoptSession, DESKTOP } from './lib.mjs';
import { organizer } from './real.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// "YYYY-MM-DDTHH:MM" in IST, days from now, for datetime-local inputs.
function istInput(days, hh) {
  const d = new Date(Date.now() + days * 864e5 + 5.5 * 36e5);
  return `${d.toISOString().slice(0, 10)}T${hh}`;
}

const HALL = {
  kind: 'reserved',
  categories: [{ name: 'Balcony', pricePaise: 39900, colour: '#7b2cbf' }, { name: 'Floor', pricePaise: 19900 }],
  generate: { section: 'Main', rows: 'A-D', seatsPerRow: 5, category: 'Floor', categories: [{ rows: 'A', category: 'Balcony' }] },
};

test('a new event starts from a saved venue and gets its seat map', async () => {
  const org = await organizer('venue');
  const made = await call('POST', '/api/tenants/me/venues', { token: org.token, body: { name: 'Kalaivanar Arangam', description: 'Main hall', layout: HALL } });
  assert.equal(made.status, 201, made.text);
  const opener = await call('POST', '/api/events', { token: org.token, body: { title: 'Seated opener', startsAt: new Date(Date.now() + 9 * 864e5).toISOString().replace(/\.\d+Z$/, 'Z'), endsAt: new Date(Date.now() + 9 * 864e5 + 36e5).toISOString().replace(/\.\d+Z$/, 'Z'), layoutKind: 'reserved' } });
  assert.equal(opener.status, 201, opener.text);
  const laid = await call('PUT', `/api/events/${opener.json.id}/layout`, { token: org.token, body: HALL });
  assert.equal(laid.status, 200, laid.text);

  const { page, context, problems } = await open(browser, { device: DESKTOP, acceptDialogs: true });
  await adoptSession(context, org);
  await page.goto('/organizer/venues.html');
  const row = page.locator(`#venue-rows tr[data-venue="${made.json.id}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /Kalaivanar Arangam[\s\S]*Numbered seats[\s\S]*20 seats/);
  await shot(page, 'venues-page');
  // an event's layout saved as a venue, from the page
  await page.locator('#vf-event option').first().waitFor({ state: 'attached' });
  const evs = await page.locator('#vf-event option').allInnerTexts();
  assert.ok(evs.includes('Seated opener'), evs.join(','));
  await page.locator('#vf-event').selectOption({ label: 'Seated opener' });
  await page.locator('#vf-name').fill('Opener hall');
  await page.locator('#vf-save').click();
  await page.locator('#vf-msg.msg-ok, #vf-msg.msg-error').waitFor();
  assert.equal(await page.locator('#vf-msg').innerText(), 'Opener hall is saved.');
  await page.locator('#venue-rows tr').filter({ hasText: 'Opener hall' }).waitFor();

  await page.goto('/organizer/event.html');
  await page.locator('#editor').waitFor();
  await page.locator('#ev-saved-venue').selectOption(made.json.id);
  await page.locator('#ev-title').fill('Carnatic evening');
  await page.locator('#ev-slug').fill(`carnatic-${Date.now().toString(36)}`);
  await page.locator('#ev-city').fill('Chennai');
  await page.locator('#ev-starts').fill(istInput(20, '18:00'));
  await page.locator('#ev-ends').fill(istInput(20, '21:00'));
  await page.getByRole('button', { name: 'Save draft' }).click();
  const saved = page.locator('#save-msg');
  await page.locator('#save-msg.msg-ok, #save-msg.msg-error').waitFor();
  assert.equal(await saved.getAttribute('class'), 'msg msg-ok', await saved.innerText());
  assert.match(await saved.innerText(), /20 seats/);
  // the choice is gone once used; the event holds its own copy
  assert.ok(await page.locator('#ev-saved-venue').count() === 0 || await page.locator('.venue-pick').isHidden());
  const eventId = new URL(page.url()).searchParams.get('id');
  const ev = await call('GET', `/api/events/mine/${eventId}`, { token: org.token });
  assert.equal(ev.status, 200, ev.text);
  const seats = (ev.json.sections || []).flatMap((s) => s.rows.flatMap((r) => r.seats));
  assert.equal(seats.length, 20);
  assert.deepEqual(ev.json.categories.map((c) => [c.name, c.pricePaise]).sort(), [['Balcony', 39900], ['Floor', 19900]]);
  await shot(page, 'venues-editor');
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  await context.close();
});
