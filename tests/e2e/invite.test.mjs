// Team invitations through the portal on the real stack (issue #16,
// item 2): the owner invites by email and sees it pending (nobody joins
// yet); someone else signed in who opens the link is refused without
// learning anything; the invitee opens the link, accepts and lands in the
// portal as a manager; the owner's team page then shows them as a member.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, apiSignIn, adoptSession, newEmail, areaUp, warmAuth, DESKTOP } from './lib.mjs';
import { organizer, psql } from './real.mjs';

let browser;
let ready;
before(async () => {
  browser = await launch();
  ready = await areaUp('/api/tenants/me');
  await warmAuth();
});
after(async () => { await browser?.close(); });

// The accept link in the invitation message (the outbox row; in
// production the cron sender mails it).
function linkFor(email) {
  assert.match(email, /^[a-z0-9.@-]+$/);
  const link = psql(`select payload->>'link' from outbox where recipient = '${email}'
                     and payload->>'template' = 'member.invitation' order by created_at desc limit 1`);
  assert.match(link, /\/organizer\/invite\.html\?token=[A-Za-z0-9_-]{64}$/);
  return new URL(link);
}

test('team: invite by email (pending), a stranger is refused, the invitee accepts with the link', async (t) => {
  if (!ready) { t.skip('the tenants responder is not on this stack'); return; }
  const owner = await organizer('owner');
  const crew = newEmail('crew');

  // the owner invites: pending, not a member
  const o = await open(browser, { device: DESKTOP, acceptDialogs: true });
  await adoptSession(o.context, owner);
  await o.page.goto('/organizer/team.html');
  await o.page.locator('#team-page').waitFor();
  await o.page.locator('#inv-email').fill(crew.toUpperCase());
  await o.page.locator('#inv-role').selectOption('manager');
  await o.page.getByRole('button', { name: 'Send invitation' }).click();
  await o.page.locator('#team-msg.msg-ok').waitFor();
  assert.match(await o.page.locator('#team-msg').innerText(), new RegExp(`Invitation sent to ${crew}.*pending`));
  const row = o.page.locator('#invite-rows tr', { hasText: crew });
  await row.waitFor();
  assert.match(await row.innerText(), /manager[\s\S]*pending/i);
  assert.equal(await o.page.locator('#member-rows tr', { hasText: crew }).count(), 0);
  await shot(o.page, 'team-invitation-pending');
  const link = linkFor(crew);

  // someone else, signed in, opens the link: refused, nothing named
  const s = await open(browser, { device: DESKTOP });
  await adoptSession(s.context, await apiSignIn(newEmail('stranger')));
  await s.page.goto(link.pathname + link.search);
  await s.page.locator('#invite-accept').waitFor();
  assert.equal(new URL(s.page.url()).search, '', 'the token leaves the address bar');
  await s.page.locator('#invite-accept').click();
  await s.page.locator('#invite-msg.msg-error').waitFor();
  const refused = await s.page.locator('#invite-msg').innerText();
  assert.match(refused, /another email address or phone number/);
  assert.ok(!refused.includes(crew) && !refused.includes('Live Crew'));
  await s.context.close();

  // the invitee: sees who invites them, accepts, lands in the portal
  const c = await open(browser, { device: DESKTOP });
  await adoptSession(c.context, await apiSignIn(crew));
  await c.page.goto(link.pathname + link.search);
  await c.page.locator('#invite-accept').waitFor();
  assert.match(await c.page.locator('#invite-body').innerText(), /Live Crew invites you to join as manager/);
  await shot(c.page, 'team-invitation-accept');
  await c.page.locator('#invite-accept').click();
  await c.page.locator('#invite-done').waitFor();
  assert.match(await c.page.locator('#invite-done').innerText(), /You joined Live Crew as manager/);
  await c.page.getByRole('link', { name: 'Go to the organizer portal' }).click();
  await c.page.locator('#home').waitFor();
  assert.deepEqual(c.problems.errors, []);
  assert.deepEqual(c.problems.csp, []);
  await c.context.close();

  // the owner sees a member now, and no pending invitation
  await o.page.reload();
  await o.page.locator('#member-rows tr', { hasText: crew }).waitFor();
  assert.match(await o.page.locator('#member-rows tr', { hasText: crew }).innerText(), /manager/);
  assert.equal(await o.page.locator('#pending-invites').isHidden(), true);
  assert.deepEqual(o.problems.errors, []);
  assert.deepEqual(o.problems.csp, []);
  await o.context.close();
});

test('team: a signed-in user without an organization sees their invitation above onboarding and joins', async (t) => {
  if (!ready) { t.skip('the tenants responder is not on this stack'); return; }
  const owner = await organizer('owner');
  const crew = newEmail('crew');
  const inv = await (await import('./lib.mjs')).call('POST', '/api/tenants/me/members',
    { body: { email: crew, role: 'scanner' }, token: owner.token });
  assert.equal(inv.status, 202, inv.text);
  const c = await open(browser, { device: DESKTOP });
  await adoptSession(c.context, await apiSignIn(crew));
  await c.page.goto('/organizer/');
  const card = c.page.locator(`#my-invites [data-invitation="${inv.json.invitationId}"]`);
  await card.waitFor();
  assert.match(await card.innerText(), /Live Crew invites you to join as scanner/);
  await card.getByRole('button', { name: 'Accept' }).click();
  await c.page.locator('#home').waitFor();
  assert.deepEqual(c.problems.errors, []);
  assert.deepEqual(c.problems.csp, []);
  await c.context.close();
});
