// Your account page (issue #23, docs/privacy.md), against the real stack:
// reached from the top bar; set a name (the top bar shows it); add a phone
// proven by the code the SMS fake received; see the sessions and end
// another one (its refresh is refused at once).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, call, apiSignIn, adoptSession, newEmail, warmAuth, fakeCode, DESKTOP } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); await warmAuth(); });
after(async () => { await browser?.close(); });

const randomPhone = () => `9${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;

test('name, a second identifier by code, and sessions from the account page', async () => {
  const { page, context, problems } = await open(browser, { acceptDialogs: true, device: DESKTOP });
  const email = newEmail('acct');
  const session = await apiSignIn(email);
  const other = await apiSignIn(email); // a second device
  await adoptSession(context, session);

  await page.goto('/tickets.html');
  await page.locator('.account-name').click();
  await page.waitForURL(/\/account\.html$/);
  await page.locator('#signed-in:not([hidden])').waitFor();
  assert.equal(await page.locator('#my-email').innerText(), email);

  // the name
  await page.locator('#name').fill('Asha Verma');
  await page.getByRole('button', { name: 'Save name' }).click();
  await page.locator('#name-msg.msg-ok', { hasText: 'Saved' }).waitFor();
  await page.locator('.account-name', { hasText: 'Asha Verma' }).waitFor();

  // a phone, by code
  const phone = randomPhone();
  await page.locator('#ident-form input[value="sms"]').check();
  await page.locator('#ident-to').fill(phone);
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.locator('#code-form:not([hidden])').waitFor();
  const code = await fakeCode(`+91${phone}`, 'twilio');
  await page.locator('#ident-code').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.locator('#my-phone', { hasText: `+91${phone}` }).waitFor();

  // the sessions: this one marked, the other ended from here
  const lines = page.locator('#sessions li');
  await lines.first().waitFor();
  assert.equal(await lines.count(), 2);
  assert.equal(await page.locator('#sessions li', { hasText: 'this device' }).count(), 1);
  await shot(page, 'account');
  await page.locator('#sessions li:not(:has-text("this device")) button', { hasText: 'End' }).click();
  await page.waitForFunction(() => document.querySelectorAll('#sessions li').length === 1);
  const r = await call('POST', '/api/auth/token/refresh', { body: {}, cookie: `zt_refresh=${other.refresh}` });
  assert.equal(r.status, 401, r.text);
  assert.deepEqual(problems.csp, []);
  assert.deepEqual(problems.errors, []);
  await context.close();
});

test('on a phone the top bar links the account page', async () => {
  const { page, context } = await open(browser);
  await adoptSession(context, await apiSignIn(newEmail('acctp')));
  await page.goto('/');
  await page.getByRole('link', { name: 'Account' }).click();
  await page.waitForURL(/\/account\.html$/);
  await page.locator('#signed-in:not([hidden])').waitFor();
  await shot(page, 'account-phone');
  await context.close();
});

test('consents, the privacy notice, and deleting the account by code', async () => {
  const { page, context, problems } = await open(browser, { acceptDialogs: true, device: DESKTOP });
  const email = newEmail('gone');
  const session = await apiSignIn(email);
  await adoptSession(context, session);
  await page.goto('/account.html');
  await page.locator('#signed-in:not([hidden])').waitFor();
  // consent: opt-in, timestamped, withdrawable
  assert.equal(await page.locator('#c-marketing').isChecked(), false);
  await page.locator('#c-marketing-at', { hasText: 'Not given' }).waitFor();
  await page.locator('#c-marketing').check();
  await page.getByRole('button', { name: 'Save choices' }).click();
  await page.locator('#c-marketing-at', { hasText: /^Given / }).waitFor();
  // the export downloads a JSON file
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download my data' }).click();
  assert.equal((await download).suggestedFilename(), 'ztic-my-data.json');
  // the notice
  await page.getByRole('link', { name: 'What we keep, why and for how long' }).click();
  await page.waitForURL(/\/privacy\.html$/);
  await page.getByRole('heading', { name: 'Privacy notice' }).waitFor();
  await shot(page, 'privacy');
  await page.goBack();
  await page.locator('#signed-in:not([hidden])').waitFor();
  // delete, confirmed by the code sent to the account's email
  await page.getByRole('button', { name: 'Delete my account…' }).click();
  await page.locator('#delete-code-form:not([hidden])').waitFor();
  assert.equal(await page.locator('#delete-to').innerText(), email);
  const code = await fakeCode(email, 'resend', { after: 1 });
  await page.locator('#delete-code').fill(code);
  await page.getByRole('button', { name: 'Delete my account', exact: true }).click();
  await page.waitForURL(/\/\?deleted=1$/);
  await page.getByRole('button', { name: 'Sign in' }).first().waitFor();
  // the old session is over
  const r = await call('POST', '/api/auth/token/refresh', { body: {}, cookie: `zt_refresh=${session.refresh}` });
  assert.equal(r.status, 401, r.text);
  assert.deepEqual(problems.csp, []);
  assert.deepEqual(problems.errors.filter((e) => !/401/.test(e)), []);
  await context.close();
});
