// Registering a team with a form at checkout (docs/commerce.md, "Forms and
// teams"): the leader creates the team in the checkout's registration step
// and gets the invite code, a member joins with it, a missing required
// answer is refused naming the question, then the answered registration
// books a free ticket with its answers. Real stack: an event, its form and
// team limits seeded in SQL; real holds, teams and bookings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, apiSignIn, adoptSession, newEmail, warmAuth, call } from './lib.mjs';
import { seedEvent, warmSeatsAndBookings, psql, organizer } from './real.mjs';

let browser;
let real;
let typeId;
before(async () => {
  browser = await launch();
  real = seedEvent({ title: 'Hack Night', rows: 0, ga: [{ name: 'Hacker pass', pricePaise: 0, capacity: 30 }] });
  typeId = real.ga.get('Hacker pass');
  psql(`begin; select set_config('app.tenant_id', '${real.tenantId}', true);
    insert into event_registration (event_id, tenant_id, team_min, team_max) values ('${real.id}', '${real.tenantId}', 2, 4);
    insert into form_questions (tenant_id, event_id, position, label, kind, required) values ('${real.tenantId}', '${real.id}', 0, 'College', 'text', true);
    insert into form_questions (tenant_id, event_id, position, label, kind, options) values ('${real.tenantId}', '${real.id}', 1, 'Track', 'choice', '{AI,Web}');
    commit;`);
  await warmAuth();
  await warmSeatsAndBookings(real.id);
});
after(async () => { await browser?.close(); });

test('a leader registers a team with the form: invite code, a member joins, answers checked, ticket booked', async () => {
  const { page, context, problems } = await open(browser, { acceptDialogs: true });
  await adoptSession(context, await apiSignIn(newEmail('lead')));
  await page.goto(`/event.html?id=${real.id}`);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.getByRole('button', { name: 'One more Hacker pass' }).click();
  await page.locator(`#qty-${typeId}`, { hasText: '1' }).waitFor();
  await page.locator('#checkout').click();
  await page.locator('#checkout-sheet').waitFor();
  // the registration step: the team first
  await page.locator('#reg-form legend', { hasText: 'Registration' }).waitFor();
  await page.getByLabel('New team name').fill('Null Pointers');
  await page.getByRole('button', { name: 'Create team' }).click();
  const created = page.locator('#reg-form .msg-ok', { hasText: 'invite code' });
  await created.waitFor();
  const code = /code with your team: ([A-Z0-9]+)/.exec(await created.innerText())[1];
  assert.equal(code.length, 12);
  await page.locator('#reg-form', { hasText: 'You are in Null Pointers (1 member)' }).waitFor();
  // a teammate joins with the code (through the API, as their own device)
  const mate = await apiSignIn(newEmail('mate'));
  const j = await call('POST', `/api/events/${real.id}/teams/join`, { body: { inviteCode: code.toLowerCase() }, token: mate.token, ip: mate.ip });
  assert.equal(j.status, 200, j.text);
  // the required answer missing: the server's message names the question
  await page.getByRole('button', { name: 'See the total' }).click();
  await page.locator('#checkout-sheet .msg-error', { hasText: 'College' }).waitFor();
  await page.getByLabel('College').fill('IIT Madras');
  await page.getByLabel('Track').selectOption('AI');
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/bookings' && r.status() === 201);
  await page.getByRole('button', { name: 'See the total' }).click();
  const bk = await (await answer).json();
  assert.equal(bk.status, 'confirmed');
  // the answers stored with it (GET /api/bookings/:id shows them)
  const rows = psql(`begin; select set_config('app.tenant_id', '${real.tenantId}', true);
    select string_agg(label || '=' || (value #>> '{}'), ',' order by position) from form_answers where booking_id = '${bk.id}'; commit;`).split('\n').pop();
  assert.equal(rows, 'College=IIT Madras,Track=AI');
  await page.locator('#page-msg', { hasText: 'Booked!' }).waitFor();
  await shot(page, 'forms-team-booked');
  assert.deepEqual(problems.csp, []);
  assert.deepEqual(problems.errors, []);
  await context.close();
});

test('the organizer builds a form with approval, then accepts a registration', async () => {
  const org = await organizer('forms');
  const ev = seedEvent({ tenantId: org.tenantId, title: 'Workshop', rows: 0, ga: [{ name: 'Seat', pricePaise: 0, capacity: 5 }] });
  const { page, context, problems } = await open(browser, { acceptDialogs: true });
  await adoptSession(context, org);
  await page.goto(`/organizer/forms.html?event=${ev.id}`);
  await page.locator('#form-builder').waitFor();
  await page.getByLabel('Registrations wait for my approval before payment or a free ticket').check();
  await page.getByRole('button', { name: 'Add a question' }).click();
  await page.getByLabel('Question', { exact: true }).fill('Why this workshop?');
  await page.getByLabel('Kind').selectOption('long_text');
  await page.getByLabel('Required').check();
  await page.getByRole('button', { name: 'Save form' }).click();
  await page.locator('#form-builder .msg-ok', { hasText: 'Form saved.' }).waitFor();
  const form = (await call('GET', `/api/events/${ev.id}/form`)).json;
  assert.equal(form.approval, true);
  assert.deepEqual(form.questions.map((q) => [q.label, q.kind, q.required]), [['Why this workshop?', 'long_text', true]]);
  // a registration through the API waits for the organizer
  const b = await apiSignIn(newEmail('applicant'));
  const typeId2 = ev.ga.get('Seat');
  const lock = await call('POST', '/api/seats/lock', { body: { eventId: ev.id, seatIds: [], ga: [{ ticketTypeId: typeId2, quantity: 1 }] }, token: b.token, ip: b.ip });
  assert.equal(lock.status, 200, lock.text);
  const reg = await call('POST', '/api/bookings', { body: { eventId: ev.id, answers: { [form.questions[0].id]: 'To learn Rust' } }, token: b.token, ip: b.ip });
  assert.equal(reg.status, 201, reg.text);
  assert.equal(reg.json.approval, 'waiting');
  await page.reload();
  const row = page.locator(`tr[data-booking="${reg.json.id}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /To learn Rust/);
  await row.getByRole('button', { name: 'Accept' }).click();
  await page.locator('#fm-registrations', { hasText: 'None waiting.' }).waitFor();
  const after2 = await call('GET', `/api/bookings/${reg.json.id}`, { token: b.token, ip: b.ip });
  assert.equal(after2.json.status, 'confirmed');
  assert.equal(after2.json.approval, 'accepted');
  await shot(page, 'forms-organizer');
  assert.deepEqual(problems.csp, []);
  assert.deepEqual(problems.errors, []);
  await context.close();
});
