// Ticket transfer (docs/commerce.md): the buyer offers a ticket on My
// tickets, the recipient accepts on the accept page and finds the QR code
// on My tickets; the buyer's ticket shows as transferred with no QR code.
// Real stack: a free event seeded in SQL with transfers allowed, real
// holds and bookings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, call, apiSignIn, adoptSession, newEmail, warmAuth } from './lib.mjs';
import { seedEvent, warmSeatsAndBookings, psql } from './real.mjs';

let browser;
let real;
before(async () => {
  browser = await launch();
  real = seedEvent({ title: 'Transfer Night', pricePaise: 0 });
  psql(`begin; select set_config('app.tenant_id', '${real.tenantId}', true);
    update events set transfer_cutoff_hours = 0, max_transfers = 1 where id = '${real.id}'; commit;`);
  await warmAuth();
  await warmSeatsAndBookings(real.id);
});
after(async () => { await browser?.close(); });

test('a ticket offered on My tickets is accepted on the accept page and moves to the recipient', async () => {
  const buyer = await apiSignIn(newEmail('giver'));
  const friend = await apiSignIn(newEmail('friend'));
  const seat = real.seats.get('B3');
  let r = await call('POST', '/api/seats/lock', { body: { eventId: real.id, seatIds: [seat] }, token: buyer.token, ip: buyer.ip });
  assert.equal(r.status, 200, r.text);
  r = await call('POST', '/api/bookings', { body: { eventId: real.id }, token: buyer.token, ip: buyer.ip });
  assert.equal(r.status, 201, r.text);
  const ticket = r.json.tickets[0].id;

  const a = await open(browser);
  await adoptSession(a.context, buyer);
  await a.page.goto('/tickets.html');
  await a.page.locator(`[data-transfer="${ticket}"]`).click();
  await a.page.getByLabel('Recipient email or phone').fill(friend.email);
  await a.page.getByRole('button', { name: 'Send' }).click();
  await a.page.locator(`[data-transfer="${ticket}"]`, { hasText: 'Offered' }).waitFor();
  const mine = await call('GET', '/api/bookings/transfers/mine', { token: friend.token, ip: friend.ip });
  const offer = mine.json.incoming[0];
  assert.equal(offer.ticketId, ticket);

  const b = await open(browser);
  await adoptSession(b.context, friend);
  await b.page.goto(`/transfer.html?id=${offer.id}`);
  await b.page.getByRole('button', { name: 'Accept the ticket' }).click();
  await b.page.getByText('The ticket is yours').waitFor();
  await b.page.goto('/tickets.html');
  await b.page.locator('#transfers img.qr').waitFor();
  await shot(b.page, 'transfer-received');

  await a.page.reload();
  await a.page.locator(`[data-booking] .stamp`, { hasText: 'transferred' }).waitFor();
  assert.equal(await a.page.locator('.ticket-qr').count(), 0);
  assert.deepEqual(a.problems.errors, []);
  assert.deepEqual(b.problems.errors, []);
  assert.deepEqual(a.problems.csp, []);
  assert.deepEqual(b.problems.csp, []);
  await a.context.close();
  await b.context.close();
});
