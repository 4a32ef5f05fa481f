// The gate scanner (web/scan/, docs/scanner.md) in Chromium against the
// real stack: real tickets (an event seeded in SQL, a purchase through the
// APIs), their QR codes as drawn by the server (qr.svg) played as the
// camera (--use-file-for-fake-video-capture, tests/e2e/qrvideo.mjs), the
// real check-in API (cgi-bin/checkin).
//
// The fake camera plays one file for the browser's life, so each ticket
// shown to it is a new launch of the same profile directory
// (launchPersistentContext): what the page kept (IndexedDB, the service
// worker, the refresh cookie) carries over, as on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { BASE, CHROMIUM, FLAGS, PHONE, launch, open, shot, call, apiSignIn, adoptSession, newEmail, warmAuth } from './lib.mjs';
import { seedEvent, organizer, buy, psql, warmSeatsAndBookings } from './real.mjs';
import { matrixFromSvg, matrixFromText, writeY4M } from './qrvideo.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ztic-scan-'));
const profile = path.join(dir, 'profile');
let browser;
let checkinUp = false;

before(async () => {
  browser = await launch();
  await warmAuth();
  // the responder asks for a token; nginx alone answers 404 or 502
  checkinUp = (await call('GET', '/api/checkin/events/00000000-0000-0000-0000-000000000000/stats')).status === 401;
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

// The phone: Chromium with a camera that shows `video`, on the kept profile.
async function phone(video, { offline = false, dir: userDir = profile } = {}) {
  const context = await chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...FLAGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`, '--autoplay-policy=no-user-gesture-required'],
    baseURL: BASE, timezoneId: 'Asia/Kolkata', locale: 'en-IN', permissions: ['camera'], ...PHONE,
  });
  // what the phone would do to the gate keeper: vibration patterns and
  // the tones' frequencies, recorded
  await context.addInitScript(() => {
    window.__buzz = [];
    window.__tones = [];
    navigator.vibrate = (p) => { window.__buzz.push(p); return true; };
    const make = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function createOscillator() {
      const o = make.call(this);
      const start = o.start.bind(o);
      o.start = (...a) => { window.__tones.push(o.frequency.value); return start(...a); };
      return o;
    };
  });
  if (offline) await context.setOffline(true);
  const page = context.pages()[0] || await context.newPage();
  const problems = { errors: [], csp: [] };
  page.on('pageerror', (e) => problems.errors.push(String(e)));
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to/i.test(t)) problems.csp.push(t);
    else if (m.type() === 'error' && !/Failed to load resource|net::ERR_INTERNET_DISCONNECTED/.test(t)) problems.errors.push(t);
  });
  return { context, page, problems };
}

async function verdict(page, want) {
  const box = page.locator('#result:not([hidden])');
  await box.waitFor({ timeout: 20000 });
  const got = { result: await box.getAttribute('data-result'), code: await box.getAttribute('data-code'), offline: await box.getAttribute('data-offline'), text: await box.innerText() };
  assert.equal(got.result, want, `verdict ${JSON.stringify(got)}`);
  return got;
}

const stats = async (org, eventId) => (await call('GET', `/api/checkin/events/${eventId}/stats`, { token: org.token, ip: org.ip })).json;

// An event happening now with `seats` seats bought by a fan; the tickets
// as read by the buyer (payloads signed with the event's window).
async function ticketsNow(org, seats) {
  const ev = seedEvent({ tenantId: org.tenantId, title: 'Gate Night', rows: 2 });
  await warmSeatsAndBookings(ev.id);
  const fan = await apiSignIn(newEmail('fan'));
  const bk = await buy(fan, ev.id, seats.map((l) => ev.seats.get(l)));
  psql(`begin; select set_config('app.tenant_id', '${ev.tenantId}', true);
        update events set starts_at = now() - interval '1 hour', ends_at = now() + interval '3 hours' where id = '${ev.id}'; commit;`);
  const read = await call('GET', `/api/bookings/${bk.id}`, { token: fan.token, ip: fan.ip });
  assert.equal(read.status, 200, read.text);
  const video = async (i, name) => {
    const svg = await call('GET', `/api/bookings/${bk.id}/tickets/${read.json.tickets[i].id}/qr.svg`, { token: fan.token, ip: fan.ip });
    assert.equal(svg.status, 200, svg.text);
    const file = path.join(dir, `${name}.y4m`);
    writeY4M(file, matrixFromSvg(svg.text));
    return file;
  };
  return { ev, bk, fan, tickets: read.json.tickets, video };
}

// Sign a phone in, pick the event and the gate with the camera on a blank
// wall, and leave once its offline copy is in.
async function prepare(userDir, session, eventId, gate) {
  const blank = path.join(dir, 'blank.y4m');
  writeY4M(blank, null);
  const p = await phone(blank, { dir: userDir });
  await adoptSession(p.context, session);
  await p.page.goto('/scan/');
  await p.page.locator('#setup:not([hidden])').waitFor();
  await p.page.selectOption('#event', eventId);
  await p.page.fill('#gate', gate);
  await p.page.click('#start');
  await p.page.locator('body[data-ready="1"]').waitFor();
  assert.match(await p.page.locator('#bundle-info').innerText(), /Offline copy: 1 ticket/);
  assert.ok(await p.page.evaluate(() => navigator.serviceWorker.ready.then(() => true)));
  await p.context.close();
}

test('scanner: admitted, already admitted, offline scan queued then synced, forged code refused offline and online, manual entry, the ticket lists removed', async (t) => {
  if (!checkinUp) { t.skip('the checkin responder is not on this stack'); return; }
  // an organizer, an event happening now, three tickets bought by a fan
  const org = await organizer('gate');
  const { ev, bk, tickets, video } = await ticketsNow(org, ['A1', 'A2', 'A3']);
  assert.equal(tickets.length, 3);
  const first = await video(0, 'first');
  const second = await video(1, 'second');
  // one signature character changed: the same ticket, a forged code
  const real = tickets[2].qr;
  const i = 100;
  const forgedPayload = real.slice(0, i) + (real[i] === 'A' ? 'B' : 'A') + real.slice(i + 1);
  const forged = path.join(dir, 'forged.y4m');
  writeY4M(forged, matrixFromText(forgedPayload));

  // 1. online: sign in, pick the event and the gate, scan
  let p = await phone(first);
  await adoptSession(p.context, org);
  await p.page.goto('/scan/');
  await p.page.locator('#setup:not([hidden])').waitFor();
  await p.page.selectOption('#event', ev.id);
  await p.page.fill('#gate', 'Gate 2');
  await p.page.click('#start');
  await p.page.locator('body[data-ready="1"]').waitFor();
  let v = await verdict(p.page, 'admitted');
  assert.equal(v.offline, '0');
  assert.match(v.text, /Admitted/i);
  assert.match(await p.page.locator('#result').getAttribute('class'), /is-admitted/);
  await shot(p.page, 'scan-admitted');
  assert.deepEqual(await p.page.evaluate(() => [window.__buzz, window.__tones]), [[[80]], [1320]]);
  // the same ticket again (Scan next reads the code still in view)
  await p.page.click('#next');
  v = await verdict(p.page, 'already');
  assert.match(v.text, /Gate 2/);
  assert.match(await p.page.locator('#result').getAttribute('class'), /is-already/);
  await shot(p.page, 'scan-already');
  assert.deepEqual(await p.page.evaluate(() => [window.__buzz, window.__tones]), [[[80], [80, 80, 80]], [1320, 660, 660]]);
  assert.equal(await p.page.locator('#count-admitted').innerText(), '1');
  // the shell is cached before the phone goes offline
  assert.ok(await p.page.evaluate(() => navigator.serviceWorker.ready.then(() => true)));
  assert.deepEqual(p.problems, { errors: [], csp: [] });
  await p.context.close();

  // 2. offline: the page opens from the service worker, the ticket is
  // judged on the phone and queued
  p = await phone(second, { offline: true });
  await p.page.goto('/scan/');
  await p.page.locator('body[data-ready="1"]').waitFor();
  v = await verdict(p.page, 'admitted');
  assert.equal(v.offline, '1');
  await p.page.locator('#net:not([hidden])').waitFor();
  assert.match(await p.page.locator('#net-text').innerText(), /Offline · 1 scan queued/);
  await shot(p.page, 'scan-offline');
  assert.equal((await stats(org, ev.id)).admitted, 1, 'the server has not heard of it yet');
  await p.context.close();

  // 3. a forged code, offline: refused on the phone, nothing queued
  p = await phone(forged, { offline: true });
  await p.page.goto('/scan/');
  v = await verdict(p.page, 'refused');
  assert.equal(v.code, 'forged');
  assert.match(await p.page.locator('#result').getAttribute('class'), /is-refused/);
  assert.deepEqual(await p.page.evaluate(() => window.__buzz), [[400]]);
  assert.match(await p.page.locator('#net-text').innerText(), /1 scan queued/);
  await shot(p.page, 'scan-forged-offline');
  // back online: the queue syncs by itself, the server admits the ticket
  await p.context.setOffline(false);
  await p.page.waitForFunction(() => document.querySelector('#net').hidden, null, { timeout: 20000 });
  const s = await stats(org, ev.id);
  assert.equal(s.admitted, 2);
  // the forged code online: the server refuses it too
  await p.page.click('#next');
  v = await verdict(p.page, 'refused');
  assert.equal(v.code, 'forged');
  assert.equal(v.offline, '0');
  // manual entry: the third ticket by its booking id
  await p.page.click('#next');
  await p.page.click('#manual');
  await p.page.fill('#manual-q', bk.id.slice(0, 8));
  const row = p.page.locator(`#manual-list li[data-ticket="${tickets[2].id}"]`);
  await row.waitFor();
  assert.equal(await p.page.locator('#manual-list li').count(), 3);
  await row.locator('button').click();
  v = await verdict(p.page, 'admitted');
  assert.equal(v.offline, '0');
  assert.equal((await stats(org, ev.id)).admitted, 3);
  await p.page.click('#next');
  await p.page.waitForFunction(() => document.querySelector('#count-admitted').textContent === '3');
  await shot(p.page, 'scan-scanner');
  // nothing waits to sync: the phone may forget the event's ticket list
  await p.page.click('#change');
  await p.page.locator('#setup:not([hidden])').waitFor();
  await p.page.click('#forget');
  await p.page.locator('#forget-msg.msg-ok').waitFor();
  assert.deepEqual(await p.page.evaluate(() => import('/scan/js/store.js').then((m) => m.keys())), []);
  assert.deepEqual(p.problems, { errors: [], csp: [] });
  await p.context.close();
});

test('scanner: two phones admit one ticket offline; after sync one admission stands and the other is reported as a duplicate', async (t) => {
  if (!checkinUp) { t.skip('the checkin responder is not on this stack'); return; }
  const org = await organizer('gate2');
  const { ev, tickets, video } = await ticketsNow(org, ['B1']);
  const file = await video(0, 'dup');
  const north = path.join(dir, 'north');
  const south = path.join(dir, 'south');
  await prepare(north, org, ev.id, 'North');
  // the second phone: the same organizer signed in again (its own session)
  const again = await apiSignIn(org.email);
  await prepare(south, again, ev.id, 'South');

  // North, offline: admitted on the phone; back online it syncs first
  let p = await phone(file, { dir: north, offline: true });
  await p.page.goto('/scan/');
  let v = await verdict(p.page, 'admitted');
  assert.equal(v.offline, '1');
  await p.context.setOffline(false);
  await p.page.waitForFunction(() => document.querySelector('#net').hidden, null, { timeout: 20000 });
  assert.equal((await stats(org, ev.id)).admitted, 1);
  await p.context.close();

  // South, offline with its older copy: admits the same ticket too
  p = await phone(file, { dir: south, offline: true });
  await p.page.goto('/scan/');
  v = await verdict(p.page, 'admitted');
  assert.equal(v.offline, '1');
  await p.context.setOffline(false);
  const toastText = await p.page.locator('.toast', { hasText: 'duplicate' }).innerText({ timeout: 20000 });
  assert.match(toastText, /1 duplicate reported to the organizer/);
  await p.page.waitForFunction(() => document.querySelector('#net').hidden, null, { timeout: 20000 });
  assert.deepEqual(p.problems, { errors: [], csp: [] });
  await p.context.close();

  const s = await stats(org, ev.id);
  assert.equal(s.admitted, 1);
  assert.equal(s.duplicates, 1);
  const d = await call('GET', `/api/checkin/events/${ev.id}/duplicates`, { token: org.token, ip: org.ip });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.duplicates.length, 1);
  assert.equal(d.json.duplicates[0].ticketId, tickets[0].id);
  assert.equal(d.json.duplicates[0].first.gate, 'North');
  assert.equal(d.json.duplicates[0].second.gate, 'South');
});

test('scanner: a fresh phone opens /scan/ with no network after its first visit (service worker)', async () => {
  const { context, page, problems } = await open(browser);
  await page.goto('/scan/');
  await page.locator('#signin-box:not([hidden])').waitFor();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15000 });
  const manifest = await page.evaluate(async () => (await fetch(document.querySelector('link[rel=manifest]').href)).json());
  assert.equal(manifest.start_url, '/scan/');
  assert.ok(manifest.icons.some((i) => i.sizes === '512x512'));
  await context.setOffline(true);
  await page.reload();
  await page.locator('#signin-box:not([hidden])').waitFor();
  assert.match(await page.locator('#page-msg').innerText(), /Offline/);
  assert.equal(await page.evaluate(() => typeof Worker), 'function');
  await shot(page, 'scan-offline-open');
  assert.deepEqual(problems.csp, []);
  assert.deepEqual(problems.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(e)), []);
  await context.close();
});

test('scanner: the phone’s parser and WebCrypto Ed25519 accept the server’s payloads and refuse altered ones', async () => {
  const org = await organizer('keys');
  const other = await organizer('keys2');
  const ev = seedEvent({ tenantId: org.tenantId, title: 'Key Night', rows: 1 });
  const ev2 = seedEvent({ tenantId: other.tenantId, title: 'Other Night', rows: 1 });
  await warmSeatsAndBookings(ev.id);
  const fan = await apiSignIn(newEmail('fan'));
  const bk = await buy(fan, ev.id, [ev.seats.get('A1')]);
  const bk2 = await buy(fan, ev2.id, [ev2.seats.get('A1')]);
  const keysOf = async (o) => (await call('GET', '/api/tenants/me/ticket-keys', { token: o.token, ip: o.ip })).json.keys;
  const keys = await keysOf(org);
  const otherKeys = await keysOf(other);
  const ticket = bk.tickets[0];
  const foreign = bk2.tickets[0].qr;
  const { context, page, problems } = await open(browser);
  await page.goto('/scan/');
  const got = await page.evaluate(async ({ payload, keys, otherKeys, foreign }) => {
    const m = await import('/scan/js/ticket.js');
    const k = await m.importKeys(keys);
    const k2 = await m.importKeys(otherKeys);
    const t = m.parse(payload);
    const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const verifies = async (p, kk = k) => { const x = m.parse(p); return x ? m.verify(x, kk) : null; };
    const sigFlips = [];
    for (let i = 64; i < 149; i += 7) sigFlips.push(await verifies(flip(payload, i)));
    const bodyFlips = [];
    for (let i = 4; i < 62; i += 5) bodyFlips.push(await verifies(flip(payload, i)));
    return {
      ticketId: t.ticketId, eventId: t.eventId, window: t.validUntil > t.validFrom, kid: t.kid,
      good: await m.verify(t, k),
      otherTenantKeys: await m.verify(t, k2),
      foreignWithOurKeys: await verifies(foreign),
      sigFlips, bodyFlips,
      short: m.parse(payload.slice(0, 149)),
      version: m.parse(`ZT2${payload.slice(3)}`),
      plus: m.parse(`${payload.slice(0, 10)}+${payload.slice(11)}`),
      // the signature's last character carries 4 unused bits: set one
      nonCanonical: m.parse(payload.slice(0, 149) + String.fromCharCode(payload.charCodeAt(149) + 1)),
    };
  }, { payload: ticket.qr, keys, otherKeys, foreign });
  assert.equal(got.ticketId, ticket.id);
  assert.equal(got.eventId, ev.id);
  assert.ok(got.window);
  assert.ok(keys.some((x) => Number(x.kid) === got.kid));
  assert.equal(got.good, true);
  assert.equal(got.otherTenantKeys, false);
  assert.equal(got.foreignWithOurKeys, false);
  assert.ok(got.sigFlips.length > 10 && got.sigFlips.every((x) => x === false || x === null), JSON.stringify(got.sigFlips));
  assert.ok(got.bodyFlips.every((x) => x === false || x === null), JSON.stringify(got.bodyFlips));
  for (const k of ['short', 'version', 'plus', 'nonCanonical']) assert.equal(got[k], null, k);
  assert.deepEqual(problems.csp, []);
  await context.close();
});
