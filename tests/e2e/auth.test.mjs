// Sign-in through the real sheet and the real auth responder, codes read
// from the provider fakes; silent refresh; single-flight refresh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, fakeCode, fakeCount, newEmail, call, apiSignIn, adoptSession, clearFakeFailures, warmAuth } from './lib.mjs';

let browser;
before(async () => { await clearFakeFailures(); await warmAuth(); browser = await launch(); });
after(async () => { await browser?.close(); });

async function openSheet(page) {
  await page.goto('/');
  await page.locator('#signin').click();
  await page.locator('#signin-sheet').waitFor();
}

// Wait for the code step; if the send failed, fail with the sheet's message.
async function codeStep(page) {
  await page.locator('#signin-code:visible, #signin-sheet .msg-error').first().waitFor();
  const err = page.locator('#signin-sheet .msg-error');
  if (await err.count() && await err.isVisible()) throw new Error(`sending the code failed: ${await err.innerText()}`);
}

test('sign in through the sheet with an emailed code, then stay signed in after a reload', async () => {
  const { page, context, problems } = await open(browser);
  const email = newEmail('sheet');
  await openSheet(page);
  await shot(page, 'signin-sheet');
  await page.locator('#signin-to').fill(email);
  const before = await fakeCount(email);
  await page.getByRole('button', { name: 'Send code' }).click();
  await codeStep(page);
  const code = await fakeCode(email, 'resend', { after: before });
  // six digits submit by themselves; signing in re-renders the page
  await Promise.all([page.waitForEvent('load'), page.locator('#signin-code').fill(code)]);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.equal(await page.locator('.account-name').innerText(), email);

  // A new page load gets its access token from the refresh cookie, once.
  const refreshes = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/auth/token/refresh')) refreshes.push(r.headers()['content-type']); });
  await page.reload();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.deepEqual(refreshes, ['application/json']);

  // Sign out ends the session for good.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.locator('#signin').waitFor();
  await page.reload();
  await page.locator('#signin').waitFor();
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
  await context.close();
});

test('signing in from the top bar re-renders the page it was on (the organizer portal)', async () => {
  const { page, context, problems } = await open(browser);
  const email = newEmail('topbar');
  await page.goto('/organizer/');
  await page.locator('#org-signin').waitFor();       // "Sign in to create or manage your events"
  await page.locator('#signin').click();
  await page.locator('#signin-sheet').waitFor();
  await page.locator('#signin-to').fill(email);
  const before = await fakeCount(email);
  await page.getByRole('button', { name: 'Send code' }).click();
  await codeStep(page);
  const code = await fakeCode(email, 'resend', { after: before });
  await Promise.all([page.waitForEvent('load'), page.locator('#signin-code').fill(code)]);
  // a new user without an organization: the onboarding form, not the panel
  await page.locator('#onboard-form').waitFor();
  assert.equal(await page.locator('#org-signin').count(), 0);
  assert.equal(await page.locator('.account-name').innerText(), email);
  assert.deepEqual(problems.errors, []);
  await context.close();
});

test('a wrong code shows the server message with the tries left, in place', async () => {
  const { page, context } = await open(browser);
  const email = newEmail('wrong');
  await openSheet(page);
  await page.locator('#signin-to').fill(email);
  const before = await fakeCount(email);
  await page.getByRole('button', { name: 'Send code' }).click();
  await codeStep(page);
  const code = await fakeCode(email, 'resend', { after: before });
  const wrong = code === '123456' ? '654321' : '123456';
  await page.locator('#signin-code').fill(wrong);
  const msg = page.locator('#signin-sheet .msg-error');
  await msg.waitFor();
  assert.equal(await msg.innerText(), 'wrong code; 4 tries left');
  assert.equal(await page.locator('#signin-code').getAttribute('aria-invalid'), 'true');
  await shot(page, 'signin-wrong-code');
  // the right code still works afterwards
  await page.locator('#signin-code').fill(code);
  await page.locator('#signin-sheet').waitFor({ state: 'detached' });
  await context.close();
});

test('too many codes: the 429 message and a Retry-After countdown, send disabled', async () => {
  const { page, context } = await open(browser);
  const email = newEmail('limit');
  // use up the per-identifier sends (3 per window) from other addresses
  for (let i = 0; i < 3; i++) {
    const r = await call('POST', '/api/auth/otp/send', { body: { channel: 'email', to: email } });
    assert.equal(r.status, 202, r.text);
  }
  await openSheet(page);
  await page.locator('#signin-to').fill(email);
  await page.getByRole('button', { name: 'Send code' }).click();
  const msg = page.locator('#signin-sheet .msg-error');
  await msg.waitFor();
  assert.ok((await msg.innerText()).length > 0);
  const line = page.locator('#signin-sheet form:not([hidden]) p.hint[aria-live]');
  await page.waitForFunction(() => /Try again in \d+:\d\d/.test(document.querySelector('#signin-sheet').innerText));
  assert.ok(await page.getByRole('button', { name: 'Send code' }).isDisabled());
  assert.match(await line.innerText(), /Try again in \d+:\d\d/);
  await shot(page, 'signin-rate-limited');
  await context.close();
});

test('concurrent 401s share one refresh, then each call is retried once', async () => {
  const { page, context } = await open(browser);
  const session = await apiSignIn(newEmail('flight'));
  await adoptSession(context, session);
  await page.goto('/');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  const refreshes = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/auth/token/refresh')) refreshes.push(r.method()); });
  const result = await page.evaluate(async () => {
    const api = await import('/js/api.js');
    api.setToken('expired.or.bogus.token');
    const all = await Promise.all([api.get('/api/auth/me'), api.get('/api/auth/me'), api.get('/api/auth/me')]);
    return all.map((m) => m.user.id);
  });
  assert.deepEqual(result, [session.user.id, session.user.id, session.user.id]);
  assert.equal(refreshes.length, 1);
  await context.close();
});

test('API errors surface as {status, code, message} from the server body', async () => {
  const { page, context } = await open(browser);
  await page.goto('/');
  const err = await page.evaluate(async () => {
    const api = await import('/js/api.js');
    try {
      await api.post('/api/auth/otp/send', { channel: 'pigeon', to: 'x' }, { auth: false });
      return null;
    } catch (e) {
      return { status: e.status, code: e.code, message: e.message, isApiError: e instanceof api.ApiError };
    }
  });
  assert.equal(err.status, 400);
  assert.equal(err.isApiError, true);
  assert.ok(err.code && err.code !== 'http_400', `server code expected, got ${err.code}`);
  assert.ok(err.message.length > 0);
  await context.close();
});
