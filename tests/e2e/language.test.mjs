// Language (docs/web.md, "Language"): the top bar's switcher turns a page
// into Hindi, the choice survives a reload, amounts keep the Indian
// grouping, organizer texts stay as written, Devanagari is drawn with a
// real font (no tofu), and a browser that prefers Hindi starts in Hindi.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, open, shot, call, PHONE, DESKTOP, apiSignIn, adoptSession, newEmail } from './lib.mjs';
import { organizer, seedEvent, psql, warmSeatsAndBookings } from './real.mjs';
import { stubApi, gaEvent, reservedEvent } from './fixtures.mjs';

const hi = JSON.parse(readFileSync(new URL('../../web/i18n/hi.json', import.meta.url), 'utf8'));
const en = JSON.parse(readFileSync(new URL('../../web/i18n/en.json', import.meta.url), 'utf8'));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// an event whose lowest price is ₹1,23,456.50 (12345650 paise)
function dearEvent() {
  return { ...gaEvent({ id: 'c1000000-0000-4000-8000-0000000000f1', title: 'Sunburn Arena: Main Stage' }), priceFromPaise: 12345650 };
}

// True when the string is drawn with glyphs of a loaded font rather than
// the "missing glyph" boxes: a Devanagari string and the same number of
// private-use characters (which no font here has: every one is a .notdef
// box of one width) must differ in width, and the page's own Devanagari
// face must be loaded.
async function devanagariDrawn(page, sample) {
  return page.evaluate(async (s) => {
    await document.fonts.ready;
    const family = getComputedStyle(document.body).fontFamily;
    await document.fonts.load(`16px ${family}`, s);
    const c = document.createElement('canvas').getContext('2d');
    c.font = `16px ${family}`;
    const w = c.measureText(s).width;
    const boxes = c.measureText('\uE000'.repeat([...s].length)).width;
    const faces = [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'ztic Devanagari');
    return {
      loaded: faces.some((f) => f.status === 'loaded'),
      check: document.fonts.check(`16px "ztic Devanagari"`, s),
      differs: Math.abs(w - boxes) > 1,
    };
  }, sample);
}

test('the switcher turns the catalogue into Hindi, kept across a reload, with Indian grouping', async () => {
  const { page, problems, context } = await open(browser);
  await stubApi(page, { events: [dearEvent()] });
  await page.goto('/');
  await page.locator('.event-card').first().waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en-IN');
  assert.equal(await page.locator('h1').first().innerText(), en['home.fests_gigs_and_workshops']);
  assert.match(await page.locator('.event-card').first().innerText(), /₹1,23,456\.50/);

  // the switcher names each language in its own script
  const sw = page.locator('.topbar #lang');
  assert.deepEqual(await sw.locator('option').allInnerTexts(), ['English', 'हिन्दी']);
  await Promise.all([page.waitForEvent('load'), sw.selectOption('hi')]);
  await page.locator('.event-card').first().waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'hi-IN');
  assert.equal(await page.locator('h1').first().innerText(), hi['home.fests_gigs_and_workshops']);
  assert.equal(await page.getAttribute('#q', 'placeholder'), hi['home.techfest_robotics_stand_up']);
  assert.equal(await page.title(), hi['home.ztic_tickets_for_university']);

  // after a reload: still Hindi, the organizer's title as written, money
  // in Indian grouping with Latin digits
  const apiCall = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/events');
  await page.reload();
  await page.locator('.event-card').first().waitFor();
  assert.equal(await page.locator('h1').first().innerText(), hi['home.fests_gigs_and_workshops']);
  // API calls ask for the chosen language (the server's messages follow it)
  assert.equal((await apiCall).headers()['accept-language'], 'hi-IN');
  assert.equal(await sw.inputValue(), 'hi');
  const card = await page.locator('.event-card').first().innerText();
  assert.match(card, /Sunburn Arena: Main Stage/);
  assert.match(card, /₹1,23,456\.50/);

  // Devanagari is drawn by the page's font, not as boxes
  const drawn = await devanagariDrawn(page, hi['home.fests_gigs_and_workshops']);
  assert.deepEqual(drawn, { loaded: true, check: true, differs: true });
  await shot(page, 'language-hi-catalogue');

  // and back to English
  await Promise.all([page.waitForEvent('load'), sw.selectOption('en')]);
  await page.locator('.event-card').first().waitFor();
  assert.equal(await page.locator('h1').first().innerText(), en['home.fests_gigs_and_workshops']);
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  await context.close();
});

test('a browser that prefers Hindi starts in Hindi; every page has the switcher', async () => {
  const context = await browser.newContext({ baseURL: process.env.ZT_TEST_BASE_URL, timezoneId: 'Asia/Kolkata', locale: 'hi-IN', ...PHONE });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await stubApi(page, { events: [dearEvent()] });
  await page.goto('/');
  await page.locator('.event-card').first().waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'hi-IN');
  assert.equal(await page.locator('h1').first().innerText(), hi['home.fests_gigs_and_workshops']);
  for (const path of ['/tickets.html', '/account.html', '/privacy.html', '/queue.html', '/transfer.html',
    '/organizer/', '/organizer/team.html', '/admin/', '/scan/']) {
    await page.goto(path);
    await page.locator('.topbar #lang').waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'hi-IN', path);
    assert.equal(await page.locator('.topbar #lang').inputValue(), 'hi', path);
    await shot(page, `language-hi${path.replace(/\.html$/, '').replace(/[/]+/g, '-').replace(/-$/, '')}`);
  }
  await page.goto('/privacy.html');
  // the catalogue arrives after the static HTML: wait for it to be applied
  await page.waitForFunction((want) => document.querySelector('h1')?.innerText === want,
    hi['privacy.privacy_notice'], { timeout: 10000 }).catch(() => {});
  assert.equal(await page.locator('h1').innerText(), hi['privacy.privacy_notice']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the event page in Hindi: script-built text, seat names and dates in Hindi, the organizer\'s texts as written', async () => {
  const { page, problems, context } = await open(browser);
  await page.addInitScript(() => localStorage.setItem('zt_lang', 'hi'));
  await stubApi(page, { events: [reservedEvent()], status: { v: 1, held: ['seat-C5'], sold: [] } });
  await page.goto(`/event.html?id=${reservedEvent().id}`);
  await page.locator('#seatmap .seat').first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#seatmap .seat.held').length === 1);
  assert.equal(await page.getAttribute('html', 'lang'), 'hi-IN');
  // a seat's accessible name: Hindi words around the organizer's category name
  assert.equal(await page.locator('[data-id="seat-C5"]').getAttribute('aria-label'), 'पंक्ति C, सीट 5, Gold, ₹1,200, होल्ड में');
  assert.equal(await page.locator('#ev-title').innerText(), reservedEvent().title);
  assert.equal(await page.locator('#checkout').innerText(), hi['event.checkout']);
  // the date in IST with a Hindi day/month name, Latin digits
  assert.match(await page.locator('#ev-when').innerText(), /^[\u0900-\u097F]+, \d{1,2} [\u0900-\u097F]+॰? \d{4}, .* IST/);
  await shot(page, 'language-hi-event');
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  await context.close();
});

test('signed in, the choice is also sent to the account; a refusal does not undo it (real stack)', async () => {
  const { page, problems, context } = await open(browser);
  await adoptSession(context, await apiSignIn(newEmail('lang')));
  await page.goto('/account.html');
  await page.locator('#signout').waitFor();
  const patch = page.waitForRequest((r) => r.method() === 'PATCH' && new URL(r.url()).pathname === '/api/auth/me');
  await Promise.all([page.waitForEvent('load'), page.locator('#lang').selectOption('hi')]);
  const sent = await patch;
  assert.deepEqual(JSON.parse(sent.postData()), { lang: 'hi' });
  // whatever the server answered (it may not know the field yet), the page is in Hindi
  await page.locator('#signout').waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'hi-IN');
  assert.equal(await page.locator('#signout').innerText(), hi['app.sign_out']);
  assert.deepEqual(problems.csp, []);
  await context.close();
});

// keys shown instead of strings (a t() call whose key no catalogue has)
const KEYISH = /\b(common|org|waitlist|regform|regpay|poster)\.[a-z_]+\.?[a-z_]*\b/;

test('the organizer\'s venues, waiting list and registration form in Hindi (real stack)', async () => {
  const org = await organizer('langorg');
  const ev = seedEvent({ tenantId: org.tenantId, title: 'Robotics Workshop', rows: 0, ga: [{ name: 'Seat', pricePaise: 0, capacity: 5 }] });
  const hall = { kind: 'reserved', categories: [{ name: 'Floor', pricePaise: 19900 }], generate: { section: 'Main', rows: 'A-D', seatsPerRow: 5, category: 'Floor' } };
  const made = await call('POST', '/api/tenants/me/venues', { token: org.token, body: { name: 'Kalaivanar Arangam', description: '', layout: hall } });
  assert.equal(made.status, 201, made.text);
  const { page, problems, context } = await open(browser, { device: DESKTOP });
  await page.addInitScript(() => localStorage.setItem('zt_lang', 'hi'));
  await adoptSession(context, org);

  await page.goto('/organizer/venues.html');
  const row = page.locator(`#venue-rows tr[data-venue="${made.json.id}"]`);
  await row.waitFor();
  assert.equal(await page.title(), hi['org.venues.page_title']);
  assert.equal(await page.locator('#vn-h1').innerText(), hi['common.venues']);
  // the venue's name as written, its kind and its seat count (a plural) in Hindi
  assert.match(await row.innerText(), /Kalaivanar Arangam[\s\S]*नंबर वाली सीटें[\s\S]*20 सीटें/);
  assert.doesNotMatch(await page.locator('main').innerText(), KEYISH);
  await shot(page, 'language-hi-org-venues');

  await page.goto(`/organizer/waitlist.html?event=${ev.id}`);
  await page.locator('#wl-rows td', { hasText: hi['org.wl.empty'] }).waitFor();
  assert.equal(await page.locator('#wl-title').innerText(), hi['common.waiting_list']);
  assert.match(await page.locator('#wl-counts').innerText(), /^0 इंतज़ार में · 0 को ऑफ़र/);
  assert.doesNotMatch(await page.locator('main').innerText(), KEYISH);

  await page.goto(`/organizer/forms.html?event=${ev.id}`);
  await page.locator('#form-builder').waitFor();
  assert.equal(await page.locator('h1').innerText(), hi['common.registration_form']);
  await page.getByRole('button', { name: hi['org.forms.add'] }).click();
  const kinds = await page.locator('#form-builder tr.question select').first().locator('option').allInnerTexts();
  assert.ok(kinds.includes(hi['org.forms.k_long_text']), kinds.join(','));
  assert.doesNotMatch(await page.locator('main').innerText(), KEYISH);
  await shot(page, 'language-hi-org-forms');

  // the event editor links the event's waiting list and form
  await page.goto(`/organizer/event.html?id=${ev.id}`);
  await page.locator('#ed-links').waitFor();
  assert.equal(await page.locator('#ed-waitlist').innerText(), hi['common.waiting_list']);
  assert.equal(await page.locator('#ed-waitlist').getAttribute('href'), `/organizer/waitlist.html?event=${ev.id}`);
  assert.equal(await page.locator('#ed-forms').getAttribute('href'), `/organizer/forms.html?event=${ev.id}`);
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  await context.close();
});

test('the event page\'s waiting list and registration step in Hindi (real stack)', async () => {
  const ev = seedEvent({ title: 'Hack Night Hindi', rows: 0, perUserLimit: 4, ga: [{ name: 'Pass', pricePaise: 0, capacity: 1, perOrderLimit: 1 }, { name: 'Open', pricePaise: 0, capacity: 30 }] });
  psql(`begin; select set_config('app.tenant_id', '${ev.tenantId}', true);
    insert into event_registration (event_id, tenant_id, team_min, team_max) values ('${ev.id}', '${ev.tenantId}', 2, 4);
    insert into form_questions (tenant_id, event_id, position, label, kind, required) values ('${ev.tenantId}', '${ev.id}', 0, 'College', 'text', true);
    commit;`);
  await warmSeatsAndBookings(ev.id);
  // someone holds the only Pass: that list is sold out
  const holder = await apiSignIn(newEmail('holder'));
  const r = await call('POST', '/api/seats/lock', { body: { eventId: ev.id, ga: [{ ticketTypeId: ev.ga.get('Pass'), quantity: 1 }] }, token: holder.token, ip: holder.ip });
  assert.equal(r.status, 200, r.text);

  const { page, problems, context } = await open(browser);
  await page.addInitScript(() => localStorage.setItem('zt_lang', 'hi'));
  await adoptSession(context, await apiSignIn(newEmail('hiwait')));
  await page.goto(`/event.html?id=${ev.id}`);
  const block = page.locator('#waitlist-section');
  await block.getByRole('button', { name: hi['waitlist.join'] }).click();
  await block.getByText('इंतज़ार में: कतार में नंबर 1 · 1 टिकट').waitFor();
  assert.equal(await block.locator('h2').innerText(), hi['common.waiting_list']);

  // the registration step of the checkout: the team and the question
  const open1 = ev.ga.get('Open');
  await page.getByRole('button', { name: 'एक Open और' }).click();
  await page.locator(`#qty-${open1}`, { hasText: '1' }).waitFor();
  await page.locator('#checkout').click();
  await page.locator('#reg-form legend', { hasText: hi['regform.heading'] }).waitFor();
  assert.match(await page.locator('#reg-form').innerText(), /2 से 4 लोगों की टीमें[\s\S]*College \(ज़रूरी\)/);
  await page.getByLabel(hi['regform.team_name']).fill('शून्य टीम');
  await page.getByRole('button', { name: hi['regform.create'] }).click();
  await page.locator('#reg-form .msg-ok', { hasText: 'इनवाइट कोड' }).waitFor();
  await page.locator('#reg-form', { hasText: 'आप शून्य टीम में हैं (1 सदस्य)।' }).waitFor();
  assert.doesNotMatch(await page.locator('main').innerText(), KEYISH);
  await shot(page, 'language-hi-event-regform');
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  await context.close();
});
