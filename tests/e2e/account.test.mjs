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
