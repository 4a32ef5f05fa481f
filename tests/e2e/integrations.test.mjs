// API tokens and webhooks through the organizer portal on the real stack
// (issue #24): the owner creates a read token and sees its secret once;
// the token reads events and cannot write; revoking it in the page stops
// it at once; the owner registers a webhook endpoint, sees its secret
// once, and the endpoint is listed without it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, adoptSession, call, areaUp, warmAuth, DESKTOP } from './lib.mjs';
import { organizer } from './real.mjs';

let browser;
let ready;
before(async () => {
  browser = await launch();
  ready = await areaUp('/api/tenants/me');
  await warmAuth();
});
after(async () => { await browser?.close(); });

test('integrations: create, use and revoke a token; register a webhook', async (t) => {
  if (!ready) { t.skip('the tenants responder is not on this stack'); return; }
  const owner = await organizer('hooks');
  const o = await open(browser, { device: DESKTOP, acceptDialogs: true });
  await adoptSession(o.context, owner);
  await o.page.goto('/organizer/integrations.html');
  await o.page.locator('#int-page').waitFor();

  // a read token: the secret once
  await o.page.locator('#tok-name').fill('Portal');
  await o.page.getByRole('button', { name: 'Create token' }).click();
  await o.page.locator('#token-msg.msg-ok').waitFor();
  const secret = (await o.page.locator('#token-value').innerText()).trim();
  assert.match(secret, /^zt_live_[A-Za-z0-9_-]{64}$/);
  const row = o.page.locator('#token-rows tr', { hasText: 'Portal' });
  await row.waitFor();
  assert.match(await row.innerText(), /events:read[\s\S]*active/);
  assert.ok(!(await row.innerText()).includes(secret.slice(12)), 'the list never shows the secret');
  await shot(o.page, 'integrations-token-created');

  // it reads, it cannot write
  let r = await call('GET', '/api/events/mine', { token: secret });
  assert.equal(r.status, 200, r.text);
  r = await call('POST', '/api/events', { token: secret, body: { title: 'x' } });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'insufficient_scope');

  // revoked from the page: refused at once
  await row.getByRole('button', { name: 'Revoke' }).click();
  await o.page.locator('#token-rows tr', { hasText: 'revoked' }).waitFor();
  r = await call('GET', '/api/events/mine', { token: secret });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'token_revoked');

  // a webhook endpoint (loopback is allowed outside production)
  await o.page.locator('#hook-url').fill('http://127.0.0.1:9/hook');
  await o.page.getByRole('button', { name: 'Add endpoint' }).click();
  await o.page.locator('#hook-msg.msg-ok').waitFor();
  const whsec = (await o.page.locator('#hook-secret-value').innerText()).trim();
  assert.match(whsec, /^whsec_/);
  const panel = o.page.locator('#hook-list [data-webhook]');
  await panel.waitFor();
  assert.match(await panel.innerText(), /127\.0\.0\.1:9\/hook[\s\S]*booking\.confirmed/);
  assert.ok(!(await panel.innerText()).includes(whsec));
  await panel.getByRole('button', { name: 'Deliveries' }).click();
  await panel.getByText('No deliveries yet.').waitFor();
  await shot(o.page, 'integrations-webhook');
  await o.context.close();
});
