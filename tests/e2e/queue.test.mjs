// The waiting room in the browser against the real stack
// (docs/waiting-room.md): an event whose room is on sends a buyer who
// tries to hold to /queue.html (the server's 403 queue_required), the
// page joins, follows the room's channel, says it is your turn with the
// pass's remaining time, and the seat map then holds with the pass.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, shot, apiSignIn, adoptSession, newEmail, warmAuth } from './lib.mjs';
import { seedEvent, psql, redis } from './real.mjs';

let browser;
before(async () => { browser = await launch(); await warmAuth(); });
after(async () => { await browser?.close(); });

test('waiting room: sent to the queue, admitted with a pass, then back to the seats', async () => {
  const ev = seedEvent({ title: 'Headline Night', rows: 0, perUserLimit: 2, ga: [{ name: 'Floor', pricePaise: 0, capacity: 50, perOrderLimit: 2 }] });
  psql(`select set_config('app.tenant_id', '${ev.tenantId}', false);
        update events set queue_on = true, queue_rate = 600, queue_pass_ttl = 600 where id = '${ev.id}'`);
  redis('INCR', `zt:{ev:${ev.id}}:map`);          // every worker reloads its map
  const o = await open(browser);
  const { page, context, problems } = o;
  await adoptSession(context, await apiSignIn(newEmail('fan')));
  await page.goto(`/event.html?id=${ev.id}`);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.getByRole('button', { name: 'One more Floor' }).click();
  await page.waitForURL(/\/queue\.html\?event=/, { timeout: 10000 });
  await page.locator('#q-state', { hasText: "It's your turn!" }).waitFor({ timeout: 15000 });
  await page.locator('#q-pass-left', { hasText: /Your pass lasts \d+:\d\d more/ }).waitFor();
  assert.match(await page.locator('text=Don\'t refresh: your place is kept.').textContent(), /place is kept/);
  await shot(page, 'queue-admitted');
  await page.locator('#q-go').click();
  await page.waitForURL(/\/event\.html\?id=/);
  await page.getByRole('button', { name: 'One more Floor' }).click();
  const tt = ev.ga.get('Floor');
  await page.waitForFunction((x) => document.querySelector(`#qty-${x}`)?.textContent === '1', tt, { timeout: 10000 });
  assert.deepEqual(problems.errors, []);
  await context.close();
});
