// Sign in with Google through the real sheet: the button shows because the
// server offers it, the stand-in (tests/fakes/google.py) asks for an email
// on its own page, and the browser comes back to the page it left, signed
// in; a refused sign-in comes back with the reason in the sheet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, newEmail } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('continue with Google from the sheet and come back signed in', async () => {
  const { page, context, problems } = await open(browser);
  const email = newEmail('google');
  await page.goto('/');
  await page.locator('#signin').click();
  await page.locator('#signin-sheet').waitFor();
  const google = page.locator('#signin-google');
  await google.waitFor();
  await shot(page, 'signin-sheet-google');
  await google.click();
  // the stand-in's own page, then back through the callback
  await page.locator('input[name="login_hint"]').fill(email);
  await page.locator('input[name="fake_name"]').fill('Asha Rao');
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Continue' }).click()]);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.equal(await page.locator('.account-name').innerText(), 'Asha Rao');
  // a reload restores the session from the refresh cookie
  await page.reload();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  await context.close();
});

test('a refused Google sign-in reopens the sheet with the reason', async () => {
  const { page, context } = await open(browser);
  // the callback without this browser's state cookie: refused, and a
  // browser is sent back to the page with the code
  await page.goto('/api/auth/google/callback?code=x&state=y');
  await page.locator('#signin-sheet').waitFor();
  const msg = page.locator('#signin-sheet .msg-error');
  await msg.waitFor();
  assert.match(await msg.innerText(), /took too long or started in another browser/);
  assert.equal(new URL(page.url()).search, '');
  await context.close();
});
