// The platform admin console on the real stack (docs/admin.md): the first
// admin is made with sql/ztic-admin, enrols through the link (email code,
// QR and key, two consecutive authenticator codes computed here from the
// key the page shows), signs in with an email code and a TOTP code,
// approves a waiting organization and suspends an active one (its event
// leaves the catalogue), with both decisions in the audit log; then the
// money tabs and unlisting: approving a payout, unlisting and relisting an
// event, a failed refund in the refunds overview.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, open, shot, fakeCode, fakeCount, newEmail, call, apiSignIn, adoptSession, areaUp, warmAuth, clearFakeFailures, VAR, DESKTOP } from './lib.mjs';
import { organizer, seedEvent, psql } from './real.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let browser;
let ready;
before(async () => {
  await clearFakeFailures();
  await warmAuth();
  ready = await areaUp('/api/admin/me');
  browser = await launch();
});
after(async () => { await browser?.close(); });

// sql/ztic-admin with the stack's responder environment
function ztAdmin(...args) {
  const env = { PATH: process.env.PATH };
  for (const line of readFileSync(path.join(VAR, 'env'), 'utf8').split('\n')) {
    const m = line.match(/^export ([A-Z0-9_]+)='(.*)'$/);
    if (m) env[m[1]] = m[2].replace(/'\\''/g, "'");
  }
  return execFileSync(path.join(ROOT, 'sql', 'ztic-admin'), args, { env, encoding: 'utf8' }).trim();
}

// RFC 6238 (SHA-1, 6 digits, 30 s) from a base32 key
function base32(s) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of s.replace(/[\s=]/g, '').toUpperCase()) bits += abc.indexOf(c).toString(2).padStart(5, '0');
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}
function totp(key, counter) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const o = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}
const step = () => Math.floor(Date.now() / 30000);

// Type into a search box and wait for the list it loads (the list before
// it could still be on the page otherwise).
async function searched(page, prefix, act) {
  await Promise.all([page.waitForResponse((r) => r.url().includes(prefix) && r.url().includes('q=')), act()]);
}

// The sign-in form: an emailed code and the authenticator's.
async function signInOnPage(page, email, code) {
  await page.goto('/admin/');
  await page.locator('#signin').waitFor();
  await page.locator('#si-code').fill(await emailCode(page, email, '#si-send', '#si-send-btn'));
  await page.locator('#si-totp').fill(code);
  await page.locator('#si-verify-btn').click();
  await page.locator('#console').waitFor();
}

// Filter the audit log by organization and wait for that answer (the
// unfiltered list the tab loaded first could still be on the page).
async function auditFor(page, tenantId) {
  await Promise.all([page.waitForResponse((r) => r.url().includes('/api/admin/audit?') && r.url().includes(`tenantId=${tenantId}`)),
    page.locator('#a-go').click()]);
}

async function emailCode(page, email, formSel, btnSel) {
  const before = await fakeCount(email);
  await page.locator(`${formSel} input[type=email]`).fill(email);
  await page.locator(btnSel).click();
  return fakeCode(email, 'resend', { after: before });
}

test('admin: enrol from the link, sign in with TOTP, approve one organization, suspend another', async (t) => {
  if (!ready) { t.skip('the admin responder is not on this stack'); return; }
  const email = newEmail('admin');
  const link = new URL(ztAdmin('add', email, 'E2E Admin'));
  assert.match(link.hash, /^#[A-Za-z0-9_-]{43}$/);

  // ---- enrolment
  const { page, problems } = await open(browser, { device: DESKTOP });
  await page.goto(link.pathname + link.hash);
  await page.locator('#en-send').waitFor();
  assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
  const code = await emailCode(page, email, '#en-send', '#en-send button');
  await page.locator('#en-code').fill(code);
  await page.locator('#en-start button').click();
  await page.locator('#en-confirm').waitFor();
  await page.waitForFunction(() => document.querySelector('#en-qr').naturalWidth > 0);
  const key = base32(await page.locator('#en-secret').innerText());
  assert.equal(key.length, 20);
  assert.equal(await page.locator('#en-account').innerText(), email);
  await shot(page, 'admin-enrol');
  let c = step();
  await page.locator('#en-code1').fill(totp(key, c - 1));
  await page.locator('#en-code2').fill(totp(key, c));
  await page.locator('#en-confirm button').click();
  await page.locator('#en-done').waitFor();

  // ---- sign-in (the next step: the enrolment's own code is spent)
  await signInOnPage(page, email, totp(key, c + 1));
  assert.equal(await page.locator('#account').innerText(), email);

  // ---- approve a waiting organization (found by search)
  const owner = await apiSignIn(newEmail('pending'));
  const name = `Queue ${Date.now().toString(36)}`;
  const ob = await call('POST', '/api/tenants/onboard', { body: { name, contactEmail: owner.email, institution: 'E2E College' }, token: owner.token, ip: owner.ip });
  assert.equal(ob.status, 201, ob.text);
  const pendingId = ob.json.tenantId;
  await searched(page, '/api/admin/tenants?', () => page.locator('#t-q').fill(name));
  const row = page.locator(`#tenant-rows tr[data-tenant="${pendingId}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /E2E College[\s\S]*Waiting/i);
  assert.match(await row.innerText(), new RegExp(owner.email.replace(/[.+]/g, '\\$&')));
  await shot(page, 'admin-queue');
  await row.locator('button[data-action=approve]').click();
  await page.locator('#t-msg.msg-ok').waitFor();
  assert.match(await page.locator(`#tenant-rows tr[data-tenant="${pendingId}"]`).innerText(), /Active/i);

  // ---- suspend an active organization with an event on sale
  const org = await organizer('susp');
  const ev = seedEvent({ tenantId: org.tenantId, title: 'Suspended Night', rows: 2 });
  assert.equal((await call('GET', `/api/events/${ev.id}`)).status, 200);
  await page.locator('#t-status').selectOption('active');
  await searched(page, '/api/admin/tenants?', () => page.locator('#t-q').fill(org.tenantId));
  const arow = page.locator(`#tenant-rows tr[data-tenant="${org.tenantId}"]`);
  await arow.waitFor();
  // a reason is required
  await arow.locator('button[data-action=suspend]').click();
  await arow.locator('.msg-error').waitFor();
  await arow.locator('input').fill('chargebacks under review');
  await arow.locator('button[data-action=suspend]').click();
  await page.locator('#t-msg.msg-ok').waitFor();
  assert.match(await page.locator(`#tenant-rows tr[data-tenant="${org.tenantId}"]`).innerText(), /Suspended/i);
  assert.equal((await call('GET', `/api/events/${ev.id}`)).status, 404, 'off the catalogue');

  // ---- cancel that event for a policy reason, look its owner up
  await page.locator('#admin-nav a[data-tab=events]').click();
  await searched(page, '/api/admin/events?', () => page.locator('#e-q').fill(ev.id));
  const erow = page.locator(`#event-rows tr[data-event="${ev.id}"]`);
  await erow.waitFor();
  await erow.locator('input').fill('venue closed by the city');
  await erow.getByRole('button', { name: 'Cancel event' }).click();
  await page.locator('#e-msg.msg-ok').waitFor();
  assert.match(await page.locator(`#event-rows tr[data-event="${ev.id}"]`).innerText(), /Cancelled/i);
  await page.locator('#admin-nav a[data-tab=users]').click();
  await page.locator('#u-q').fill(owner.email);
  await page.locator('#u-go').click();
  await page.locator('#user-results .panel').waitFor();
  assert.match(await page.locator('#user-results').innerText(), /1 active sign-in/);

  // ---- the decisions in the audit log, and the figures
  await page.locator('#admin-nav a[data-tab=audit]').click();
  await page.locator('#a-tenant').fill(org.tenantId);
  await auditFor(page, org.tenantId);
  await page.locator('#audit-rows tr', { hasText: 'chargebacks under review' }).waitFor();
  const log = await page.locator('#audit-rows').innerText();
  assert.match(log, /event\.cancelled[\s\S]*venue closed by the city/);
  assert.match(log, /tenant\.suspended[\s\S]*chargebacks under review/);
  assert.match(log, new RegExp(`admin ${email.replace(/[.+]/g, '\\$&')}`));
  await shot(page, 'admin-audit');
  await page.locator('#admin-nav a[data-tab=figures]').click();
  await page.locator('#figures .kpi').first().waitFor();
  assert.match(await page.locator('#figures').innerText(), /events on sale/);

  // ---- sign out: the console is gone, the cookie too
  await page.locator('#signout').click();
  await page.locator('#signin').waitFor();
  assert.equal((await page.context().cookies()).filter((k) => k.name === 'zt_admin').length, 0);
  assert.deepEqual(problems, { errors: [], csp: [], dialogs: [] });
});

test('admin: a wrong authenticator code is refused in place', async (t) => {
  if (!ready) { t.skip('the admin responder is not on this stack'); return; }
  const email = newEmail('admin-wrong');
  ztAdmin('add', email);
  const { page } = await open(browser, { device: DESKTOP });
  await page.goto('/admin/');
  await page.locator('#signin').waitFor();
  // invited, not enrolled: refused whatever the code
  const code = await emailCode(page, email, '#si-send', '#si-send-btn');
  await page.locator('#si-code').fill(code);
  await page.locator('#si-totp').fill('123456');
  await page.locator('#si-verify-btn').click();
  await page.locator('#si-msg.msg-error').waitFor();
  assert.match(await page.locator('#si-msg').innerText(), /enrolment/i);
  assert.equal(await page.locator('#console').isVisible(), false);
});

// An enrolled admin (through the API), signed in on page through the form.
async function signedInAdmin(page) {
  const email = newEmail('admin-money');
  const token = new URL(ztAdmin('add', email)).hash.slice(1);
  const ip = `127.0.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const code = async () => {
    const before = await fakeCount(email);
    const r = await call('POST', '/api/admin/signin/code', { body: { email }, ip });
    assert.equal(r.status, 202, r.text);
    return { challengeId: r.json.challengeId, code: await fakeCode(email, 'resend', { after: before }) };
  };
  const st = await call('POST', '/api/admin/enrol/start', { body: { token, ...(await code()) }, ip });
  assert.equal(st.status, 200, st.text);
  const key = base32(st.json.secret);
  const c = step();
  const cf = await call('POST', '/api/admin/enrol/confirm', { body: { token, code1: totp(key, c - 1), code2: totp(key, c) }, ip });
  assert.equal(cf.status, 200, cf.text);
  await signInOnPage(page, email, totp(key, c + 1));
  return email;
}

test('admin: approve a payout, unlist and relist an event, see a failed refund', async (t) => {
  if (!ready) { t.skip('the admin responder is not on this stack'); return; }
  const title = `Money Night ${Date.now().toString(36)}`;
  const org = await organizer('unlisted');
  const ev = seedEvent({ tenantId: org.tenantId, title, rows: 1 });
  const buyer = randomUUID();
  const [payout, booking] = psql(`begin;
    select set_config('app.tenant_id', '${ev.tenantId}', true);
    insert into users (id, email, name) values ('${buyer}', 'refund-${buyer.slice(0, 8)}@test.ztic.in', 'Refund Buyer');
    insert into payouts (tenant_id, event_id, gross_paise, refunds_paise, fees_paise, commission_paise, net_paise)
      values ('${ev.tenantId}', '${ev.id}', 250000, 0, 9000, 5000, 241000);
    insert into bookings (tenant_id, event_id, user_id, status, subtotal_paise, total_paise)
      values ('${ev.tenantId}', '${ev.id}', '${buyer}', 'refunded', 50000, 50000);
    insert into payments (tenant_id, booking_id, provider_order_id, provider_payment_id, status, amount_paise, captured_at)
      select tenant_id, id, 'order_' || md5(id::text), 'pay_' || md5(id::text), 'captured', 50000, now() from bookings where event_id = '${ev.id}';
    insert into refunds (tenant_id, payment_id, amount_paise, status, idempotency_key, reason)
      select tenant_id, id, 50000, 'failed', 'rf-' || md5(id::text), 'event cancelled' from payments where tenant_id = '${ev.tenantId}';
    select (select id from payouts where event_id = '${ev.id}') || '|' || (select id from bookings where event_id = '${ev.id}');
    commit;`).split('\n').filter(Boolean).pop().split('|');

  const { page, problems } = await open(browser, { device: DESKTOP });
  const email = await signedInAdmin(page);

  // ---- the payout, found by its event's title, approved
  await page.locator('#admin-nav a[data-tab=payouts]').click();
  await page.locator('#p-q').fill(title);
  await Promise.all([page.waitForResponse((r) => r.url().includes('/api/admin/payouts?') && r.url().includes('q=')), page.locator('#p-go').click()]);
  const prow = page.locator(`#payout-rows tr[data-payout="${payout}"]`);
  await prow.waitFor();
  assert.match(await prow.innerText(), /Proposed[\s\S]*2,500[\s\S]*2,410/i);
  await shot(page, 'admin-payouts');
  await prow.locator('input').fill('statement checked');
  await prow.locator('button[data-action=approve]').click();
  await page.locator('#p-msg.msg-ok').waitFor();
  assert.match(await page.locator(`#payout-rows tr[data-payout="${payout}"]`).innerText(), /Approved/i);
  assert.equal(await page.locator(`#payout-rows tr[data-payout="${payout}"] button`).count(), 0);

  // ---- unlist the event, then relist it
  await page.locator('#admin-nav a[data-tab=events]').click();
  await searched(page, '/api/admin/events?', () => page.locator('#e-q').fill(ev.id));
  let erow = page.locator(`#event-rows tr[data-event="${ev.id}"]`);
  await erow.waitFor();
  await erow.locator('input').fill('misleading poster');
  await erow.locator('button[data-action=unlist]').click();
  await page.locator('#e-msg.msg-ok').waitFor();
  erow = page.locator(`#event-rows tr[data-event="${ev.id}"]`);
  assert.match(await erow.innerText(), /Published[\s\S]*Unlisted: misleading poster/i);
  assert.equal((await call('GET', `/api/events/${ev.id}`)).status, 404, 'its page is gone');
  await shot(page, 'admin-unlisted');
  // the organizer sees why, on its home and in the editor
  const mine = await open(browser, { device: DESKTOP });
  await adoptSession(mine.context, org);
  await mine.page.goto('/organizer/');
  await mine.page.locator(`#event-rows tr[data-id="${ev.id}"] .unlisted`).waitFor();
  assert.equal(await mine.page.locator(`#event-rows tr[data-id="${ev.id}"] .unlisted`).innerText(), 'Unlisted by the platform: misleading poster');
  await mine.page.goto(`/organizer/event.html?id=${ev.id}`);
  await mine.page.locator('#page-msg', { hasText: 'Unlisted by the platform: misleading poster' }).waitFor();
  assert.deepEqual(mine.problems, { errors: [], csp: [], dialogs: [] });
  await erow.locator('button[data-action=relist]').click();
  await page.locator(`#event-rows tr[data-event="${ev.id}"] button[data-action=unlist]`).waitFor();
  assert.equal((await call('GET', `/api/events/${ev.id}`)).status, 200, 'back in the catalogue');

  // ---- the failed refund, marked, in the overview
  await page.locator('#admin-nav a[data-tab=refunds]').click();
  await page.locator('#r-status').selectOption('failed');
  await searched(page, '/api/admin/refunds?', () => page.locator('#r-q').fill(booking));
  const rrow = page.locator('#refund-rows tr[data-status=failed]', { hasText: booking });
  await rrow.waitFor();
  assert.match(await rrow.innerText(), /Failed[\s\S]*500[\s\S]*Money Night/i);
  assert.match(await rrow.getAttribute('style'), /border-left/);
  await shot(page, 'admin-refunds');

  // ---- the audit log has both decisions
  await page.locator('#admin-nav a[data-tab=audit]').click();
  await page.locator('#a-tenant').fill(ev.tenantId);
  await auditFor(page, ev.tenantId);
  await page.locator('#audit-rows tr', { hasText: 'payout.approved' }).waitFor();
  const log = await page.locator('#audit-rows').innerText();
  assert.match(log, /event\.relisted/);
  assert.match(log, /event\.unlisted[\s\S]*misleading poster/);
  assert.match(log, /payout\.approved[\s\S]*"pending"[\s\S]*"approved"[\s\S]*statement checked/);
  assert.match(log, new RegExp(`admin ${email.replace(/[.+]/g, '\\$&')}`));
  assert.deepEqual(problems, { errors: [], csp: [], dialogs: [] });
});
