// Organizer portal with stubbed answers: onboarding a tenant that stays
// pending, the event editor's generator with click-to-block, publishing
// before approval. Sign-in is real. The real end-to-end versions
// (onboard, generator, publish, catalogue; the live dashboard with a
// refund and the CSV export) are in organizer-real.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, apiSignIn, adoptSession, newEmail, mint, DESKTOP } from './lib.mjs';
import { reservedEvent } from './fixtures.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const TENANT = 'a1000000-0000-4000-8000-0000000000f1';
const json = (route, code, body) => route.fulfill({ status: code, contentType: 'application/json', body: JSON.stringify(body) });

// After onboarding the refresh answers carry the new membership.
function memberSession(user, role = 'owner', status = 'pending') {
  return {
    accessToken: mint(user.id, { tid: TENANT, role }), expiresIn: 900, tokenType: 'Bearer',
    user, tenantId: TENANT, role,
    memberships: [{ tenantId: TENANT, role, slug: 'robotics-club', name: 'Robotics Club <IITM>', status }],
  };
}

async function organizerPage({ onboarded = true, device } = {}) {
  const o = await open(browser, { device, acceptDialogs: true });
  const session = await apiSignIn(newEmail('org'));
  await adoptSession(o.context, session);
  if (onboarded) {
    await o.page.route('**/api/auth/token/refresh', (r) => json(r, 200, memberSession(session.user)));
  }
  return { ...o, session };
}

test('onboarding: create an organization, then land on its events (stubbed tenants API)', async () => {
  const { page, context, session, problems } = await organizerPage({ onboarded: false });
  let onboarded = null;
  await page.route('**/api/tenants/onboard', async (r) => {
    onboarded = JSON.parse(r.request().postData());
    json(r, 201, { ...memberSession(session.user), tenant: { id: TENANT, slug: 'robotics-club', name: 'Robotics Club <IITM>', status: 'pending' } });
  });
  const refreshBodies = [];
  await page.route('**/api/auth/token/refresh', async (r) => {
    refreshBodies.push(r.request().postData());
    if (!onboarded) return r.continue();
    return json(r, 200, memberSession(session.user));
  });
  await page.route(/\/api\/events\/mine(\?.*)?$/, (r) => json(r, 200, { events: [{ ...reservedEvent({ id: 'ev-draft', title: 'Shaastra Robowars', status: 'draft' }), sections: undefined, sales: { ticketsLive: 0, ticketsCheckedIn: 0, livePaise: 0, capacity: 118 } }], next: null }));
  await page.goto('/organizer/');
  await page.locator('#onboard-form').waitFor();
  await page.locator('#ob-name').fill('Robotics Club <IITM>');
  assert.equal(await page.locator('#ob-slug').inputValue(), 'robotics-club-iitm');
  await page.locator('#ob-slug').fill('robotics-club');
  assert.equal(await page.locator('#ob-email').inputValue(), session.email);
  await shot(page, 'organizer-onboarding');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.locator('#home').waitFor();
  assert.deepEqual(onboarded, { name: 'Robotics Club <IITM>', slug: 'robotics-club', contactEmail: session.email });
  assert.ok(refreshBodies.includes(JSON.stringify({ tenantId: TENANT })), 'refresh with {tenantId} after onboarding');
  await page.locator('#event-rows tr[data-id="ev-draft"]').waitFor();
  assert.match(await page.locator('#tenant-note').innerText(), /Robotics Club <IITM> is pending/);
  await shot(page, 'organizer-home');
  assert.deepEqual(problems.errors, []);
  await context.close();
});

test('editor: a 10×12 hybrid layout from the generator, click-to-block, save, publish (stubbed events API)', async () => {
  const { page, context, problems } = await organizerPage({ device: DESKTOP });
  let saved = null;
  let layout = null;
  await page.route('**/api/events', async (r) => {
    if (r.request().method() !== 'POST') return r.continue();
    saved = JSON.parse(r.request().postData());
    json(r, 201, { ...saved, id: 'ev-new', status: 'draft', tenantId: TENANT });
  });
  await page.route('**/api/events/ev-new/layout', (r) => {
    layout = JSON.parse(r.request().postData());
    json(r, 200, { eventId: 'ev-new', kind: layout.kind, seatCount: 120, seatsWritten: 120, seatsRemoved: 0 });
  });
  let published = false;
  await page.route('**/api/events/ev-new/publish', (r) => { published = true; json(r, 200, { id: 'ev-new', status: 'published', listed: false }); });
  await page.goto('/organizer/event.html');
  await page.locator('#editor').waitFor();
  await page.locator('#ev-title').fill('Saarang Hybrid Night');
  assert.equal(await page.locator('#ev-slug').inputValue(), 'saarang-hybrid-night');
  await page.locator('#ev-city').fill('Chennai');
  await page.locator('#ev-starts').fill('2027-01-15T18:00');
  await page.locator('#ev-ends').fill('2027-01-15T21:30');
  await page.locator('label:has(input[value="hybrid"])').click();
  await page.locator('#gen-rows').fill('10');
  await page.locator('#gen-cols').fill('12');
  await page.locator('#gen-aisles').fill('6');
  await page.waitForFunction(() => /^120 seats, 0 blocked/.test(document.querySelector('#gen-count').textContent));
  await page.waitForTimeout(300); // the preview redraws 120 ms after the last keystroke
  assert.equal(await page.locator('#preview .seat').count(), 120);
  // block two seats: one by click, one by keyboard
  await page.locator('#preview [data-id="A1"]').click();
  await page.locator('#preview [data-id="A1"]').press('ArrowRight');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /2 blocked/.test(document.querySelector('#gen-count').textContent));
  assert.equal(await page.locator('#preview [data-id="A2"]').getAttribute('aria-label'), 'Row A, seat 2, Platinum, ₹1,499, blocked');
  assert.ok(await page.locator('#ga').isVisible(), 'hybrid shows the pass types');
  await shot(page, 'organizer-editor');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.locator('#save-msg.msg-ok').waitFor();
  assert.equal(saved.layoutKind, 'hybrid');
  assert.equal(saved.startsAt, '2027-01-15T12:30:00Z');
  assert.deepEqual(saved.refundPolicy, { type: 'none' });
  assert.equal(saved.layout, undefined, 'the layout goes to PUT /layout');
  // the layout document of docs/seatmap.md, made by its generator
  assert.equal(layout.kind, 'hybrid');
  assert.deepEqual(layout.categories, [
    { name: 'Platinum', pricePaise: 149900, colour: '#7b2cbf' },
    { name: 'Gold', pricePaise: 79900, colour: '#f4a261' },
    { name: 'Silver', pricePaise: 29900, colour: '#2a9d8f' }]);
  assert.deepEqual(layout.generate, {
    section: '', rows: 'A-J', seatsPerRow: 12, aisleAfter: [6], category: 'Silver',
    categories: [{ rows: 'A-B', category: 'Platinum' }, { rows: 'C-F', category: 'Gold' }],
    blocked: [{ rows: 'A', seats: '1,2' }], rowGapAfter: ['B', 'F'],
  });
  assert.deepEqual(layout.ticketTypes, [{ name: 'Standing', pricePaise: 49900, capacity: 100, perOrderLimit: 6 }]);
  assert.match(await page.locator('#save-msg').innerText(), /Saved, with 120 seats/);
  assert.match(page.url(), /\?id=ev-new$/);
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.locator('#ed-stamp .stamp-live').waitFor();
  assert.ok(published);
  assert.match(await page.locator('#save-msg').innerText(), /once the platform approves/);
  assert.deepEqual(problems.errors, []);
  await context.close();
});

// The live dashboard (a purchase over /live/tenant, refund, attendee CSV) is
// tested against the real stack in organizer-real.test.mjs.
